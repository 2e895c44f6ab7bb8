import type { Envelope, JsonValue, SourceBatch } from "../sdk/index.ts";
import type { BatchCounts } from "./checkpoint/frontier-counters.ts";

/**
 * A source batch in flight: acknowledged to the source once every matched event of it has
 * been settled by every target (delivered, skipped, failed or cancelled), in read order.
 */
export interface BatchTicket {
  /**
   * The batch, kept only when the source wants it back in `ack` (API 1). Otherwise dropped: a
   * ticket lives until every earlier batch is settled, and a ticket holding its batch would keep
   * all of that batch's parsed records alive — with a selective pattern, hundreds of batches
   * behind one event in flight (seen: 1 GB for `--no-prefilter` over 1M events).
   */
  readonly batch: SourceBatch | undefined;
  /** The batch's resume cursor (small JSON), for the checkpoint frontier. */
  readonly cursor?: JsonValue;
  /** Events of this batch not yet settled by every target. */
  pending: number;
  /** No more events of this batch will be dispatched. */
  sealed: boolean;
  /**
   * The read stopped inside this batch (`--limit`): records after the stop were not read, so
   * its cursor must never be acknowledged (a resume would skip them).
   */
  partial: boolean;
  /** This batch's counts, for a checkpointed run's frontier counters (docs/resume.md). */
  counts?: BatchCounts;
}

/** How an item ended for one target. */
export type ItemOutcome = "sent" | "skipped" | "failed" | "planned" | "cancelled";

/** One matched event shared by the targets its route selected. */
export interface RunItem {
  readonly envelope: Envelope;
  readonly ticket: BatchTicket;
  /**
   * The record as read, for the failed-events file: its original text (or bytes) when the source
   * had them, so a failed event is written back unchanged and can be fed in again with the same
   * pipeline (envelope mapping included).
   */
  readonly original: string | Uint8Array | undefined;
  /** Targets that have not settled this event yet. */
  pendingTargets: number;
  /** Bit `i` set once target `i` settled it: a late answer after a cancel cannot settle it twice. */
  settledBy: number;
  /** Whether any target finally failed (or cancelled) it: then it goes to the failed-events file. */
  failed: boolean;
}
