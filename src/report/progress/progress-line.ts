import { RateWindow } from "./rate-window.ts";
import { renderBar, renderPlain } from "./render.ts";
import { type ProgressSettings, progressSettings } from "./settings.ts";

/** Counters the progress display shows (read live from the run's report). */
export interface ProgressCounters {
  read(): number;
  matched(): number;
  sent(): number;
  failed(): number;
  /** Records the source will yield in all, when it knows (file sizes, a table's item count). */
  total?(): number | undefined;
}

/** Redraws a second on a terminal: smooth enough, and costs nothing measurable on the hot path. */
const BAR_REDRAW_MS = 250;

/**
 * The run's progress on stderr: a bar rewritten in place on a terminal, or a plain line every
 * interval in logs and CI (see {@link ProgressSettings}). Same constructor, `start` and `stop`
 * as the engine's first progress line, so the engine does not know which it got.
 */
export class ProgressLine {
  private timer: ReturnType<typeof setInterval> | undefined;
  private readonly started: number;
  private readonly rates = new RateWindow();
  private frame = 0;
  private drawn = false;

  /**
   * @param settings How to show progress; by default what the CLI set with `configureProgress`.
   * @param now The clock in ms (tests pass a fake one).
   */
  constructor(
    private readonly stream: { write(text: string): unknown },
    private readonly counters: ProgressCounters,
    private readonly settings: ProgressSettings = progressSettings(),
    private readonly now: () => number = () => performance.now(),
  ) {
    this.started = now();
  }

  /** Starts redrawing (nothing in `off` mode). */
  start(): void {
    if (this.settings.mode === "off" || this.timer) return;
    const every = this.settings.mode === "bar" ? BAR_REDRAW_MS : this.settings.intervalMs;
    // The rate needs a first sample to compare with.
    this.rates.add(this.now(), this.counters.read());
    this.timer = setInterval(() => this.tick(), every);
    this.timer.unref?.();
  }

  /** Stops, and clears the bar so the summary starts on a clean line. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.drawn && this.settings.mode === "bar") this.stream.write("\r\u001b[2K");
    this.drawn = false;
  }

  /** The source's own total, else the CLI's estimate (flagged, shown with `~`). */
  private total(): { total?: number; estimated?: boolean } {
    const exact = this.counters.total?.();
    if (exact !== undefined) return { total: exact };
    const estimate = this.settings.estimatedTotal?.();
    return estimate === undefined ? {} : { total: estimate, estimated: true };
  }

  /** One update: a redraw of the bar, or one plain line. Public for tests with a fake clock. */
  tick(): void {
    const at = this.now();
    const read = this.counters.read();
    const snapshot = {
      read,
      matched: this.counters.matched(),
      sent: this.counters.sent(),
      failed: this.counters.failed(),
      ...this.total(),
      rate: this.rates.add(at, read),
      elapsedSeconds: (at - this.started) / 1000,
    };
    if (this.settings.mode === "plain") {
      this.stream.write(`${renderPlain(snapshot)}\n`);
      return;
    }
    const columns = this.settings.columns?.() ?? 80;
    const line = renderBar(snapshot, columns, this.frame++, this.settings.unicode ?? true);
    // \r then erase the whole line: a shorter line never leaves the end of a longer one behind.
    this.stream.write(`\r\u001b[2K${line}`);
    this.drawn = true;
  }
}
