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
  /** Events delivered (written, invoked, put). */
  sent: number;
  /** Events that finally failed (after retries). */
  failed: number;
  /** Item retries made (an item retried twice counts 2). */
  retried: number;
  /** Retries whose failure code was a throttle. */
  throttled: number;
  /** Events a dry run planned. */
  planned: number;
  /** Planned actions by verb (`upsert: 10, delete: 2`). */
  plannedActions: Record<string, number>;
  /** Events not sent because the run stopped first (interrupt, fatal error). */
  cancelled: number;
  /** `write` calls made. */
  batches: number;
  check?: { ok: boolean; details: string[] };
  failures: FailureSample[];
  plan: PlanSample[];
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
  /** `completed`, `failed` (some events failed), `stopped` (invalid input or fatal error), `interrupted`. */
  status: "completed" | "failed" | "stopped" | "interrupted";
  exitCode: number;
  /** The fatal error that stopped the run, if any. */
  error?: string;
  source: { name: string; plugin: string; read: number; invalid: number; invalidSamples: FailureSample[] };
  filter: { patterns: number; matched: number; unmatched: number; prefiltered: number };
  events: { firstId?: string; firstTime?: string; lastId?: string; lastTime?: string };
  throughput: { readPerSecond: number; matchedPerSecond: number };
  targets: TargetReport[];
  failedEventsFile?: string;
}

/** A fresh target report. */
export function newTargetReport(name: string, plugin: string): TargetReport {
  return {
    name,
    plugin,
    sent: 0,
    failed: 0,
    retried: 0,
    throttled: 0,
    planned: 0,
    plannedActions: {},
    cancelled: 0,
    batches: 0,
    failures: [],
    plan: [],
  };
}

/** Appends to a bounded sample list. */
export function pushSample<T>(list: T[], sample: T): void {
  if (list.length < SAMPLE_LIMIT) list.push(sample);
}
