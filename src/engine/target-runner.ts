import { backoffDelay, sleep } from "../host/retry.ts";
import { pushSample, type TargetReport } from "../report/run-report.ts";
import type { BatchPolicy, Envelope, ItemFailure, Target } from "../sdk/index.ts";
import { ItemQueue } from "./item-queue.ts";
import type { RunItem } from "./run-item.ts";

/** Retry settings for item failures marked retryable. */
export interface ItemRetryPolicy {
  /** Most attempts per item, the first included. @default 8 */
  maxAttempts: number;
  /** First backoff delay in ms (doubles, full jitter). @default 200 */
  baseDelayMs: number;
  /** Largest backoff delay in ms. @default 20000 */
  maxDelayMs: number;
}

export const DEFAULT_ITEM_RETRY: ItemRetryPolicy = { maxAttempts: 8, baseDelayMs: 200, maxDelayMs: 20_000 };

/** How an item ended for one target. */
export type ItemOutcome = "sent" | "failed" | "planned" | "cancelled";

export interface TargetRunnerOptions {
  target: Target;
  report: TargetReport;
  dryRun: boolean;
  /** Number of parallel lanes: 1 without an ordering key. */
  lanes: number;
  retry: ItemRetryPolicy;
  /** Called once per item when this target is done with it. */
  settle(item: RunItem, outcome: ItemOutcome): void;
  /** Set when the run must stop taking new work (interrupt, fatal error). */
  stopSignal: AbortSignal;
  /** Called when the target throws: the whole target is broken, so the run stops. */
  onFatal(error: unknown): void;
}

const THROTTLE_CODE =
  /thrott|toomanyrequests|provisionedthroughput|requestlimit|slowdown|unprocesseditems|busy/i;

/**
 * Feeds one target: re-batches events to the target's own policy, runs lanes, retries
 * retryable item failures with backoff and jitter, and settles every item exactly once.
 *
 * Ordering: each lane writes one batch at a time and settles it (retries included) before the
 * next, so within a lane no event overtakes an earlier one. Without an ordering key there is
 * one lane; with one, a key is pinned to one lane while it has unsettled events (and goes to
 * the least-loaded lane otherwise), so per-key order holds while different keys run in parallel.
 */
export class TargetRunner {
  private readonly queues: ItemQueue<RunItem>[];
  private readonly done: Promise<void>[] = [];
  private readonly policy: Required<BatchPolicy>;
  private fatal: unknown;
  /** Which lane each key with unsettled events is pinned to; bounded by the queued events. */
  private readonly keyLanes = new Map<string, { lane: number; pending: number }>();
  /** Unsettled events per lane (queued or in flight). */
  private readonly laneLoad: number[];

  constructor(private readonly options: TargetRunnerOptions) {
    const p = options.target.policy;
    this.policy = {
      maxItems: Math.max(1, Math.floor(p.maxItems)),
      maxBytes: p.maxBytes ?? Number.POSITIVE_INFINITY,
      maxInFlight: Math.max(1, p.maxInFlight),
      lingerMs: p.lingerMs ?? 50,
    };
    const lanes = Math.max(1, Math.min(options.lanes, this.policy.maxInFlight));
    this.queues = Array.from({ length: lanes }, () => new ItemQueue<RunItem>());
    this.laneLoad = new Array<number>(lanes).fill(0);
  }

  /** The number of lanes actually used (`min(--concurrency, maxInFlight)`, 1 without a key). */
  get laneCount(): number {
    return this.queues.length;
  }

  /**
   * Most events queued per lane before the reader waits: two batches' worth (one being written
   * while the next fills), at least 64. Queued events hold their parsed records, so this bound
   * is what keeps memory flat; more queue does not make a slow target faster.
   */
  get queueLimit(): number {
    return Math.max(this.policy.maxItems * 2, 64);
  }

  /** Starts the lane loops. */
  start(): void {
    for (const queue of this.queues) this.done.push(this.runLane(queue));
  }

  /** Queues an item on its lane. */
  push(item: RunItem): void {
    if (this.queues.length === 1) {
      this.queues[0]!.push(item);
      return;
    }
    const key = item.envelope.orderKey ?? "";
    let pinned = this.keyLanes.get(key);
    if (!pinned) {
      pinned = { lane: this.leastLoadedLane(), pending: 0 };
      this.keyLanes.set(key, pinned);
    }
    pinned.pending++;
    this.laneLoad[pinned.lane]!++;
    this.queues[pinned.lane]!.push(item);
  }

  /**
   * The lane with the fewest unsettled events. A key goes there only when it has nothing
   * pending elsewhere, so per-key order holds while load stays even (a fixed hash of 16 lanes
   * left the busiest lane ~13% over the mean, and throughput follows the busiest lane).
   */
  private leastLoadedLane(): number {
    let best = 0;
    for (let i = 1; i < this.laneLoad.length; i++) if (this.laneLoad[i]! < this.laneLoad[best]!) best = i;
    return best;
  }

  /** Releases an item's hold on its key's lane. */
  private release(item: RunItem): void {
    if (this.queues.length === 1) return;
    const key = item.envelope.orderKey ?? "";
    const pinned = this.keyLanes.get(key);
    if (!pinned) return;
    this.laneLoad[pinned.lane]!--;
    if (--pinned.pending === 0) this.keyLanes.delete(key);
  }

  /**
   * Resolves when every lane has room for more events (the reader's backpressure), or when
   * `stop` fires: stopped lanes take nothing more, so their room would never come.
   */
  async waitForRoom(stop: AbortSignal): Promise<void> {
    for (const queue of this.queues) await queue.waitForRoom(this.queueLimit, stop);
  }

