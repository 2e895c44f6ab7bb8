/**
 * An estimate of how many records a run's file source will read, so the progress bar can show
 * a percent and an ETA. Sources do not report totals (the SDK has no such call yet), but for
 * plain NDJSON files the size gives a good one: total bytes ÷ the average line length of the
 * first 64 KiB. Cheap (one small read per run), never exact, shown with `~`.
 *
 * @module
 */
import { closeSync, openSync, readSync, statSync } from "node:fs";
import { isAbsolute, join } from "node:path";

/** The bytes sampled for the average line length. */
const SAMPLE_BYTES = 64 * 1024;

/** Files named by `paths` (files or globs, relative to `baseDir`), or undefined if any is not a plain NDJSON file. */
function inputFiles(paths: string[], baseDir: string): string[] | undefined {
  const files: string[] = [];
  for (const entry of paths) {
    if (entry === "-") return undefined;
    if (/[*?[{]/.test(entry)) {
      const glob = new Bun.Glob(entry);
      const cwd = isAbsolute(entry) ? "/" : baseDir;
      for (const match of glob.scanSync({ cwd, absolute: true, onlyFiles: true })) files.push(match);
    } else files.push(isAbsolute(entry) ? entry : join(baseDir, entry));
  }
  // Gzipped files and JSON arrays have no bytes-per-line relation worth trusting.
  if (files.length === 0 || files.some((f) => !/\.(ndjson|jsonl)$/i.test(f))) return undefined;
  return files;
}

/**
 * The estimated record count of a `file` source's config, or undefined when it cannot be
 * estimated (stdin, gzip, JSON arrays, unreadable files, an export folder).
 */
export function estimateFileRecords(config: Record<string, unknown>, baseDir: string): number | undefined {
  const paths = config.paths;
  if (!Array.isArray(paths) || !paths.every((p) => typeof p === "string")) return undefined;
  try {
    const files = inputFiles(paths as string[], baseDir);
    if (!files) return undefined;
    const total = files.reduce((sum, file) => sum + statSync(file).size, 0);
    const sample = Buffer.alloc(Math.min(SAMPLE_BYTES, statSync(files[0]!).size));
    const fd = openSync(files[0]!, "r");
    let read: number;
    try {
      read = readSync(fd, sample, 0, sample.length, 0);
    } finally {
      closeSync(fd);
    }
    let lines = 0;
    for (let i = 0; i < read; i++) if (sample[i] === 10) lines++;
    if (lines === 0) return undefined;
    return Math.max(1, Math.round(total / (read / lines)));
  } catch {
    return undefined;
  }
}
