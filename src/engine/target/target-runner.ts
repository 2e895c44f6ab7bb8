import type { ItemRetryPolicy } from "../../config/run-plan.ts";
import { pushSample, type TargetReport } from "../../report/run-report.ts";
import type { BatchPolicy, Target } from "../../sdk/index.ts";
import type { ItemOutcome, RunItem } from "../run-item.ts";
import { type BatchLimits, takeBatch } from "./batcher.ts";
import { ItemQueue } from "./item-queue.ts";
import { type FailureInfo, writeWithRetry } from "./item-retry.ts";
import { LaneAssigner } from "./lanes.ts";
import { LatencyHistogram } from "./latency.ts";
import type { TargetOrdering } from "./ordering.ts";
import { planBatch } from "./plan-batch.ts";
import type { QueuedItem } from "./queued.ts";

export interface TargetRunnerOptions {
  /** The target's index in the run (one bit in {@link RunItem.settledBy}). */
  index: number;
  target: Target;
  counters: TargetReport;
  dryRun: boolean;
  ordering: TargetOrdering;
  retry: ItemRetryPolicy;
  /** Called once per item when this target is done with it. */
  settled(item: RunItem, outcome: ItemOutcome): void;
  /** The run must stop taking new work (interrupt, fatal error): lanes stop after their write. */
  stop: AbortSignal;
  /** The drain deadline passed: in-flight writes are told to give up. */
  deadline: AbortSignal;
  /** The target is broken (its `write` threw) or its output closed; the run decides what follows. */
  onBroken(error: Error): void;
}

/** Distinct failure codes counted per target; a code beyond these is only in the samples. */
const MAX_FAILURE_CODES = 50;

/**
 * Feeds one target: queues events on lanes by the target's ordering, re-batches them to the
 * target's policy, writes each batch with its retries, and settles every item exactly once.
 *
 * Order: each lane writes one batch at a time and settles it (retries included) before the next,
 * so within a lane no event overtakes an earlier one; a key stays on one lane while it has
 * unsettled events (see lanes.ts).
 */
export class TargetRunner {
  private readonly queues: ItemQueue<QueuedItem>[];
  private readonly assigner: LaneAssigner;
  private readonly done: Promise<void>[] = [];
  private readonly limits: BatchLimits;
  private readonly lingerMs: number;
  private readonly bit: number;
  /** Items inside a `write` right now, so a drain deadline can cancel them. */
  private readonly inFlight = new Set<QueuedItem>();
  private writesInFlight = 0;
  private paused: { resume: Promise<void>; release: () => void } | undefined;
  private idleWaiters: Array<() => void> = [];
  private halted = false;
  private readonly latency = new LatencyHistogram();

  constructor(private readonly options: TargetRunnerOptions) {
    const p: BatchPolicy = options.target.policy;
    this.limits = {
      maxItems: Math.max(1, Math.floor(p.maxItems)),
      maxBytes: p.maxBytes ?? Number.POSITIVE_INFINITY,
      sameKeyInBatch: options.target.sameKey === "collapse" || options.target.sameKey === "sequential",
    };
    this.lingerMs = p.lingerMs ?? 50;
    this.assigner = new LaneAssigner(options.ordering.lanes);
    this.queues = Array.from({ length: options.ordering.lanes }, () => new ItemQueue<QueuedItem>());
    this.bit = 1 << options.index;
    options.counters.order = options.ordering.describe;
    options.counters.lanes = options.ordering.lanes;
  }

  /**
   * Most events queued per lane before the reader waits: two batches' worth (one being written
   * while the next fills), at least 64. Queued events hold their parsed records, so this bound
   * is what keeps memory flat; more queue does not make a slow target faster.
   */
  get queueLimit(): number {
    return Math.max(this.limits.maxItems * 2, 64);
  }

  /** Starts the lane loops. */
  start(): void {
    for (const queue of this.queues) this.done.push(this.runLane(queue));
  }

  /** Queues an item on its lane (its route selected it for this target). */
  push(item: RunItem): void {
    this.options.counters.selected++;
    const key = this.options.ordering.keyOf(item.envelope);
    if (key === undefined) this.options.counters.orderKeyMissing++;
    const entry: QueuedItem = { item, key: key ?? "" };
    const lane = this.assigner.assign(entry.key);
    if (this.halted) this.settle(entry, "cancelled");
    else this.queues[lane]!.push(entry);
  }

  /** Resolves when every lane has room (the reader's backpressure), or when the run stops. */
  async waitForRoom(): Promise<void> {
    for (const queue of this.queues) await queue.waitForRoom(this.queueLimit, this.options.stop);
  }

