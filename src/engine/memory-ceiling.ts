/** Resident memory above which a full collection is forced: well under the 200 MB goal. */
export const RSS_CEILING_BYTES = 160 * 1024 * 1024;

/** Collections may take at most about 1/SPACING of the run's time. */
const SPACING = 10;

/**
 * A soft memory ceiling. JavaScriptCore collects lazily: a run that parses a million records
 * a second can pile up hundreds of MB of garbage (parsed objects, decoded text) before the
 * collector catches up, although almost none of it is live. Calling {@link check} at natural
 * pauses (after a batch) forces a full collection when resident memory is past the ceiling.
 *
 * It adapts so it can never dominate a run: the next check waits at least 10 times as long as
 * the last collection took (without that, a run writing to SQLite, whose page cache keeps RSS
 * over the ceiling, spent 89% of its time collecting), and when what survives a collection is
 * itself near the ceiling (the memory is live), the ceiling is raised above it instead of
 * collecting in vain.
 */
export class MemoryCeiling {
  private lastCheck = Number.NEGATIVE_INFINITY;
  private intervalMs: number;

  constructor(
    private ceilingBytes = RSS_CEILING_BYTES,
    private readonly minIntervalMs = 100,
  ) {
    this.intervalMs = minIntervalMs;
  }

  check(): void {
    const now = performance.now();
    if (now - this.lastCheck < this.intervalMs) return;
    this.lastCheck = now;
    if (process.memoryUsage.rss() <= this.ceilingBytes) return;
    Bun.gc(true);
    const end = performance.now();
    this.lastCheck = end;
    this.intervalMs = Math.max(this.minIntervalMs, (end - now) * SPACING);
    // RSS lags a collection (freed pages go back to the OS later), so judge by the live heap.
    const live = process.memoryUsage().heapUsed;
    if (live > this.ceilingBytes / 2) this.ceilingBytes = Math.max(this.ceilingBytes, live * 2);
  }
}
