import type { AckTracker } from "./ack-tracker.ts";
import type { MemoryCeiling } from "./memory-ceiling.ts";
import type { ReadBatch } from "./read/read-stage.ts";
import type { RunItem } from "./run-item.ts";
import type { TargetRunner } from "./target/target-runner.ts";

export interface DispatchOptions {
  /** The run is stopping: stop pulling batches. */
  stop: AbortSignal;
  memory: MemoryCeiling;
  /** Runs between source batches (the checkpointer's chance to store the frontier). */
  between?: () => Promise<void>;
}

/**
 * Hands each read batch's events to the targets their routes selected, then waits until every
 * target's lanes have room before pulling the next batch: this wait is the backpressure that
 * keeps a slow target from letting the reader run ahead (and memory grow).
 */
export async function dispatch(
  batches: AsyncIterable<ReadBatch>,
  runners: readonly TargetRunner[],
  acks: AckTracker,
  options: DispatchOptions,
): Promise<void> {
  for await (const { ticket, items } of batches) {
    for (const read of items) {
      let count = 0;
      for (let t = 0; t < runners.length; t++) if (read.targets & (1 << t)) count++;
      const item: RunItem = {
        envelope: read.envelope,
        ticket,
        original: read.original,
        pendingTargets: count,
        settledBy: 0,
        failed: false,
      };
      ticket.pending++;
      for (let t = 0; t < runners.length; t++) if (read.targets & (1 << t)) runners[t]!.push(item);
    }
    acks.seal(ticket);
    options.memory.check();
    for (const runner of runners) await runner.waitForRoom();
    if (options.stop.aborted) break;
    await options.between?.();
  }
}
