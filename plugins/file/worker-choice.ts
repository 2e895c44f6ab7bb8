/**
 * When the file source reads with workers, and how many. The reading thread reads ranges too
 * whenever it would otherwise wait (parallel-ndjson.ts), so `n` workers and it make `n + 1`
 * readers. Workers pay off only where they take more work off that thread than they cost:
 *
 * - in a match-all pass-through run (nothing reads events), they check every line (the event
 *   validator, else `JSON.parse`) and send back where the verified texts are. With the validator
 *   one thread does this at ~1.2× the plain `JSON.parse` loop, and on 2 cores with both free
 *   1 worker gave 1.02× one thread (2 workers 0.93×) for 1.4× its CPU and ~130 MiB more memory;
 * - with the run's pattern, they prefilter, parse and match their ranges and send back only
 *   the lines that may match. One thread already keeps ~1.35 cores busy (its collector, JIT
 *   and read threads), and each worker process brings its own start-up, JIT, collector and IPC:
 *   measured on 2 cores with both free, 0.93–0.98× one thread (3.0 s of CPU against 2.0 s per
 *   1M events);
 * - with a prefilter but no pattern they would only split lines: never by default.
 *
 * So the default needs 3 cores and 2 idle ones for them, where `(2.0 s + ~1 s) ÷ 3` cores beats
 * one thread's ~1.5 s: an extrapolation from those CPU costs, not measured here (the machines
 * have 2 cores). On small files starting them costs more than they save, and without idle cores
 * they only add their overhead (docs/performance.md).
 */
import { stat } from "node:fs/promises";
import { loadavg } from "node:os";

/** Smallest file the default reads with workers: below this, starting them is not worth it. */
export const AUTO_WORKERS_MIN_BYTES = 64 * 1024 * 1024;

/** Most workers the default starts: more only compete for the same cores and memory. */
export const AUTO_WORKERS_MAX = 3;

/** Cores, and idle cores (cores minus the 1-minute load average), the default needs for workers. */
export const AUTO_WORKERS_MIN_CORES = 3;
export const AUTO_WORKERS_MIN_IDLE_CORES = 2;

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
  if (cores < AUTO_WORKERS_MIN_CORES || idle < AUTO_WORKERS_MIN_IDLE_CORES) return 0;
  const size = (await stat(input.path)).size;
  if (size < AUTO_WORKERS_MIN_BYTES) return 0;
  // This thread reads too: one worker per other core, no more than the idle cores.
  return Math.max(1, Math.min(cores - 1, Math.floor(idle), AUTO_WORKERS_MAX));
}
