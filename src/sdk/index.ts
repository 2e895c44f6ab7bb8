/**
 * The public plugin contract of rehydrate.
 *
 * This is the only module a plugin sees. Built-in plugins (`plugins/<name>/`) and runtime
 * plugins (files in a plugin directory) are written against exactly this contract; a runtime
 * plugin imports only *types* from here and gets every helper through the {@link Host} passed
 * to `create()`, so it does not depend on where rehydrate is installed.
 *
 * A plugin is a plain object built with {@link defineSource} or {@link defineTarget}.
 *
 * @module
 */

/**
 * The plugin API version this build of rehydrate speaks. A plugin declares it in `api`.
 *
 * Version 2 added: source cursors and `resumeFrom`, shard assignment, selection pushdown,
 * `write(batch, {signal})`, `ItemFailure.throttled`, the `skipped` outcome, row keys and the
 * same-key declaration of targets, nested config fields, and host helpers. Version 1 plugins
 * still load (see {@link SUPPORTED_PLUGIN_API_VERSIONS}): everything version 2 added is optional.
 */
export const PLUGIN_API_VERSION = 2 as const;

/** The plugin API versions this build loads. A version 1 plugin simply ignores what 2 added. */
export const SUPPORTED_PLUGIN_API_VERSIONS: readonly number[] = [1, 2];

/** A JSON value: what cursors and checkpoints are made of (they are stored as JSON). */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

// ---------------------------------------------------------------------------------------------
// Events
// ---------------------------------------------------------------------------------------------

/**
 * An event in the shape EventBridge delivers to a rule target. Patterns match this object.
 * Fields beyond the standard ones are kept as they are (EventBridge patterns may name them).
 */
export interface EventBridgeEvent {
  version: string;
  id: string;
  "detail-type": string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: unknown;
  [field: string]: unknown;
}

/** The standard fields of an EventBridge event, in the order EventBridge writes them. */
export const EVENTBRIDGE_EVENT_FIELDS = [
  "version",
  "id",
  "detail-type",
  "source",
  "account",
  "time",
  "region",
  "resources",
  "detail",
] as const;

/**
 * One event on its way through the pipeline.
 *
 * The engine builds envelopes from the records a source yields (mapping them to the
 * EventBridge shape when they are not in it already); targets receive envelopes.
 */
export interface Envelope {
  /** The EventBridge-shaped event. Targets must treat it as read-only. */
  readonly event: EventBridgeEvent;
  /**
   * Where the record came from, stable across runs, for reports and failed-event files:
   * `orders.ndjson:12:1`, `table#pk#sk`, `index/_id`.
   */
  readonly position: string;
  /** 0-based read order over the whole run, assigned by the engine. */
  readonly seq: number;
  /**
   * The record's original JSON text, when the source had it *and* the event is the record
   * unchanged (no envelope mapping). Targets that write the event as-is may write these
   * bytes instead of re-serialising `event` (it is the same JSON value).
   */
  readonly text?: string;
  /**
   * {@link text} as UTF-8 bytes, when the source kept them (never without `text`): a target
   * that writes `text` as it is may copy these instead of encoding it.
   */
  readonly bytes?: Uint8Array;
  /** The record as the source read it, before envelope mapping. */
  readonly record: unknown;
  /** The ordering key (`--order-key`), as a string, when one is configured. */
  readonly orderKey?: string;
}

// ---------------------------------------------------------------------------------------------
// Configuration specs (double as documentation: `rehydrate plugins describe <name>`)
// ---------------------------------------------------------------------------------------------

/**
 * The type of one configuration field. `json` accepts any JSON value. `object` is an object whose
 * keys are given by {@link ConfigField.fields} (a record with known keys) or whose values all
 * follow {@link ConfigField.values} (a map); `array` is a list whose items follow
 * {@link ConfigField.items}.
 */
export type ConfigFieldType =
  | "string"
  | "number"
  | "integer"
  | "boolean"
  | "string[]"
  | "object"
  | "array"
  | "json";

