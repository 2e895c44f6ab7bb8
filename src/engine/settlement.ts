import type { AckTracker } from "./ack-tracker.ts";
import type { FailedEventsWriter } from "./failed-events-writer.ts";
import type { ItemOutcome, RunItem } from "./run-item.ts";

/**
 * Where an event's life ends: once every target it was routed to has settled it, a failed or
 * cancelled event is written (once, unchanged) to the failed-events file, and its source batch
 * moves towards acknowledgement.
 */
export class Settlement {
  constructor(private readonly failedWriter: FailedEventsWriter | undefined) {}

  /** Target number `target` settled `item`. */
  settled(item: RunItem, outcome: ItemOutcome, acks: AckTracker, target?: number): void {
    const counts = item.ticket.counts?.targets[target ?? -1];
    if (counts && outcome !== "planned") counts[outcome]++;
    if (outcome === "failed" || outcome === "cancelled") item.failed = true;
    item.pendingTargets--;
    if (item.pendingTargets > 0) return;
    if (item.failed) this.failedWriter?.write(item.original ?? recordText(item.envelope.record));
    acks.settle(item.ticket);
  }

  /** An invalid record skipped with `--skip-invalid`: kept in the failed-events file as it was. */
  invalid(original: string | Uint8Array): void {
    this.failedWriter?.write(original);
  }

  close(): void {
    this.failedWriter?.close();
  }
}

function recordText(record: unknown): string {
  try {
    return JSON.stringify(record) ?? "null";
  } catch {
    return '"(record too deeply nested to serialise)"';
  }
}
