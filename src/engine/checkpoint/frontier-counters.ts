/**
 * Counters that follow the acknowledged frontier instead of the live run: each source batch
 * carries its own counts, and they join the totals only when the batch is acknowledged (every
 * event of it settled, in read order). A checkpoint stores these totals, so a resumed run that
 * re-reads the batches after the frontier counts each event once over the whole logical run.
 *
 * @module
 */
import type { Counters } from "./format.ts";

/** Outcomes a target can give one event, as far as the frontier counters care. */
export type CountedOutcome = "sent" | "failed" | "skipped" | "cancelled";

/** The counts of one source batch, filled while its events are read and settled. */
export interface BatchCounts {
  read: number;
  invalid: number;
  matched: number;
  unmatched: number;
  prefiltered: number;
  unrouted: number;
  /** Per target, in target order. */
  targets: Array<Record<CountedOutcome, number>>;
}

/**
 * Totals of every acknowledged batch up to the last cursor, on top of a stored base (a resumed
 * run's checkpoint). Acknowledged batches without a cursor of their own (a source that gives
 * cursors only at file ends) wait in `sinceCursor` until a later batch's cursor covers them:
 * the stored counters must count exactly the records before the stored cursor.
 */
export class FrontierCounters {
  private readonly totals: Counters;
  private sinceCursor: BatchCounts[] = [];
  /** Batches read but not acknowledged yet: their matched events are in flight. */
  private readonly outstanding = new Set<BatchCounts>();

  /** @param base the counters of the checkpoint resumed from, or zeroed ones. Copied. */
  constructor(base: Counters) {
    this.totals = structuredClone(base);
  }

  /** Fresh counts for a batch just read (the engine keeps them on the batch's ticket). */
  newBatch(): BatchCounts {
    const batch: BatchCounts = {
      read: 0,
      invalid: 0,
      matched: 0,
      unmatched: 0,
      prefiltered: 0,
      unrouted: 0,
      targets: this.totals.targets.map(() => ({ sent: 0, failed: 0, skipped: 0, cancelled: 0 })),
    };
    this.outstanding.add(batch);
    return batch;
  }

  /** An acknowledged batch: its counts join the totals at the next {@link commit}. */
  add(batch: BatchCounts): void {
    this.outstanding.delete(batch);
    this.sinceCursor.push(batch);
  }

  /** The frontier's cursor moved past every batch added so far: they now count. */
  commit(): void {
    for (const batch of this.sinceCursor) this.fold(batch);
    this.sinceCursor = [];
  }

  private fold(batch: BatchCounts): void {
    const t = this.totals;
    t.read += batch.read;
    t.invalid += batch.invalid;
    t.matched += batch.matched;
    t.unmatched += batch.unmatched;
    t.prefiltered += batch.prefiltered;
    t.unrouted += batch.unrouted;
    for (const [i, counts] of batch.targets.entries()) {
      const target = t.targets[i];
      if (!target) continue;
      target.sent += counts.sent;
      target.failed += counts.failed;
      target.skipped += counts.skipped;
      target.cancelled += counts.cancelled;
    }
  }

  /** Matched events read beyond the last cursor: what a resume may repeat. */
  inFlight(): number {
    let matched = 0;
    for (const batch of this.outstanding) matched += batch.matched;
    for (const batch of this.sinceCursor) matched += batch.matched;
    return matched;
  }

  /** A copy of the totals. */
  snapshot(): Counters {
    return structuredClone(this.totals);
  }
}