  /** No more events: lanes write what is queued (unless stopping), then end. */
  async finish(): Promise<void> {
    for (const queue of this.queues) queue.close();
    await Promise.all(this.done);
    this.summarize();
  }

  /** Writes the latency percentiles into the report (also after a drain deadline). */
  summarize(): void {
    const latency = this.latency.summary();
    if (latency) this.options.counters.latencyMs = latency;
  }

  /**
   * This target is done for (its output closed): its lanes stop after their current write and
   * what is queued, or pushed from now on, is cancelled. Other targets go on.
   */
  halt(): void {
    this.halted = true;
    this.cancelQueued();
  }

  /**
   * Runs the target's `flush` unless a write is still in flight (after a drain deadline) or its
   * output is gone (nothing more can reach it).
   */
  async flushIfIdle(): Promise<void> {
    if (this.writesInFlight === 0 && !this.halted) await this.options.target.flush?.();
  }

  /** Settles everything still queued as cancelled (after a stop). */
  cancelQueued(): void {
    for (const queue of this.queues) for (const entry of queue.takeAll()) this.settle(entry, "cancelled");
  }

  /** Settles what is inside a `write` as cancelled: the drain deadline passed before it answered. */
  cancelInFlight(): void {
    for (const entry of [...this.inFlight]) this.settle(entry, "cancelled");
  }

  /**
   * A durability barrier: lanes take no new batch, in-flight writes finish, then the target's
   * `flush` runs (never while one of its writes is in flight), then lanes go on.
   */
  async barrier(): Promise<void> {
    if (this.options.dryRun) return;
    let release!: () => void;
    const resume = new Promise<void>((resolve) => {
      release = resolve;
    });
    this.paused = { resume, release };
    try {
      if (this.writesInFlight > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
      await this.options.target.flush?.();
    } finally {
      this.paused = undefined;
      release();
    }
  }

  private async runLane(queue: ItemQueue<QueuedItem>): Promise<void> {
    const { stop } = this.options;
    try {
      while (!stop.aborted && !this.halted) {
        await queue.waitForItems(1);
        if (queue.length === 0) return; // closed and drained
        if (queue.length < this.limits.maxItems && !queue.isClosed)
          await queue.waitForItems(this.limits.maxItems, this.lingerMs);
        if (this.paused) await this.paused.resume;
        if (stop.aborted || this.halted) return;
        const batch = takeBatch(queue, this.limits);
        if (batch.length === 0) continue;
        if (this.options.dryRun) await this.plan(batch);
        else await this.write(batch);
      }
    } catch (error) {
      this.options.onBroken(error as Error);
    }
  }

  private async write(batch: QueuedItem[]): Promise<void> {
    for (const entry of batch) this.inFlight.add(entry);
    this.writesInFlight++;
    try {
      await writeWithRetry(batch, {
        target: this.options.target,
        retry: this.options.retry,
        stop: this.options.stop,
        deadline: this.options.deadline,
        counters: this.options.counters,
        latency: this.latency,
        settle: (entry, outcome, failure) => this.settle(entry, outcome, failure),
      });
    } finally {
      this.writesInFlight--;
      for (const entry of batch) this.inFlight.delete(entry);
      if (this.writesInFlight === 0) for (const wake of this.idleWaiters.splice(0)) wake();
    }
  }

  private async plan(batch: QueuedItem[]): Promise<void> {
    try {
      await planBatch(this.options.target, batch, this.options.counters);
    } catch (error) {
      for (const entry of batch)
        this.settle(entry, "failed", { code: "PlanError", message: String(error), attempts: 1 });
      throw error;
    }
    for (const entry of batch) this.settle(entry, "planned");
  }

  /** Settles one item for this target, once: a late answer after a cancel is ignored. */
  private settle(entry: QueuedItem, outcome: ItemOutcome, failure?: FailureInfo): void {
    const item = entry.item;
    if (item.settledBy & this.bit) return;
    item.settledBy |= this.bit;
    this.inFlight.delete(entry);
    this.assigner.release(entry.key);
    const counters = this.options.counters;
    counters[outcome]++;
    if (failure) {
      counters.failuresByCode ??= {};
      const byCode = counters.failuresByCode;
      // Bounded like the samples: a run cannot grow the report with distinct codes.
      if (byCode[failure.code] !== undefined || Object.keys(byCode).length < MAX_FAILURE_CODES)
        byCode[failure.code] = (byCode[failure.code] ?? 0) + 1;
      pushSample(counters.failures, {
        position: item.envelope.position,
        id: item.envelope.event.id,
        code: failure.code,
        message: failure.message,
        attempts: failure.attempts,
      });
    }
    this.options.settled(item, outcome);
  }
}
