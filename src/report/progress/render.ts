/**
 * The text of one progress update, as a pure function of the counters, so both modes and every
 * width are tested without a timer or a terminal.
 *
 * @module
 */
import { compact, duration, full } from "./format.ts";

/** The numbers one update shows. */
export interface ProgressSnapshot {
  read: number;
  matched: number;
  sent: number;
  failed: number;
  /** Records the source will yield in all, when it can tell. */
  total?: number;
  /** `total` is an estimate: shown with `~`, and never past 99% until the end. */
  estimated?: boolean;
  /** Events per second over the last few seconds. */
  rate: number;
  elapsedSeconds: number;
}

const SPINNER = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/**
 * The live line for a terminal of `columns` columns: never longer than `columns - 1` (a line
 * that fills the last column wraps on some terminals and leaves a stale line behind). Less
 * important parts go first when the line is too long: elapsed time, then the counters' words,
 * then the bar narrows.
 */
export function renderBar(s: ProgressSnapshot, columns: number, frame: number, unicode = true): string {
  const max = Math.max(10, columns - 1);
  const known = s.total !== undefined && s.total > 0;
  const fraction = known ? progressFraction(s) : 0;
  const about = s.estimated ? "~" : "";
  const eta =
    known && s.rate > 0 && s.read < s.total!
      ? `${about}${duration((s.total! - s.read) / s.rate)}`
      : undefined;
  const counts = [`matched ${compact(s.matched)}`, `sent ${compact(s.sent)}`, `failed ${compact(s.failed)}`];
  const shortCounts = [`m ${compact(s.matched)}`, `s ${compact(s.sent)}`, `f ${compact(s.failed)}`];
  const rate = `${compact(s.rate)}/s`;
  const head = known
    ? `${about}${Math.floor(fraction * 100)}% ${compact(s.read)}/${about}${compact(s.total!)}`
    : `${unicode ? SPINNER[frame % SPINNER.length] : "-\\|/"[frame % 4]} read ${compact(s.read)}`;
  const tails = [
    [rate, eta ? `ETA ${eta}` : `${duration(s.elapsedSeconds)}`, ...counts],
    [rate, eta ? `ETA ${eta}` : undefined, ...counts],
    [rate, eta ? `ETA ${eta}` : undefined, ...shortCounts],
    [rate, ...shortCounts],
    // Failures are the count a narrow terminal must still show.
    [rate, `failed ${compact(s.failed)}`],
    [rate],
    [],
  ].map((parts) => parts.filter((p): p is string => p !== undefined).join(" · "));
  for (const tail of tails) {
    const text = tail ? `${head} · ${tail}` : head;
    if (!known) {
      if (text.length <= max) return text;
      continue;
    }
    // A bar of at least 10 cells, else no bar.
    const room = max - text.length - 3;
    if (room >= 10) {
      const cells = Math.min(30, room);
      const filled = Math.round(fraction * cells);
      const [on, off] = unicode ? ["█", "░"] : ["#", "-"];
      return `[${on.repeat(filled)}${off.repeat(cells - filled)}] ${text}`;
    }
    if (text.length <= max) return text;
  }
  return head.slice(0, max);
}

/** Read ÷ total, held under 100% while an estimate has been passed (the run is not over). */
function progressFraction(s: ProgressSnapshot): number {
  const fraction = s.read / s.total!;
  return s.estimated ? Math.min(0.99, fraction) : Math.min(1, fraction);
}

/** The line written every interval in plain mode (logs and CI): full numbers, no escapes. */
export function renderPlain(s: ProgressSnapshot): string {
  const about = s.estimated ? "~" : "";
  const parts = [
    `read ${full(s.read)}${s.total ? ` of ${about}${full(s.total)} (${about}${Math.floor(progressFraction(s) * 100)}%)` : ""}`,
    `matched ${full(s.matched)}`,
    `sent ${full(s.sent)}`,
    `failed ${full(s.failed)}`,
    `${full(s.rate)} events/s`,
    `elapsed ${duration(s.elapsedSeconds)}`,
  ];
  if (s.total && s.rate > 0 && s.read < s.total)
    parts.push(`ETA ${about}${duration((s.total - s.read) / s.rate)}`);
  return `progress: ${parts.join(" · ")}`;
}
