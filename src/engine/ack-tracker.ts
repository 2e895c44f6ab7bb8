import type { SourceBatch } from "../sdk/index.ts";
import type { BatchTicket } from "./run-item.ts";

/**
 * Acknowledges source batches strictly in read order, each once all its events are settled:
 * the acknowledged frontier never passes an unsettled event, so a checkpoint taken from it
 * may repeat events on resume but never skips one.
 */
export class AckTracker {
  private readonly tickets: BatchTicket[] = [];
  private chain: Promise<void> = Promise.resolve();
  private failure: unknown;

  constructor(private readonly ack: ((batch: SourceBatch) => Promise<void>) | undefined) {}

  /** Registers a batch in read order. */
  open(batch: SourceBatch): BatchTicket {
    const ticket: BatchTicket = { batch: this.ack ? batch : undefined, pending: 0, sealed: false };
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
      if (this.ack && head.batch) {
        const ack = this.ack;
        const batch = head.batch;
        this.chain = this.chain
          .then(() => ack(batch))
          .catch((error) => {
            this.failure ??= error;
          });
      }
    }
  }
}
