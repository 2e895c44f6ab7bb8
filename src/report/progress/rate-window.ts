/**
 * The current rate: events per second over the last few seconds, not the average since the
 * start (which hides a stall or a speed-up for minutes). Keeps one sample per redraw, at most
 * `windowMs` of them, so memory is constant.
 */
export class RateWindow {
  private readonly samples: { at: number; count: number }[] = [];

  /** @param windowMs How far back the rate looks. @default 5000 */
  constructor(private readonly windowMs = 5_000) {}

  /** Records the running `count` at time `at` (ms) and returns the rate per second. */
  add(at: number, count: number): number {
    this.samples.push({ at, count });
    while (this.samples.length > 2 && at - this.samples[1]!.at >= this.windowMs) this.samples.shift();
    const first = this.samples[0]!;
    const elapsed = at - first.at;
    return elapsed > 0 ? ((count - first.count) * 1000) / elapsed : 0;
  }
}
