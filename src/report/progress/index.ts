/**
 * Run progress for people and CI: a bar on a terminal, a plain line every interval in logs,
 * nothing with `--progress off` or `--quiet`.
 *
 * @module
 */
export { type ProgressCounters, ProgressLine } from "./progress-line.ts";
export { type ProgressSnapshot, renderBar, renderPlain } from "./render.ts";
export {
  configureProgress,
  DEFAULT_PLAIN_INTERVAL_MS,
  isCi,
  PROGRESS_FLAG_VALUES,
  type ProgressMode,
  type ProgressSettings,
  progressSettings,
  resolveProgressMode,
} from "./settings.ts";