/** Describes one configuration field of a plugin. The host validates config against it. */
export interface ConfigField {
  /** The value's type. Values of another type are rejected with an error naming the field. */
  type: ConfigFieldType;
  /** One or two sentences for `plugins describe` and the JSON Schema. */
  description: string;
  /** Whether the field must be given (after URI parsing and defaults). @default false */
  required?: boolean;
  /** The value used when the field is absent. Shown in `plugins describe`. */
  default?: unknown;
  /** For strings: the only allowed values. */
  enum?: readonly string[];
  /** An example value, shown in `plugins describe`. */
  example?: unknown;
  /** For numbers and integers: the smallest allowed value. */
  minimum?: number;
  /**
   * Set on fields that hold secrets (passwords, connection strings with passwords, tokens).
   * The host never prints their values, in logs, reports or `validate` output.
   */
  secret?: boolean;
  /**
   * For `object`: the known keys of a record (`{host, port}`), each validated and documented;
   * unknown keys are rejected. Without it (and without `values`), any object is accepted.
   */
  fields?: Record<string, ConfigField>;
  /** For `object`: the spec every value of a map follows (`columns: {name: <json path>}`). */
  values?: ConfigField;
  /** For `array`: the spec of every item. */
  items?: ConfigField;
}

/** A plugin's configuration schema. Unknown keys are rejected by the host. */
export interface ConfigSpec {
  /** Field name → spec. */
  fields: Record<string, ConfigField>;
  /**
   * Turns the part of a URI after `<name>:` into config values, e.g. `sqlite:out.db#users`
   * → `{ path: "out.db", table: "users" }`. Throw a {@link PluginError} for a malformed URI.
   * Values given explicitly in a pipeline file override these.
   */
  fromUri?(rest: string): Record<string, unknown>;
  /** Examples for `plugins describe`: `[description, URI or config snippet]`. */
  examples?: Array<[string, string]>;
  /**
   * Extra validation after type checks and defaults, for rules across fields. Return a list of
   * problems (each naming the field), empty when valid.
   */
  validate?(config: Record<string, unknown>): string[];
}

// ---------------------------------------------------------------------------------------------
// Sources
// ---------------------------------------------------------------------------------------------

/** One record read by a source. */
export interface SourceRecord {
  /** The parsed record (any JSON value). */
  value: unknown;
  /** Stable position, see {@link Envelope.position}. */
  position: string;
  /** The record's JSON text, when the source has it (lets file targets pass bytes through). */
  text?: string;
  /**
   * The same text as UTF-8 bytes, exactly as read, when the source has them: a target writing
   * records as they are copies these instead of encoding `text` again. A source giving `bytes`
   * gives `text` too (it may decode it on first read, a getter), and the bytes must never change
   * afterwards (no view into a buffer the source reuses). @since API 2
   */
  bytes?: Uint8Array;
}

/** A record the source could not read (malformed JSON, a bad item). */
export interface InvalidRecord {
  /** Where it is, e.g. `events.ndjson:17:23` (file:line:column of the problem). */
  position: string;
  /** Why it is invalid, in words a user can act on. */
  reason: string;
  /** The raw text, possibly truncated, for the failed-events file and report samples. */
  text: string;
  /**
   * The record's original bytes, when they are not valid UTF-8 (or otherwise differ from `text`):
   * the failed-events file keeps them exactly, never U+FFFD in their place.
   */
  bytes?: Uint8Array;
}

