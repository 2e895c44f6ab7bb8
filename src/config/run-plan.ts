import type { FrontierCounters } from "../engine/checkpoint/frontier-counters.ts";
import type { CompiledPattern } from "../pattern/index.ts";
import type { RoutesReport, RunReport, ShardMode } from "../report/run-report.ts";
import type {
  AwsClientSettings,
  JsonValue,
  OutputStream,
  ShardAssignment,
  SourcePlugin,
  TargetPlugin,
} from "../sdk/index.ts";
import type { ResolvedEndpoint } from "./endpoint.ts";

/** Retry settings for item failures marked retryable. */
export interface ItemRetryPolicy {
  /** Most attempts per item, the first included. @default 8 */
  maxAttempts: number;
  /** First backoff delay in ms (doubles, full jitter). @default 200 */
  baseDelayMs: number;
  /** Largest backoff delay in ms. @default 20000 */
  maxDelayMs: number;
}

/** At most this many targets per run: an event keeps one bit per target it was routed to and settled by. */
export const MAX_TARGETS = 30;

export const DEFAULT_ITEM_RETRY: ItemRetryPolicy = { maxAttempts: 8, baseDelayMs: 200, maxDelayMs: 20_000 };

/**
 * How a run is ordered (`--order`, `--order-key`): `auto` orders each storage target per row key
 * in parallel lanes and keeps global order for the others; `global` forces read order with one
 * write in flight everywhere; `path` orders per value of that JSON path, keys in parallel.
 */
export type OrderMode = { kind: "auto" } | { kind: "global" } | { kind: "path"; path: string };

/**
 * What the engine calls to keep a resume checkpoint (see docs/resume.md). The engine tells it
 * where the settled frontier is and gives it a barrier that makes everything before that
 * frontier durable; the checkpointer decides when to store it, and where.
 */
export interface CheckpointHook {
  /** The cursor to resume after (a stored checkpoint), passed to the source's `open`. */
  readonly resumeFrom?: JsonValue;
  /** In read order, each time the settled frontier moves past a source batch. */
  advance(cursor: JsonValue): void;
  /** Between source batches: may run `barrier` and store the frontier. */
  maybeSave(barrier: () => Promise<void>): Promise<void>;
  /** At the end of the run (also when interrupted): `barrier`, then the final frontier. */
  finish(barrier: () => Promise<void>, completed: boolean): Promise<void>;
  /** Counts each source batch, adding it once acknowledged: the counters the checkpoint stores. */
  readonly counters?: FrontierCounters;
  /** Adds the earlier runs' counters (a resumed run) and the `checkpoint` field to the final report. */
  completeReport?(report: RunReport): void;
}

/** A run, fully resolved and validated before any I/O. */
export interface RunPlan {
  source: ResolvedEndpoint<SourcePlugin<never>>;
  targets: ResolvedEndpoint<TargetPlugin<never>>[];
  /**
   * The run's pattern: the ORed `--pattern`s (or, when there are none and every target has its
   * own pattern, the OR of the targets' patterns). Absent means every event matches.
   */
  pattern?: CompiledPattern;
  /** The same pattern as plain JSON (one pattern, or `{"$or": [...]}`), for source pushdown. */
  patternJson?: unknown;
  patternCount: number;
  /** Envelope mapping config; absent means records must already be EventBridge events. */
  envelope?: Record<string, unknown>;
  /** JSON path of the ordering key in the event (`--order-key`, `--order <path>`). */
  orderKey?: string;
  /** How targets are ordered. @default {kind: "auto"} (or `path` when `orderKey` is set) */
  order?: OrderMode;
  /** Most parallel lanes per keyed target; absent: as many as the target allows in flight. */
  concurrency?: number;
  /** Each target's own pattern (its route), index-aligned with `targets`; absent: every matched event. */
  routes?: Array<CompiledPattern | undefined>;
  /** `--since`: events with an earlier `time` are not matched (ISO 8601). */
  since?: string;
  /** `--until`: events with this `time` or later are not matched (ISO 8601). */
  until?: string;
  /** The part of a split run this process reads (`--shard i/N`, 0-based here). */
  shard?: ShardAssignment;
  /** `--shard-mode`: how a split run divides its events; absent: chosen from the source (docs/shards.md). */
  shardMode?: ShardMode;
  /** What `--rules` left out (rule targets not replayed, rules skipped), for the report. */
  routing?: RoutesReport;
  /** Keeps a resume checkpoint, when the run has one. */
  checkpoint?: CheckpointHook;
  /** Stop after this many matched events. */
  limit?: number;
  dryRun: boolean;
  skipInvalid: boolean;
  /** Use the pattern's text prefilter when the source offers raw text. @default true */
  prefilter: boolean;
  reportPath?: string;
  failedPath?: string;
  progress: boolean;
  baseDir: string;
  aws: AwsClientSettings;
  verbose?: boolean;
  retry?: ItemRetryPolicy;
  /** Milliseconds in-flight writes get to finish after an interrupt. @default 30000 */
  drainDeadlineMs?: number;
  /** Append to the failed-events file instead of starting it empty (a resumed run). */
  appendFailed?: boolean;
}

/** The streams and signals of the process (or of a test). */
export interface RunIO {
  stdin: AsyncIterable<Uint8Array | string>;
  stdout: OutputStream;
  stderr: { write(text: string): unknown };
  /**
   * Fires on Ctrl-C, SIGTERM or SIGHUP: stop reading, drain, flush, report. Its `reason` names
   * the signal (`"SIGTERM"`); anything else counts as SIGINT.
   */
  interrupt: AbortSignal;
}
