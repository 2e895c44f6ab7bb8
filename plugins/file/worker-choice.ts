/**
 * When the file source reads with workers, and how many. The reading thread reads ranges too
 * whenever it would otherwise wait (parallel-ndjson.ts), so `n` workers and it make `n + 1`
 * readers. Workers pay off only where they take more work off that thread than they cost:
 *
 * - in a match-all pass-through run (nothing reads events), they parse and check every line and
 *   send the texts back verified, so the engine never parses them: measured on 2 cores with
 *   both free, 1.25× one thread with 1 worker (1.29× with 2);
 * - with the run's pattern, they prefilter, parse and match their ranges and send back only
 *   the lines that may match. One thread already keeps ~1.35 cores busy (its collector, JIT
 *   and read threads), and each worker process brings its own start-up, JIT, collector and IPC:
 *   measured on 2 cores with both free, 0.93–0.97× one thread (3.0 s of CPU against 2.0 s per
 *   1M events). The default therefore needs 3 cores and 2 idle ones for them, where
 *   `(2.0 s + ~1 s) ÷ 3` cores beats one thread's ~1.5 s: an extrapolation from those CPU
 *   costs, not measured here;
 * - with a prefilter but no pattern they would only split lines: never by default.
 *
 * On small files starting them costs more than they save, and without idle cores they only
 * add their overhead, so the default turns them on only where they can pay (docs/performance.md).
 */
import { stat } from "node:fs/promises";
import { loadavg } from "node:os";

/** Smallest file the default reads with workers: below this, starting them is not worth it. */
export const AUTO_WORKERS_MIN_BYTES = 64 * 1024 * 1024;

/** Most workers the default starts: more only compete for the same cores and memory. */
export const AUTO_WORKERS_MAX = 3;

/**
 * Idle cores (cores minus the 1-minute load average) the default needs before it starts
 * workers for a match-all run: they cost CPU of their own, which only a free core repays.
 */
export const AUTO_WORKERS_MIN_IDLE_CORES = 1;

/** Cores, and idle cores, the default needs before it starts workers to match a pattern. */
export const AUTO_MATCHING_MIN_CORES = 3;
export const AUTO_MATCHING_MIN_IDLE_CORES = 2;

/** What the choice depends on, for one input. */
export interface WorkerChoiceInput {
  /** The `workers` option: a number forces it (0: never), `undefined` lets the source choose. */
  configured: number | undefined;
  format: "ndjson" | "array";
  /** Plain file path (not stdin), and whether it is gzipped. */
  path: string | undefined;
  gzipped: boolean;
  /** The prefilter's literal sets: with them workers can rule lines out. */
  literals: ReadonlyArray<readonly string[]> | undefined;
  /** The run's pattern, when the workers may match (records pass through unmapped). */
  pattern: unknown;
  /** A match-all pass-through run: the workers may parse and check every record. */
  matchAll?: boolean;
  /** Cores available. @default navigator.hardwareConcurrency */
  cores?: number;
  /** The 1-minute load average. @default os.loadavg()[0] */
  load?: number;
}

/** The number of workers to read this input with; 0 means on this thread alone. */
export async function chooseWorkers(input: WorkerChoiceInput): Promise<number> {
  const configured = input.configured;
  if (configured === 0) return 0;
  // Workers read byte ranges of a plain NDJSON file; gzip and stdin cannot be cut.
  if (input.format !== "ndjson" || input.path === undefined || input.gzipped) return 0;
  // Without literal sets or a match-all run there is nothing they can do for this thread.
  if (input.literals === undefined && input.matchAll !== true) return 0;
  if (configured !== undefined) return configured;
  const matching = input.literals !== undefined && input.pattern !== undefined;
  if (!matching && input.matchAll !== true) return 0;
  const cores = input.cores ?? navigator.hardwareConcurrency;
  const idle = cores - (input.load ?? loadavg()[0]!);
  if (input.matchAll === true) {
    if (cores < 2 || idle < AUTO_WORKERS_MIN_IDLE_CORES) return 0;
  } else if (cores < AUTO_MATCHING_MIN_CORES || idle < AUTO_MATCHING_MIN_IDLE_CORES) return 0;
  const size = (await stat(input.path)).size;
  if (size < AUTO_WORKERS_MIN_BYTES) return 0;
  // This thread reads too: one worker per other core, no more than the idle cores.
  return Math.max(1, Math.min(cores - 1, Math.floor(idle), AUTO_WORKERS_MAX));
}
