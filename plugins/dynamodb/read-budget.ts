/**
 * A token bucket shared by all segments of a read, so a run can be told not to starve the
 * table's other readers. Tokens are read capacity units (from `ConsumedCapacity`, which every
 * request asks for) or items, refilled continuously at `ratePerSecond` with one second of burst.
 * A request is sent when the bucket is not in debt; what it consumed is charged afterwards (a
 * page's cost is only known after it is read), so the long-run rate holds even though one page
 * can overdraw the bucket.
 *
 * @module
 */

/** Waits for tokens and charges consumption. */
export class ReadBudget {
  private tokens: number;
  private last = performance.now();

  constructor(
    private readonly ratePerSecond: number,
    private readonly sleep: (ms: number) => Promise<void>,
    private readonly signal?: AbortSignal,
  ) {
    this.tokens = ratePerSecond;
  }

  /** Resolves when a request may be sent (the bucket is not in debt). */
  async acquire(): Promise<void> {
    while (!this.signal?.aborted) {
      this.refill();
      if (this.tokens > 0) return;
      await this.sleep(Math.ceil((-this.tokens / this.ratePerSecond) * 1000) + 1);
    }
  }

  /** Charges what a request consumed. */
  charge(amount: number): void {
    this.refill();
    this.tokens -= amount;
  }

  private refill(): void {
    const now = performance.now();
    this.tokens = Math.min(this.ratePerSecond, this.tokens + ((now - this.last) / 1000) * this.ratePerSecond);
    this.last = now;
  }
}
