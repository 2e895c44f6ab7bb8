/** Counters the progress line shows. */
export interface ProgressCounters {
  read(): number;
  matched(): number;
  sent(): number;
  failed(): number;
}

/**
 * The live progress line on stderr (`\r`-rewritten), shown on a TTY or when asked. Updates at
 * most 4 times a second so it costs nothing measurable on the hot path.
 */
export class ProgressLine {
  private timer: ReturnType<typeof setInterval> | undefined;
  private readonly started = performance.now();
  private lastLength = 0;

  constructor(
    private readonly stream: { write(text: string): unknown },
    private readonly counters: ProgressCounters,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.render(), 250);
    this.timer.unref?.();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.lastLength > 0) this.stream.write("\r" + " ".repeat(this.lastLength) + "\r");
  }

  private render(): void {
    const seconds = (performance.now() - this.started) / 1000;
    const read = this.counters.read();
    const rate = seconds > 0 ? Math.round(read / seconds) : 0;
    const line = `read ${read.toLocaleString("en-US")} · matched ${this.counters.matched().toLocaleString("en-US")} · sent ${this.counters.sent().toLocaleString("en-US")} · failed ${this.counters.failed().toLocaleString("en-US")} · ${rate.toLocaleString("en-US")} events/s`;
    this.stream.write("\r" + line.padEnd(this.lastLength));
    this.lastLength = line.length;
  }
}
