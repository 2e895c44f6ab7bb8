/**
 * When the file source reads with worker threads, and how many. Workers pay off only when they
 * can skip most of the work of the main thread: they prefilter on raw bytes and, with the run's
 * pattern, parse and match there, sending back only the lines that may match. Without the
 * pattern they gain ~5% on 2 cores (the main thread's parse is starved by them), on small files
 * starting them costs more than they save, and on a busy machine (no idle core) they lose, so
 * the default turns them on only where they can pay (docs/performance.md).
 */
import { stat } from "node:fs/promises";
import { loadavg } from "node:os";

/** Smallest file the default reads with workers: below this, starting them is not worth it. */
export const AUTO_WORKERS_MIN_BYTES = 64 * 1024 * 1024;

/** Most workers the default starts: more only compete for the same cores and memory. */
export const AUTO_WORKERS_MAX = 4;

/**
 * Idle cores (cores minus the 1-minute load average) the default needs before it starts
 * workers. They cost ~1.5x the CPU of one thread in total, so they only win when a second core
 * is really free: measured at load average 7-16 on 2 cores, workers ran at 0.67-0.81x of one
 * thread.
 */
export const AUTO_WORKERS_MIN_IDLE_CORES = 1.5;

/** What the choice depends on, for one input. */
export interface WorkerChoiceInput {
  /** The `workers` option: a number forces it (0: never), `undefined` lets the source choose. */
  configured: number | undefined;
  format: "ndjson" | "array";
  /** Plain file path (not stdin), and whether it is gzipped. */
  path: string | undefined;
  gzipped: boolean;
  /** The prefilter's literal sets: without them workers cannot rule anything out. */
  literals: ReadonlyArray<readonly string[]> | undefined;
  /** The run's pattern, when the workers may match (records pass through unmapped). */
  pattern: unknown;
  /** Cores available. @default navigator.hardwareConcurrency */
  cores?: number;
  /** The 1-minute load average. @default os.loadavg()[0] */
  load?: number;
}

/** The number of workers to read this input with; 0 means on this thread. */
export async function chooseWorkers(input: WorkerChoiceInput): Promise<number> {
  const configured = input.configured;
  if (configured === 0) return 0;
  // Workers read byte ranges of a plain NDJSON file; gzip and stdin cannot be cut.
  if (input.format !== "ndjson" || input.path === undefined || input.gzipped) return 0;
  if (input.literals === undefined) return 0;
  if (configured !== undefined) return configured;
  const cores = input.cores ?? navigator.hardwareConcurrency;
  if (cores < 2 || input.pattern === undefined) return 0;
  if (cores - (input.load ?? loadavg()[0]!) < AUTO_WORKERS_MIN_IDLE_CORES) return 0;
  const size = (await stat(input.path)).size;
  if (size < AUTO_WORKERS_MIN_BYTES) return 0;
  return Math.min(cores, AUTO_WORKERS_MAX);
}