/** A batch of records. Sources choose batch sizes (a few hundred to a few thousand is typical). */
export interface SourceBatch {
  records: SourceRecord[];
  /**
   * Records read but skipped by the {@link SourceOpenContext.prefilter}: they cannot match, so
   * they were not parsed. They count as read and unmatched.
   */
  prefiltered?: number;
  /** Records that could not be read. The engine decides (per `--skip-invalid`) what happens. */
  invalid?: InvalidRecord[];
  /**
   * The resume position *after* this batch, as JSON (a file index and byte offset, a DynamoDB
   * `LastEvaluatedKey`, an OpenSearch sort tuple). The engine stores the cursor of the last
   * batch whose every event is settled and passes it back as {@link SourceOpenContext.resumeFrom};
   * reading from it must yield exactly the records after this batch. Sources that cannot resume
   * leave it out (and say so with {@link Source.resumable}).
   */
  cursor?: JsonValue;
  /** @deprecated API 1's opaque position, passed back in `ack`. Use {@link cursor}. */
  checkpoint?: unknown;
  /**
   * `true` when the source has itself checked every record of {@link records} the way the
   * engine checks an unmapped record: `text` is the record's exact JSON, and it is an EventBridge
   * event (an object with string `source` and `detail-type` and a `detail`). The engine then
   * skips that check, and when nothing in the run needs the event before a target does (no
   * pattern, time range, routes or order key, no envelope mapping) it never reads `value`: a
   * target that writes {@link Envelope.text} pays for no parse. A source setting it should make
   * `value` parse `text` on first read (a getter), so a target that does read the event still
   * gets it. Sources that parse anyway gain nothing from it. @since API 2
   */
  verified?: boolean;
}

/** Which part of a split run a source reads (`--shard i/N`). */
export interface ShardAssignment {
  /** 0-based index of this shard, `0 ≤ index < count`. */
  index: number;
  /** How many shards the run is split into. */
  count: number;
}

/**
 * What the run selects, in a form a source may push down to its server (a DynamoDB filter
 * expression, an OpenSearch query, a text prefilter in worker threads). Pushdown may only
 * narrow what is read to a superset of what matches: the engine still applies the full pattern
 * and time range to every event, so a source that ignores this is always correct.
 */
export interface SelectionPushdown {
  /**
   * The run's pattern as plain JSON: one EventBridge pattern, or `{"$or": [...]}` when several
   * are ORed. Absent when every event matches.
   */
  pattern?: unknown;
  /**
   * A sound text test that can cross a thread boundary: a record can match only if, for every
   * inner list, its raw JSON text contains at least one of that list's strings. Text containing a
   * backslash always passes (escapes can hide a literal). Absent when the pattern admits none, or
   * the record text is not the event (an envelope mapping is configured).
   */
  literals?: ReadonlyArray<readonly string[]>;
  /** Events with `time` before this instant (ISO 8601) are not wanted (`--since`). */
  since?: string;
  /** Events with `time` at or after this instant (ISO 8601) are not wanted (`--until`). */
  until?: string;
  /**
   * `true` when records pass through unmapped (no envelope mapping): a record's JSON text is
   * the event's, so a source may check the event's shape itself (see {@link SourceBatch.verified})
   * or match `pattern` on its records. @since API 2
   */
  passThrough?: boolean;
  /**
   * `true` when nothing in the run reads parsed events: records pass through unmapped, there is
   * no pattern, time range, route, order key or key-hash shard, it is not a dry run, and every
   * target writes the records' text ({@link Target.writesText}). A source may then check each
   * record (parse it, check the event's shape, drop the parse) and hand on records whose `value`
   * parses on demand, in batches marked {@link SourceBatch.verified}: parsed objects then never
   * outlive their check. @since API 2
   */
  eventsUnread?: boolean;
}

