import type { JsonValue, SourceBatch } from "../sdk/index.ts";
import type { FrontierCounters } from "./checkpoint/frontier-counters.ts";
import type { BatchTicket } from "./run-item.ts";

/** Told, in read order, each time a batch is fully settled: the checkpoint frontier moves. */
export type FrontierListener = (cursor: JsonValue) => void;

/**
 * Acknowledges source batches strictly in read order, each once all its events are settled:
 * the acknowledged frontier never passes an unsettled event, so a checkpoint taken from it
 * may repeat events on resume but never skips one.
 *
 * Memory: one small ticket per batch between the oldest unsettled batch and the reader, which
 * the lanes' bounded queues keep to a few batches.
 */
export class AckTracker {
  private readonly tickets: BatchTicket[] = [];
  private chain: Promise<void> = Promise.resolve();
  private failure: unknown;
  /** A partial batch was passed: nothing after it may be acknowledged as a resume position. */
  private frontierFrozen = false;

  constructor(
    private readonly ack: ((batch: SourceBatch) => Promise<void>) | undefined,
    private readonly onFrontier?: FrontierListener,
    /** A checkpointed run's counters: each batch gets its counts, added once it is acknowledged. */
    private readonly counters?: FrontierCounters,
  ) {}

  /** Registers a batch in read order. */
  open(batch: SourceBatch): BatchTicket {
    const ticket: BatchTicket = {
      batch: this.ack !== undefined ? batch : undefined,
      ...(this.onFrontier !== undefined && batch.cursor !== undefined && { cursor: batch.cursor }),
      pending: 0,
      sealed: false,
      partial: false,
      ...(this.counters && { counts: this.counters.newBatch() }),
    };
    this.tickets.push(ticket);
    return ticket;
  }

  /** Marks a batch as fully dispatched. */
  seal(ticket: BatchTicket): void {
    ticket.sealed = true;
    this.advance();
  }

  /** Called when one event of the ticket's batch is settled by every target. */
  settle(ticket: BatchTicket): void {
    ticket.pending--;
    if (ticket.pending === 0) this.advance();
  }

  /** Waits for every ack issued so far; rethrows an ack failure. */
  async drain(): Promise<void> {
    await this.chain;
    if (this.failure) throw this.failure;
  }

  private advance(): void {
    while (this.tickets.length > 0) {
      const head = this.tickets[0]!;
      if (!head.sealed || head.pending > 0) return;
      this.tickets.shift();
      if (head.counts) this.counters?.add(head.counts);
      if (head.partial) this.frontierFrozen = true;
      if (!this.frontierFrozen && head.cursor !== undefined) this.onFrontier?.(head.cursor);
      const batch = head.batch;
      if (this.ack && batch && !head.partial) {
        const ack = this.ack;
        this.chain = this.chain
          .then(() => ack(batch))
          .catch((error) => {
            this.failure ??= error;
          });
      }
    }
  }
}
