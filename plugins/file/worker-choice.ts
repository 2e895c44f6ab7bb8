/**
 * When the file source reads with workers, and how many. The reading thread reads ranges too
 * whenever it would otherwise wait (parallel-ndjson.ts), so `n` workers and it make `n + 1`
 * readers. Workers pay off only where they take work off that thread:
 *
 * - with the run's pattern (records passing through unmapped), they prefilter, parse and match
 *   their ranges and send back only the lines that may match;
 * - in a match-all pass-through run (no pattern, no time range), they parse and check every
 *   line and send the texts back verified, so the engine never parses them;
 * - with a prefilter but no pattern they would only split lines, which this thread does about
 *   as fast as it takes their answers in: the default does not use them.
 *
 * On small files starting them costs more than they save, and without an idle core they only
 * add their overhead (the reading thread then reads most ranges itself), so the default turns
 * them on only where they can pay (docs/performance.md).
 */
import { stat } from "node:fs/promises";
import { loadavg } from "node:os";

/** Smallest file the default reads with workers: below this, starting them is not worth it. */
export const AUTO_WORKERS_MIN_BYTES = 64 * 1024 * 1024;

/** Most workers the default starts: more only compete for the same cores and memory. */
export const AUTO_WORKERS_MAX = 3;

/**
 * Idle cores (cores minus the 1-minute load average) the default needs before it starts
 * workers: they cost some CPU of their own (start-up, answers crossing the IPC channel), which
 * only a free core repays.
 */
export const AUTO_WORKERS_MIN_IDLE_CORES = 1;

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
  const pays = (input.literals !== undefined && input.pattern !== undefined) || input.matchAll === true;
  if (!pays) return 0;
  const cores = input.cores ?? navigator.hardwareConcurrency;
  const idle = cores - (input.load ?? loadavg()[0]!);
  if (cores < 2 || idle < AUTO_WORKERS_MIN_IDLE_CORES) return 0;
  const size = (await stat(input.path)).size;
  if (size < AUTO_WORKERS_MIN_BYTES) return 0;
  // This thread reads too: one worker per other core, no more than the idle cores.
  return Math.max(1, Math.min(cores - 1, Math.floor(idle), AUTO_WORKERS_MAX));
}
