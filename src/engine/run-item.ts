import type { Envelope, SourceBatch } from "../sdk/index.ts";

/**
 * A source batch in flight: acknowledged to the source once every matched event of it has
 * been settled by every target (delivered, failed or cancelled), in read order.
 */
export interface BatchTicket {
  /**
   * The batch, kept only when the source wants it back in `ack`. Otherwise dropped: every
   * queued event holds its ticket, and a ticket holding its batch would keep all of that
   * batch's parsed records alive (hundreds of MB with a few matches per batch).
   */
  readonly batch: SourceBatch | undefined;
  /** Events of this batch not yet settled by every target. */
  pending: number;
  /** No more events of this batch will be dispatched. */
  sealed: boolean;
}

/** One matched event shared by all targets of the run. */
export interface RunItem {
  readonly envelope: Envelope;
  readonly ticket: BatchTicket;
  /** Targets that have not settled this event yet. */
  pendingTargets: number;
  /** Whether any target finally failed (or cancelled) it: then it goes to the failed-events file. */
  failed: boolean;
}
