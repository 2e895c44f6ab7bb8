/** Most failure, invalid and plan samples kept per list: the report never grows with the input. */
export const SAMPLE_LIMIT = 20;

/** One failure sample: which event, where it came from, and why. */
export interface FailureSample {
  position: string;
  id?: string;
  code: string;
  message: string;
  attempts?: number;
}

/** One planned-action sample of a dry run. */
export interface PlanSample {
  position: string;
  action: string;
  destination: string;
  preview?: unknown;
}

/** Per-target counters and samples. */
export interface TargetReport {
  name: string;
  plugin: string;
  /** Events this target's route selected (every matched event when the target has no own pattern). */
  selected: number;
  /** Events delivered (written, invoked, put) and, for stores, durably taken. */
  sent: number;
  /** Events the store refused on purpose as older than what it holds (a version guard). */
  skipped: number;
  /** Events that finally failed (after retries). */
  failed: number;
  /** Item retries made (an item retried twice counts 2). */
  retried: number;
  /** Retries of failures the target marked as throttling (`ItemFailure.throttled`). */
  throttled: number;
  /** Events a dry run planned. */
  planned: number;
  /** Planned actions by verb (`upsert: 10, delete: 2`). */
  plannedActions: Record<string, number>;
  /** Events not sent because the run stopped first (interrupt, fatal error). */
  cancelled: number;
  /** `write` calls made. */
  batches: number;
  /** How this target was ordered: `global`, `row key` (a store's own key) or the order key's path. */
  order: string;
  /** Parallel lanes used (1 with global order). */
  lanes: number;
  /** Events that had no value for the order key (all ordered together in one lane). */
  orderKeyMissing: number;
  check?: { ok: boolean; details: string[] };
  failures: FailureSample[];
  plan: PlanSample[];
  /** Final failures counted by code, all of them (the `failures` samples stay bounded). */
  failuresByCode?: Record<string, number>;
  /** Actions of a real run by verb (`upsert: 10, delete: 2, skip: 1`), as `plannedActions` for dry runs. */
  actions?: Record<string, number>;
  /** `write` call latency in milliseconds, from the call to its result. */
  latencyMs?: LatencyPercentiles;
}

/** Latency percentiles of one target's `write` calls. */
export interface LatencyPercentiles {
  p50: number;
  p90: number;
  p99: number;
  max: number;
  /** How many calls were measured. */
  count: number;
}

/** A source or target as the run resolved it: plugin and options, secrets replaced by `***`. */
export interface ResolvedEndpointReport {
  name: string;
  plugin: string;
  options: Record<string, unknown>;
}

/**
 * The run report (schema version 1). Everything here is a counter or a bounded sample list,
 * so memory stays flat however many events a run reads.
 */
export interface RunReport {
  version: 1;
  tool: { name: "rehydrate"; version: string };
  dryRun: boolean;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  /**
   * `completed`; `failed` (some events failed or were cancelled); `stopped` (invalid input or a
   * fatal error); `interrupted` (Ctrl-C, SIGTERM, SIGHUP); `output-closed` (the reader of
   * `stdout:` went away, as with `| head`: a normal end, exit 0); `preflight-failed` (a check
   * before the first event failed, exit 2).
   */
  status: "completed" | "failed" | "stopped" | "interrupted" | "output-closed" | "preflight-failed";
  exitCode: number;
  /** The fatal error that stopped the run, if any. */
  error?: string;
  source: {
    name: string;
    plugin: string;
    read: number;
    invalid: number;
    invalidSamples: FailureSample[];
    /** The cursor of the last acknowledged batch: where a resume would start from. */
    lastAcknowledged?: unknown;
  };
  /**
   * `matched` passed the run's pattern (and time range); `unrouted` of those matched no
   * target's own pattern (routes), so no target received them.
   */
  filter: { patterns: number; matched: number; unmatched: number; prefiltered: number; unrouted: number };
  events: { firstId?: string; firstTime?: string; lastId?: string; lastTime?: string };
  throughput: { readPerSecond: number; matchedPerSecond: number };
  targets: TargetReport[];
  failedEventsFile?: string;
  /** The resolved configuration (secrets redacted), so a report says what ran. */
  config?: { source: ResolvedEndpointReport; targets: ResolvedEndpointReport[] };
  /** Set for runs with `--checkpoint`: saves made, and where a resumed run started (docs/resume.md). */
  checkpoint?: CheckpointReport;
  /** Set for one shard of a split run (`--shard i/N`, docs/shards.md). */
  shard?: ShardReport;
  /** Set on a report merged from shard reports by `rehydrate report merge`. */
  shards?: MergedShardsReport;
  /**
   * Set for runs whose routes came from a bus's or a template's rules (`--rules`): the rule
   * targets rehydrate did not replay (SQS, SNS, another bus, ...) and the rules it skipped.
   */
  routes?: RoutesReport;
}

/**
 * The `checkpoint` field. A resumed run's counters cover the whole logical run: the events
 * before the checkpoint are counted from it, each event once.
 */
export interface CheckpointReport {
  /** Where the checkpoint is kept (credentials removed). */
  location: string;
  /** Checkpoints this run stored. */
  saves: number;
  /** Milliseconds the saves took, their durability barriers included. */
  savingMs: number;
  /** Set when this run resumed an interrupted one. */
  resumed?: {
    /** Where the read continued, in words (`events-02.ndjson:1201`, `Scan: 3 of 8 segments done`). */
    from: string;
    /** When the checkpoint resumed from was saved. */
    savedAt: string;
    /** When the logical run first started. */
    firstStartedAt: string;
    /** Runs of the logical run before this one. */
    previousAttempts: number;
    /**
     * Matched events the interrupted run had read beyond the checkpoint at its last save: they,
     * and what it read after that save, may have been delivered twice.
     */
    mayRepeat: number;
  };
  /** The stored checkpoint marks the logical run finished (its source read to the end). */
  done: boolean;
}

/** How a split run divides its events (docs/shards.md). */
export type ShardMode = "split" | "key-aligned" | "key-hash";

/** The `shard` field of one shard's report. */
export interface ShardReport {
  /** 1-based, as given to `--shard i/N`. */
  index: number;
  count: number;
  mode: ShardMode;
}

/** The `shards` field of a merged report. */
export interface MergedShardsReport {
  count: number;
  mode: ShardMode;
  /** 1-based indexes of the shards whose reports were merged. */
  merged: number[];
  /** 1-based indexes of the shards with no report yet. */
  missing: number[];
  /** Shards given more than once: the report that finished last was kept. */
  duplicates: number[];
}

/** A fresh target report. */
export function newTargetReport(name: string, plugin: string): TargetReport {
  return {
    name,
    plugin,
    selected: 0,
    sent: 0,
    skipped: 0,
    failed: 0,
    retried: 0,
    throttled: 0,
    planned: 0,
    plannedActions: {},
    cancelled: 0,
    batches: 0,
    order: "global",
    lanes: 1,
    orderKeyMissing: 0,
    failures: [],
    plan: [],
  };
}

/** Appends to a bounded sample list. */
export function pushSample<T>(list: T[], sample: T): void {
  if (list.length < SAMPLE_LIMIT) list.push(sample);
}

/** What `--rules` left out of a run (see docs/routes.md). */
export interface RoutesReport {
  /** `bus:<name>` or the template's path. */
  from: string;
  notReplayed: Array<{ rule: string; targetId: string; arn: string; reason: string }>;
  skippedRules: Array<{ rule: string; reason: string }>;
}