/** What the engine tells a source when it opens it. */
export interface SourceOpenContext {
  /**
   * A sound test on a record's raw JSON text: `false` means the record cannot match the run's
   * pattern, so the source may skip parsing it (and count it in `prefiltered`). `true` means
   * "maybe". Absent when no pattern is set or the pattern admits no text test. Sources that do
   * not read JSON text ignore it.
   */
  prefilter?: (text: string) => boolean;
  /**
   * @deprecated API 1's name for {@link SelectionPushdown.literals} (`pushdown.literals`), which
   * sources should read instead; still passed, with the same value, for API 1 sources.
   *
   * A sound prefilter in a form that can cross a thread boundary, for sources that prefilter in
   * worker threads: a record can match only if, for every inner list, its raw text contains at
   * least one of that list's strings; text containing a backslash always passes (escapes can
   * hide a literal). At most as strict as `prefilter`. Present only when `prefilter` is.
   */
  prefilterLiterals?: ReadonlyArray<readonly string[]>;
  /**
   * The run's selection, for sources that can narrow their read on the server or in workers.
   * The engine always passes it (possibly empty); optional so tests can open a source bare.
   */
  pushdown?: SelectionPushdown;
  /** The cursor of the last settled batch of an interrupted run: continue right after it. */
  resumeFrom?: JsonValue;
  /** The part of a split run to read; absent when the run is not split. */
  shard?: ShardAssignment;
  /**
   * Absolute paths of files this run writes (target outputs, the report, the failed-events
   * file). A source that expands globs must never yield them, so a run cannot read its own output.
   */
  excludePaths?: readonly string[];
  /**
   * Fires when the run stops reading (Ctrl-C, `--limit` reached, a fatal error). It is the same
   * signal as the source's `host.signal`.
   */
  signal: AbortSignal;
}

