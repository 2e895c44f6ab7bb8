/** Resident memory above which a full collection is forced: well under the 200 MB goal. */
export const RSS_CEILING_BYTES = 160 * 1024 * 1024;

/**
 * A run's ceiling: what the process holds when its first batch is through (modules, clients,
 * buffers, connections) plus this much for the run's own working memory, and at least
 * {@link RUN_CEILING_FLOOR_BYTES}. Measured on 300k and 3M events (file → `file:`/null targets):
 * the fixed 160 MB ceiling let 3M-event runs plateau 18-39% above what 300k-event runs peaked
 * at (those end before reaching it); a ceiling about their peak keeps the two within ~10-20%
 * at no measurable CPU cost, and a high start (the AWS SDK, a database's cache) raises it
 * rather than making the run collect in vain.
 */
export const RUN_CEILING_HEADROOM_BYTES = 48 * 1024 * 1024;
export const RUN_CEILING_FLOOR_BYTES = 112 * 1024 * 1024;

/** Collections may take at most about 1/SPACING of the run's time. */
const SPACING = 10;

/**
 * A soft memory ceiling. JavaScriptCore collects lazily: a run that parses a million records
 * a second can pile up hundreds of MB of garbage (parsed objects, decoded text) before the
 * collector catches up, although almost none of it is live. Calling {@link check} at natural
 * pauses (after a batch) forces a full collection when resident memory is past the ceiling.
 *
 * It adapts so it can never dominate a run: the next collection waits until the process has
 * used at least 10 times the CPU time the last one took (without that, a run writing to
 * SQLite, whose page cache keeps RSS over the ceiling, spent 89% of its time collecting), and
 * when what survives a collection is
 * itself near the ceiling (the memory is live), the ceiling is raised above it instead of
 * collecting in vain.
 */
export class MemoryCeiling {
  private lastCheck = Number.NEGATIVE_INFINITY;
  /** Process CPU time (µs) before which no collection is forced again. */
  private nextCollectionCpu = 0;

  /**
   * @param ceilingBytes a fixed ceiling; by default the run's (see {@link RUN_CEILING_HEADROOM_BYTES}),
   *   set at the first check.
   */
  constructor(
    private ceilingBytes?: number,
    private readonly minIntervalMs = 100,
  ) {}

  /** The ceiling in bytes, once set (tests). */
  get ceiling(): number | undefined {
    return this.ceilingBytes;
  }

  check(): void {
    if (this.ceilingBytes === undefined) {
      this.ceilingBytes = Math.max(
        RUN_CEILING_FLOOR_BYTES,
        process.memoryUsage.rss() + RUN_CEILING_HEADROOM_BYTES,
      );
    }
    const now = performance.now();
    if (now - this.lastCheck < this.minIntervalMs) return;
    this.lastCheck = now;
    if (process.memoryUsage.rss() <= this.ceilingBytes) return;
    // Spaced in the process's CPU time, not wall time: on a busy machine a collection's wall time
    // stretches while this process waits for a core, and spacing by it let RSS grow by 50-90%
    // between 300k and 3M events (measured at load average 16).
    const cpuBefore = cpuMicros();
    if (cpuBefore < this.nextCollectionCpu) return;
    Bun.gc(true);
    const cpuAfter = cpuMicros();
    this.nextCollectionCpu = cpuAfter + (cpuAfter - cpuBefore) * SPACING;
    this.lastCheck = performance.now();
    // RSS lags a collection (freed pages go back to the OS later), so judge by the live heap.
    const live = process.memoryUsage().heapUsed;
    if (live > this.ceilingBytes / 2) this.ceilingBytes = Math.max(this.ceilingBytes, live * 2);
  }
}

function cpuMicros(): number {
  const usage = process.cpuUsage();
  return usage.user + usage.system;
}
