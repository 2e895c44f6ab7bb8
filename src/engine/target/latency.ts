import type { LatencyPercentiles } from "../../report/run-report.ts";

/** Buckets grow by 5% each: percentiles are exact to within 5%, in a fixed 512 counters. */
const GROWTH = 1.05;
const BUCKETS = 512;
const LOG_GROWTH = Math.log(GROWTH);

/**
 * Latency percentiles of a target's `write` calls in constant memory: a histogram with buckets
 * 5% apart from 0.01 ms to about 10 days, so a run of any length keeps 512 numbers.
 */
export class LatencyHistogram {
  private readonly counts = new Float64Array(BUCKETS);
  private count = 0;
  private max = 0;

  record(ms: number): void {
    const value = Math.max(ms, 0.01);
    const bucket = Math.min(BUCKETS - 1, Math.max(0, Math.ceil(Math.log(value / 0.01) / LOG_GROWTH)));
    this.counts[bucket]!++;
    this.count++;
    if (ms > this.max) this.max = ms;
  }

  /** The percentiles so far, or undefined before the first call. */
  summary(): LatencyPercentiles | undefined {
    if (this.count === 0) return undefined;
    const at = (q: number) => {
      const rank = Math.ceil(q * this.count);
      let seen = 0;
      for (let b = 0; b < BUCKETS; b++) {
        seen += this.counts[b]!;
        if (seen >= rank) return round(Math.min(0.01 * GROWTH ** b, this.max));
      }
      return round(this.max);
    };
    return { p50: at(0.5), p90: at(0.9), p99: at(0.99), max: round(this.max), count: this.count };
  }
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
