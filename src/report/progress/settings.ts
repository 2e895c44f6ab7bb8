/**
 * How progress is shown, chosen once per run by the CLI. The engine only starts and stops a
 * {@link ProgressLine}; what it looks like (bar, plain lines, nothing) is the CLI's decision,
 * made from `--progress`, the terminal and the CI environment.
 *
 * @module
 */

/** `bar`: a live line rewritten in place (terminals); `plain`: a full line every interval (logs, CI). */
export type ProgressMode = "bar" | "plain" | "off";

/** What `--progress` accepts. */
export const PROGRESS_FLAG_VALUES = ["auto", "bar", "plain", "off"] as const;

/** Settings of the progress display. */
export interface ProgressSettings {
  mode: ProgressMode;
  /**
   * Milliseconds between two plain lines.
   * @default 15000
   */
  intervalMs: number;
  /** The terminal's width now (read at every redraw, so a resize is followed). @default 80 */
  columns?: () => number;
  /** Whether the bar may use Unicode block and spinner characters. @default true */
  unicode?: boolean;
  /**
   * Records the source will read in all, when the CLI can estimate it (the engine's counters
   * have no total until sources can report one). Shown with `~`.
   */
  estimatedTotal?: () => number | undefined;
}

/** Plain lines come every 15 s by default: often enough for CI "no output" timeouts (≥ 10 min). */
export const DEFAULT_PLAIN_INTERVAL_MS = 15_000;

let configured: ProgressSettings = { mode: "bar", intervalMs: DEFAULT_PLAIN_INTERVAL_MS };

/**
 * Sets how the next progress displays look. The engine builds its `ProgressLine` with only a
 * stream and counters, so the CLI hands the rest over here before the run (one run per process).
 */
export function configureProgress(settings: ProgressSettings): void {
  configured = settings;
}

/** The settings {@link configureProgress} last set. */
export function progressSettings(): ProgressSettings {
  return configured;
}

/** Whether the environment is a CI job (`CI` set to anything but `false`/`0`, or GitHub Actions). */
export function isCi(env: Record<string, string | undefined>): boolean {
  const ci = env.CI;
  return (ci !== undefined && ci !== "" && ci !== "false" && ci !== "0") || env.GITHUB_ACTIONS === "true";
}

/**
 * The mode for `--progress <flag>`: `auto` is a bar on a terminal outside CI, plain lines
 * otherwise (a 30-minute CI job is not silent); `--quiet` turns it off whatever the flag.
 * An older pipeline file's `progress: true|false` is honoured when the flag is absent.
 */
export function resolveProgressMode(options: {
  flag?: string;
  file?: boolean;
  quiet?: boolean;
  isTTY: boolean;
  env: Record<string, string | undefined>;
}): ProgressMode {
  if (options.quiet) return "off";
  const flag = options.flag ?? (options.file === false ? "off" : "auto");
  if (flag === "bar" || flag === "plain" || flag === "off") return flag;
  return options.isTTY && !isCi(options.env) ? "bar" : "plain";
}