/** A running source. Created by {@link SourcePlugin.create}. */
export interface Source {
  /**
   * Whether the order of `batches()` is meaningful (a log, a file, a Query). When `false` (a
   * Scan) and the run asks for ordering, the engine sorts with its external sort first.
   * @default true
   */
  readonly ordered?: boolean;
  /**
   * Whether batches carry a {@link SourceBatch.cursor} that `resumeFrom` accepts. A run with a
   * checkpoint refuses a source that is not resumable (stdin, for instance). @default false
   */
  readonly resumable?: boolean;
  /**
   * How the source honours {@link SourceOpenContext.shard}: `none` (it cannot split: the engine
   * refuses `--shard`, or uses its key-hash mode), `split` (each shard reads a deterministic part,
   * but one key's events may land in several parts), `key-aligned` (every event of a key is in
   * one shard's part). @default "none"
   */
  readonly sharding?: "none" | "split" | "key-aligned";
  /** A sentence saying how the source splits, for the dry run and the report. */
  readonly shardingNote?: string;
  /**
   * The local files this source will read, after `open` (globs expanded). The engine refuses a
   * run in which one of them is also an output (a target's file, the report, the failed file).
   */
  inputPaths?(): readonly string[];
  /** Connects and checks the source can be read. Throw a {@link PluginError} if not. */
  open?(ctx: SourceOpenContext): Promise<void>;
  /**
   * Yields batches until the source is exhausted. Pull-based: the engine asks for the next
   * batch only when it has room, so a slow target slows the read. Must stop promptly (return)
   * when `ctx.signal` fires.
   */
  batches(ctx: SourceOpenContext): AsyncIterable<SourceBatch>;
  /**
   * Called in read order once every target settled every item of `batch` (delivered or
   * recorded as failed). A checkpoint stored here never skips an unsettled record.
   */
  ack?(batch: SourceBatch): Promise<void>;
  /** Releases resources. Called once, also after errors. */
  close?(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Targets
// ---------------------------------------------------------------------------------------------

/** How a target wants its events batched and how many batches it may have in flight. */
export interface BatchPolicy {
  /** Most events in one `write` call (e.g. 10 for PutEvents, 25 for BatchWriteItem). */
  maxItems: number;
  /** Most bytes of serialised events in one `write` call, when the service limits it. */
  maxBytes?: number;
  /**
   * Most `write` calls in flight at once. With no ordering key the engine always uses 1, so a
   * later event never overtakes an earlier one; with `--order-key` the lanes run in parallel up
   * to `min(maxInFlight, --concurrency)`.
   */
  maxInFlight: number;
  /**
   * Milliseconds a partial batch may wait for more events before it is written anyway.
   * @default 50
   */
  lingerMs?: number;
}

/** Why one item of a `write` failed. */
export interface ItemFailure {
  /** Index of the item in the batch passed to `write`. */
  index: number;
  /** Whether retrying may succeed (throttling, 5xx, `UnprocessedItems`). */
  retryable: boolean;
  /** A short machine-readable code: `ThrottlingException`, `SQLITE_CONSTRAINT`, `FunctionError`. */
  code: string;
  /** A message a user can act on. Never include credentials. */
  message: string;
  /** Server-suggested wait before a retry (e.g. `Retry-After`). */
  retryAfterMs?: number;
  /**
   * Whether the failure is the service pushing back (throttling, `UnprocessedItems`, HTTP 429),
   * counted as `throttled` in the report. The engine never guesses it from `code`. @default false
   */
  throttled?: boolean;
}

/**
 * The outcome of a `write`. Items listed in neither `failures` nor `skipped` were durably
 * taken by the store or delivered: they are counted `sent`.
 */
export interface WriteResult {
  failures: ItemFailure[];
  /**
   * Indexes of items the store refused *on purpose* because it already holds something as new
   * or newer (a version guard): settled, counted `skipped`, never retried, not failed.
   */
  skipped?: number[];
  /**
   * What the items reported sent did, by verb (`{upsert: 8, delete: 2}`), as `plan` names
   * actions in a dry run: the report and the summary split a store's writes by it.
   */
  actions?: Record<string, number>;
}

/** What the engine passes to each `write`. */
export interface WriteContext {
  /**
   * Fires when the write must give up (the drain deadline after Ctrl-C has passed). A target
   * should abort its request; whatever it then returns or throws, the items not confirmed are
   * counted `cancelled` and written to the failed-events file.
   */
  signal: AbortSignal;
}

/** The outcome of a read-only pre-flight check. */
export interface CheckResult {
  /** `true` if the target can be written as configured. */
  ok: boolean;
  /** What was checked (and what is wrong when `ok` is false), one line per fact. */
  details: string[];
}

/** What a write of one event would do, for dry runs. */
export interface PlannedAction {
  /** Index of the item in the batch passed to `plan`. */
  index: number;
  /** The verb: `put`, `upsert`, `delete`, `invoke`, `write`, `skip`... */
  action: string;
  /** Where it would go: `users(id=42)`, `bus default`, `function my-fn`. */
  destination: string;
  /** A short preview of what would be written (the host truncates it). */
  preview?: unknown;
}

/** A running target. Created by {@link TargetPlugin.create}. */
export interface Target {
  /** The target's batching defaults. Users may lower `maxItems`/`maxInFlight`. */
  readonly policy: BatchPolicy;
  /**
   * How the target treats two events of one key in one `write`:
   * - `collapse`: a store that applies last-write-wins per row inside a batch (the batch leaves
   *   what applying its events one by one leaves). Several events of a key may share a batch.
   * - `sequential`: the target writes a batch's events one after another and, after the first
   *   retryable failure, writes none of the later ones (it fails them `NotSent`, retryable): a
   *   file, a pipe, Lambda invokes in turn. Several events of a key may share a batch.
   * - `independent`: each event is delivered on its own (a PutEvents entry), so a retried
   *   earlier event could be overtaken by a later one of the same batch. The engine never puts
   *   two events of one key in one batch (in a globally ordered run: one event per batch), nor
   *   lets a later event of a key be written before an earlier one is settled.
   * @default "independent"
   */
  readonly sameKey?: "collapse" | "sequential" | "independent";
  /**
   * For storage targets: the identity of the row (document, item) an event writes, as a string,
   * or `undefined` when the event has none (it will fail in `write`). When the run has no order
   * key, the engine orders such a target per row key in parallel lanes instead of globally: the
   * final state is the one applying the events one by one in read order leaves.
   */
  rowKey?(event: EventBridgeEvent): string | undefined;
  /**
   * `true` when the target writes {@link Envelope.text} as it is whenever an envelope has it, and
   * reads `event` only when it has not (the `file` and `stdout` targets; a target with a
   * {@link rowKey} reads events for its key, so this is ignored there). In a run that otherwise
   * never looks at events, the engine then tells the source so ({@link SelectionPushdown.eventsUnread}),
   * and the source need not keep its records parsed. @since API 2
   */
  readonly writesText?: boolean;
  /**
   * The local files this target writes (absolute paths), known from its config before `open`.
   * The engine refuses a run where two outputs, or an output and an input, are the same file.
   */
  outputPaths?(): readonly string[];
  /** Connects (opens files, pools). Must not write events. */
  open?(): Promise<void>;
  /**
   * Read-only pre-flight: the table/bus/function exists and matches the configuration. Used
   * by `validate` and by dry runs, and before real runs. Must never write.
   */
  check(): Promise<CheckResult>;
  /** Describes what `write(batch)` would do, without doing it. Used by `--dry-run`. */
  plan(batch: readonly Envelope[]): Promise<PlannedAction[]>;
  /**
   * Writes a batch. The engine always passes `context` (it is optional in the type only so
   * tests can call `write(batch)`). Partial failure is normal: return the items that failed, each marked
   * retryable or not; the engine retries retryable ones with backoff and jitter, in order.
   * Throw only when the whole target is broken (auth, missing table): that stops the run.
   * Storage targets must apply last-write-wins inside a batch, so a batch write leaves what
   * applying its events one by one would leave.
   */
  write(batch: readonly Envelope[], context?: WriteContext): Promise<WriteResult>;
  /**
   * A durability barrier: when it resolves, everything `write` reported as sent is durable
   * (files synced, transactions committed). Called at the end of a run (also after Ctrl-C, for
   * what was written), and between writes whenever the engine stores a checkpoint; never while a
   * `write` of this target is in flight. Throwing means the writes reported sent may be lost.
   */
  flush?(): Promise<void>;
  /** Releases resources. Called once, also after errors. */
  close?(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// The host: helpers a plugin receives instead of importing rehydrate's internals
// ---------------------------------------------------------------------------------------------

/** A leveled logger that writes to stderr and never prints secrets given as config. */
export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
}

/** AWS client settings resolved from `--region`, `--profile` and the SDK's standard chain. */
export interface AwsClientSettings {
  /** The region, when one was given or found; the SDK resolves it otherwise. */
  region?: string;
  /** The profile (`--profile` / `AWS_PROFILE`), when one was given. */
  profile?: string;
}

/** Options for {@link Host.retry}. */
export interface RetryOptions {
  /** Most attempts in all, the first included. @default 8 */
  attempts?: number;
  /** First backoff delay in ms; doubles each attempt, with full jitter. @default 100 */
  baseDelayMs?: number;
  /** Largest backoff delay in ms. @default 20000 */
  maxDelayMs?: number;
  /** Whether an error thrown by `fn` is worth retrying. @default () => false */
  isRetryable?: (error: unknown) => boolean;
}

/** Options for {@link Host.sort}. */
export interface SortOptions<T> {
  /** Orders two items, like `Array.prototype.sort`'s comparator. */
  compare(a: T, b: T): number;
  /** Items kept in memory before a sorted run is spilled to disk. @default 100000 */
  runSize?: number;
  /**
   * A precomputed sort key per item, much faster than `compare` on large inputs: items are
   * ordered by key (strings by UTF-16 code units, as `<` compares them; numbers numerically),
   * ties in input order, and `compare` is not called. Only valid when `compare` agrees with it:
   * `compare(a, b)` is negative, zero or positive exactly when `key(a)` is less than, equal to
   * or greater than `key(b)`. All keys of one sort must be strings, or all numbers (not NaN;
   * -0 equals 0). To sort by several fields, join fixed-width fields, or put `"\u0000"` (the
   * lowest character) between fields that have none.
   */
  key?: (item: T) => string | number;
  /**
   * Turns an item into the text spilled to disk; it must not contain `\n`. A caller that still
   * has an item's original JSON can return it instead of serialising again. @default JSON.stringify
   */
  serialize?: (item: T) => string;
  /**
   * Turns a spilled text back into an item: what the sort yields, unless every item fit in one
   * run (then the original items are yielded). @default JSON.parse
   */
  deserialize?: (text: string) => T;
}

/** A writable byte stream (the process's stdout, or a test's stream). */
export interface OutputStream {
  /** Writes a chunk; `false` means the buffer is full: wait for `drain`. */
  write(chunk: string | Uint8Array): boolean;
  once(event: "drain", listener: () => void): unknown;
}

/** The standard streams of the run: the CLI's in production, injected ones in tests. */
export interface HostStdio {
  /** Standard input, for sources reading `-`. */
  readonly stdin: AsyncIterable<Uint8Array | string>;
  /** Standard output, for targets writing `stdout:`. */
  readonly stdout: OutputStream;
}

/** An AWS SDK error reduced to what a plugin does with it (see {@link HostHelpers.classifyAwsError}). */
export interface AwsErrorInfo {
  /** `retryable` (throttled or transient), `fatal` (the target cannot work: stop), `item` (fail the items). */
  kind: "retryable" | "fatal" | "item";
  /** The error code (`ThrottlingException`, `ECONNRESET`, ...). */
  code: string;
  /** The service's message, with anything shaped like a credential removed. */
  message: string;
  /** Whether the service pushed back (throttling, HTTP 429). */
  throttled: boolean;
  /** HTTP status, when there was a response. */
  status?: number;
  /** Server-suggested wait (`Retry-After`), in ms. */
  retryAfterMs?: number;
}

/** Settings for an AWS SDK v3 client constructor, from {@link HostHelpers.awsClientConfig}. */
export interface AwsClientConfig {
  region?: string;
  profile?: string;
  maxAttempts?: number;
  customUserAgent: string;
}

/**
 * Helpers the built-in plugins use, handed to every plugin so a runtime plugin does the same
 * things the same way without importing rehydrate.
 */
export interface HostHelpers {
  /**
   * Constructor settings for an AWS SDK v3 client honouring `--region`/`--profile`; endpoint
   * overrides (`AWS_ENDPOINT_URL_<SERVICE>`) and credentials are left to the SDK chain.
   * `maxAttempts` low (1) lets the engine own retries and count them.
   */
  awsClientConfig(service: string, options?: { maxAttempts?: number }): AwsClientConfig;
  /** Classifies an error thrown by an AWS SDK v3 `send()`. */
  classifyAwsError(error: unknown): AwsErrorInfo;
  /**
   * Writes a batch one event at a time, stopping at the first retryable failure and marking the
   * later events `NotSent` (retryable), so nothing overtakes the event being retried.
   */
  writeOneByOne(
    batch: readonly Envelope[],
    writeOne: (envelope: Envelope, index: number) => Promise<ItemFailure | undefined>,
  ): Promise<ItemFailure[]>;
  /** Replaces `user:password@` in a URI or endpoint with `…@`, for logs, names and reports. */
  redactUri(uri: string): string;
}

/** What a plugin receives from rehydrate in `create(config, host)`. */
export interface Host {
  /** The plugin API version of this rehydrate build. */
  readonly api: typeof PLUGIN_API_VERSION;
  /** The rehydrate version, e.g. `0.1.0`. */
  readonly version: string;
  /** Whether this is a dry run. Targets are only asked to `check` and `plan` then. */
  readonly dryRun: boolean;
  /** Fires when the run is stopping. */
  readonly signal: AbortSignal;
  /** Logger scoped to the plugin. */
  readonly log: Logger;
  /** The run's stdin and stdout. Use these, not `process.stdin`/`process.stdout`. */
  readonly stdio: HostStdio;
  /** Resolves a path given in config relative to the pipeline file's folder (or the cwd). */
  resolvePath(path: string): string;
  /** AWS settings from the command line and environment, for SDK client constructors. */
  readonly aws: AwsClientSettings;
  /**
   * Compiles a JSON path (`$.detail.orderId`, `detail.items[0].sku`, `$['detail-type']`) into a
   * getter that returns `undefined` when the path does not exist. Throws a {@link PluginError}
   * for a malformed path.
   */
  jsonPath(path: string): (value: unknown) => unknown;
  /** Calls `fn` until it succeeds or attempts run out, with exponential backoff and full jitter. */
  retry<T>(fn: (attempt: number) => Promise<T>, options?: RetryOptions): Promise<T>;
  /** Waits `ms` milliseconds, or less if the run is aborted. */
  sleep(ms: number): Promise<void>;
  /**
   * Sorts any number of items with bounded memory: runs of `runSize` items are sorted and
   * spilled to a temp directory as one line of text per item, then merged (stable: equal items
   * keep their input order). Items must be JSON-serialisable, or the caller passes
   * {@link SortOptions.serialize} and {@link SortOptions.deserialize}; a {@link SortOptions.key}
   * makes it much cheaper.
   */
  sort<T>(items: AsyncIterable<T>, options: SortOptions<T>): AsyncIterable<T>;
  /** A fresh temporary directory, removed when the run ends. */
  tempDir(): Promise<string>;
  /**
   * Compiles an EventBridge event pattern (object or JSON text) into a predicate, with the same
   * semantics as `--pattern`. Plugins use it for conditions such as "delete when the event
   * matches `{"detail-type":["UserDeleted"]}`". Throws a {@link PluginError} naming AWS's
   * reason when the pattern is invalid.
   */
  matcher(pattern: unknown): (event: unknown) => boolean;
  /** Helpers shared with the built-in plugins (AWS clients and errors, one-by-one writes). */
  readonly helpers: HostHelpers;
  /**
   * Builds an error the CLI shows as one line without a stack trace (a {@link PluginError}),
   * for runtime plugins that import no runtime value from rehydrate. Any error whose `name` is
   * `"PluginError"` is treated the same way.
   */
  error(message: string, where?: string): Error;
  /**
   * Builds the error a target throws when its destination went away for good and that is a
   * normal end, not a failure: the reader of `stdout:` closed the pipe (`| head`). The engine
   * stops reading, counts what was not written as cancelled and exits 0.
   */
  outputClosed(message: string): Error;
}

// ---------------------------------------------------------------------------------------------
// Plugins
// ---------------------------------------------------------------------------------------------

/** Fields every plugin shares. */
export interface PluginBase<Config> {
  /** The plugin's name; also its URI scheme (`sqlite` in `sqlite:out.db#users`). Lowercase, `[a-z0-9-]`. */
  name: string;
  /** The plugin API version it was written for: one of {@link SUPPORTED_PLUGIN_API_VERSIONS}. */
  api: 1 | 2;
  /** One line for `plugins list`. */
  summary: string;
  /** Config schema; also documentation. */
  config: ConfigSpec;
  /** Brand the config type: the host validates raw config against `config` before `create`. */
  readonly __config?: Config;
}

/** A source plugin: `--from <name>:<rest>`. */
export interface SourcePlugin<Config = Record<string, unknown>> extends PluginBase<Config> {
  kind: "source";
  /** Creates a source from validated config. Must not do I/O; do it in `open`. */
  create(config: Config, host: Host): Source | Promise<Source>;
}

/** A target plugin: `--to <name>:<rest>`. */
export interface TargetPlugin<Config = Record<string, unknown>> extends PluginBase<Config> {
  kind: "target";
  /** Creates a target from validated config. Must not do I/O; do it in `open`/`check`. */
  create(config: Config, host: Host): Target | Promise<Target>;
}

/** Any plugin. A runtime plugin module default-exports one of these, or an array of them. */
export type Plugin = SourcePlugin<never> | TargetPlugin<never>;

/** Identity helper that types a source plugin. */
export function defineSource<Config>(plugin: SourcePlugin<Config>): SourcePlugin<Config> {
  return plugin;
}

/** Identity helper that types a target plugin. */
export function defineTarget<Config>(plugin: TargetPlugin<Config>): TargetPlugin<Config> {
  return plugin;
}

/**
 * An error a user can act on (bad config, missing table). The CLI prints its message on one
 * line without a stack trace. `where` names the file, field or position.
 */
export class PluginError extends Error {
  constructor(
    message: string,
    readonly where?: string,
  ) {
    super(where ? `${where}: ${message}` : message);
    this.name = "PluginError";
  }
}