  /** Events queued and not yet taken by a lane. */
  get queued(): number {
    return this.queues.reduce((sum, q) => sum + q.length, 0);
  }

  /** No more events: lanes finish what is queued, then end. Rethrows a fatal target error. */
  async finish(): Promise<void> {
    for (const queue of this.queues) queue.close();
    await Promise.all(this.done);
    if (this.fatal) throw this.fatal;
  }

  /** Settles everything still queued as cancelled (after an interrupt or a fatal error). */
  cancelQueued(): void {
    for (const queue of this.queues) {
      for (const item of queue.takeAll()) this.settle(item, "cancelled");
    }
  }

  private async runLane(queue: ItemQueue<RunItem>): Promise<void> {
    try {
      while (!this.options.stopSignal.aborted) {
        await queue.waitForItems(1);
        if (queue.length === 0) return; // closed and drained
        if (queue.length < this.policy.maxItems && !queue.isClosed) {
          await queue.waitForItems(this.policy.maxItems, this.policy.lingerMs);
        }
        if (this.options.stopSignal.aborted) return;
        const batch = this.takeBatch(queue);
        if (this.options.dryRun) await this.planBatch(batch);
        else await this.writeBatch(batch);
      }
    } catch (error) {
      this.fatal ??= error;
      this.options.onFatal(error);
    }
  }

  private takeBatch(queue: ItemQueue<RunItem>): RunItem[] {
    if (this.policy.maxBytes === Number.POSITIVE_INFINITY) return queue.take(this.policy.maxItems);
    let count = 0;
    let bytes = 0;
    while (count < this.policy.maxItems) {
      const next = queue.peek(count);
      if (!next) break;
      const size = sizeOf(next.envelope);
      if (count > 0 && bytes + size > this.policy.maxBytes) break;
      bytes += size;
      count++;
    }
    return queue.take(count);
  }

  private async planBatch(batch: RunItem[]): Promise<void> {
    const { target, report } = this.options;
    const planned = await target.plan(batch.map((item) => item.envelope));
    const seen = new Set<number>();
    for (const action of planned) {
      const item = batch[action.index];
      if (!item || seen.has(action.index)) continue;
      seen.add(action.index);
      report.plannedActions[action.action] = (report.plannedActions[action.action] ?? 0) + 1;
      pushSample(report.plan, {
        position: item.envelope.position,
        action: action.action,
        destination: action.destination,
        preview: truncatePreview(action.preview),
      });
    }
    for (const item of batch) this.settle(item, "planned");
  }

  private async writeBatch(batch: RunItem[]): Promise<void> {
    const { target, report, retry } = this.options;
    let pending = batch;
    for (let attempt = 1; pending.length > 0; attempt++) {
      report.batches++;
      const result = await target.write(pending.map((item) => item.envelope));
      const failures = indexFailures(result?.failures, pending.length);
      const retryable: RunItem[] = [];
      let retryAfterMs = 0;
      for (let i = 0; i < pending.length; i++) {
        const item = pending[i]!;
        const failure = failures.get(i);
        if (!failure) {
          this.settle(item, "sent");
        } else if (failure.retryable && attempt < retry.maxAttempts && !this.options.stopSignal.aborted) {
          retryable.push(item);
          report.retried++;
          if (THROTTLE_CODE.test(failure.code)) report.throttled++;
          retryAfterMs = Math.max(retryAfterMs, failure.retryAfterMs ?? 0);
        } else {
          const exhausted = failure.retryable ? ` (gave up after ${attempt} attempts)` : "";
          this.fail(item, failure.code, failure.message + exhausted, attempt);
        }
      }
      pending = retryable;
      if (pending.length > 0) {
        const delay = Math.max(retryAfterMs, backoffDelay(attempt, retry.baseDelayMs, retry.maxDelayMs));
        await sleep(delay, this.options.stopSignal);
        if (this.options.stopSignal.aborted) {
          for (const item of pending) this.settle(item, "cancelled");
          return;
        }
      }
    }
  }

  private fail(item: RunItem, code: string, message: string, attempts: number): void {
    pushSample(this.options.report.failures, {
      position: item.envelope.position,
      id: item.envelope.event.id,
      code,
      message,
      attempts,
    });
    this.settle(item, "failed");
  }

  private settle(item: RunItem, outcome: ItemOutcome): void {
    this.release(item);
    const report = this.options.report;
    if (outcome === "sent") report.sent++;
    else if (outcome === "failed") report.failed++;
    else if (outcome === "planned") report.planned++;
    else report.cancelled++;
    this.options.settle(item, outcome);
  }
}

/** Maps failures by index, ignoring out-of-range and duplicate indexes a plugin might return. */
function indexFailures(failures: ItemFailure[] | undefined, size: number): Map<number, ItemFailure> {
  const map = new Map<number, ItemFailure>();
  if (!Array.isArray(failures)) return map;
  for (const failure of failures) {
    if (
      Number.isInteger(failure.index) &&
      failure.index >= 0 &&
      failure.index < size &&
      !map.has(failure.index)
    ) {
      map.set(failure.index, failure);
    }
  }
  return map;
}

function sizeOf(envelope: Envelope): number {
  return envelope.text?.length ?? JSON.stringify(envelope.event).length;
}

const PREVIEW_LIMIT = 500;

/** Keeps dry-run previews small in the report. */
function truncatePreview(preview: unknown): unknown {
  if (preview === undefined) return undefined;
  const text = JSON.stringify(preview);
  if (text === undefined || text.length <= PREVIEW_LIMIT) return preview;
  return text.slice(0, PREVIEW_LIMIT) + "…";
}
