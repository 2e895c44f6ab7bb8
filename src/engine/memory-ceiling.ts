/** Resident memory above which a full collection is forced: well under the 200 MB goal. */
export const RSS_CEILING_BYTES = 160 * 1024 * 1024;

/**
 * A soft memory ceiling. JavaScriptCore collects lazily: a run that parses a million records
 * a second can pile up hundreds of MB of garbage (parsed objects, decoded text) before the
 * collector catches up, although almost none of it is live. Calling {@link check} at natural
 * pauses (after a batch) forces a full collection when resident memory is past the ceiling, at
 * most every `minIntervalMs`, which keeps peak RSS flat at little cost (a collection of mostly
 * garbage takes a few ms).
 */
export class MemoryCeiling {
  private lastCheck = 0;

  constructor(
    private readonly ceilingBytes = RSS_CEILING_BYTES,
    private readonly minIntervalMs = 100,
  ) {}

  check(): void {
    const now = performance.now();
    if (now - this.lastCheck < this.minIntervalMs) return;
    this.lastCheck = now;
    if (process.memoryUsage.rss() > this.ceilingBytes) Bun.gc(true);
  }
}
