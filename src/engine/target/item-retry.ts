import type { ItemRetryPolicy } from "../../config/run-plan.ts";
import type { TargetReport } from "../../report/run-report.ts";
import type { ItemFailure, Target, WriteResult } from "../../sdk/index.ts";
import { backoffDelay, sleep } from "../../util/backoff.ts";
import { errorMessage } from "../../util/error-message.ts";
import type { ItemOutcome } from "../run-item.ts";
import type { LatencyHistogram } from "./latency.ts";
import type { QueuedItem } from "./queued.ts";

/** Why an item failed, for the report's samples. */
export interface FailureInfo {
  code: string;
  message: string;
  attempts: number;
}

/** What one batch write needs from its runner. */
export interface BatchWriteContext {
  readonly target: Target;
  readonly retry: ItemRetryPolicy;
  /** The run is stopping: retries give up, and what is not yet written is cancelled. */
  readonly stop: AbortSignal;
  /** The drain deadline passed: handed to `write` so the target can abort its request. */
  readonly deadline: AbortSignal;
  readonly counters: TargetReport;
  /** Where the duration of each `write` call is recorded. */
  readonly latency?: LatencyHistogram;
  /** Settles one item for this target (a no-op for an item already settled). */
  settle(entry: QueuedItem, outcome: ItemOutcome, failure?: FailureInfo): void;
}

/** The target threw: it is broken as a whole. Its batch has been settled as failed. */
export class TargetBrokenError extends Error {
  constructor(override readonly cause: unknown) {
    super(errorMessage(cause));
    this.name = "TargetBrokenError";
  }
}

/** The target's output went away (the reader of a pipe). Its batch has been settled as cancelled. */
export class OutputClosedSignal extends Error {
  constructor(override readonly cause: unknown) {
    super(errorMessage(cause));
    this.name = "OutputClosedSignal";
  }
}

/**
 * Writes one batch and retries its retryable failures with exponential backoff and full jitter
 * until every item is settled exactly once: sent, skipped (older than what the store holds),
 * failed (not retryable, or attempts exhausted) or cancelled (the run stopped first).
 *
 * Retries happen before the lane takes its next batch, so no later event of the lane overtakes
 * an item being retried.
 *
 * A `write` that throws breaks the target: every unsettled item of the batch is settled as
 * failed (so it is counted and lands in the failed-events file) and {@link TargetBrokenError} is
 * thrown. One exception: "Maximum call stack size exceeded" comes from one pathological event (a
 * 200,000-deep `detail`), not a broken target, so the batch is split until that event fails
 * alone with its position.
 */
export async function writeWithRetry(batch: QueuedItem[], ctx: BatchWriteContext): Promise<void> {
  let pending = batch;
  for (let attempt = 1; pending.length > 0; attempt++) {
    const outcome = await writeOnce(pending, attempt, ctx);
    if (outcome.retry.length === 0) return;
    if (ctx.stop.aborted) {
      for (const entry of outcome.retry) ctx.settle(entry, "cancelled");
      return;
    }
    const delay = Math.max(
      outcome.retryAfterMs,
      backoffDelay(attempt, ctx.retry.baseDelayMs, ctx.retry.maxDelayMs),
    );
    await sleep(delay, ctx.stop);
    if (ctx.stop.aborted) {
      for (const entry of outcome.retry) ctx.settle(entry, "cancelled");
      return;
    }
    pending = outcome.retry;
  }
}

interface AttemptOutcome {
  retry: QueuedItem[];
  retryAfterMs: number;
}

async function writeOnce(
  pending: QueuedItem[],
  attempt: number,
  ctx: BatchWriteContext,
): Promise<AttemptOutcome> {
  const { counters, retry } = ctx;
  counters.batches++;
  let result: WriteResult;
  const started = performance.now();
  try {
    result = await ctx.target.write(
      pending.map((entry) => entry.item.envelope),
      { signal: ctx.deadline },
    );
  } catch (error) {
    if (isStackOverflow(error)) return bisect(pending, attempt, ctx, error);
    const closed = isOutputClosed(error);
    for (const entry of pending) {
      if (closed) ctx.settle(entry, "cancelled");
      else
        ctx.settle(entry, "failed", { code: "TargetError", message: errorMessage(error), attempts: attempt });
    }
    throw closed ? new OutputClosedSignal(error) : new TargetBrokenError(error);
  }
  ctx.latency?.record(performance.now() - started);
  const failures = indexFailures(result?.failures, pending.length);
  addActions(counters, result?.actions);
  const skipped = new Set(Array.isArray(result?.skipped) ? result.skipped : []);
  const again: QueuedItem[] = [];
  let retryAfterMs = 0;
  for (let i = 0; i < pending.length; i++) {
    const entry = pending[i]!;
    const failure = failures.get(i);
    if (!failure) {
      ctx.settle(entry, skipped.has(i) ? "skipped" : "sent");
    } else if (failure.retryable && ctx.stop.aborted) {
      ctx.settle(entry, "cancelled");
    } else if (failure.retryable && attempt < retry.maxAttempts) {
      again.push(entry);
      counters.retried++;
      if (failure.throttled === true) counters.throttled++;
      retryAfterMs = Math.max(retryAfterMs, failure.retryAfterMs ?? 0);
    } else {
      const exhausted = failure.retryable ? ` (gave up after ${attempt} attempts)` : "";
      ctx.settle(entry, "failed", {
        code: failure.code,
        message: failure.message + exhausted,
        attempts: attempt,
      });
    }
  }
  return { retry: again, retryAfterMs };
}

/** Splits a batch that overflowed the stack until the event responsible fails on its own. */
async function bisect(
  pending: QueuedItem[],
  attempt: number,
  ctx: BatchWriteContext,
  error: unknown,
): Promise<AttemptOutcome> {
  if (pending.length === 1) {
    const entry = pending[0]!;
    ctx.settle(entry, "failed", {
      code: "EventTooDeep",
      message: `event ${JSON.stringify(entry.item.envelope.event.id)} at ${entry.item.envelope.position} is nested too deeply for this target (${errorMessage(error)})`,
      attempts: attempt,
    });
    return { retry: [], retryAfterMs: 0 };
  }
  const half = Math.ceil(pending.length / 2);
  // Each half is written (and retried) in full before the next, so order holds.
  await writeWithRetry(pending.slice(0, half), ctx);
  await writeWithRetry(pending.slice(half), ctx);
  return { retry: [], retryAfterMs: 0 };
}

function isStackOverflow(error: unknown): boolean {
  return /maximum call stack size exceeded|too much recursion/i.test(errorMessage(error));
}

/** An error a target throws when its output went away (see `Host.outputClosed`). */
function isOutputClosed(error: unknown): boolean {
  return error instanceof Error && error.name === "OutputClosedError";
}

/** Maps failures by index, ignoring out-of-range and duplicate indexes a plugin might return. */
function indexFailures(failures: ItemFailure[] | undefined, size: number): Map<number, ItemFailure> {
  const map = new Map<number, ItemFailure>();
  if (!Array.isArray(failures)) return map;
  for (const failure of failures) {
    if (
      Number.isInteger(failure?.index) &&
      failure.index >= 0 &&
      failure.index < size &&
      !map.has(failure.index)
    )
      map.set(failure.index, failure);
  }
  return map;
}

/** Adds a write's actions by verb to the target's counters (verbs bounded like failure codes). */
function addActions(counters: TargetReport, actions: Record<string, number> | undefined): void {
  if (!actions || typeof actions !== "object") return;
  counters.actions ??= {};
  for (const [verb, count] of Object.entries(actions)) {
    if (!Number.isFinite(count) || count <= 0) continue;
    if (counters.actions[verb] === undefined && Object.keys(counters.actions).length >= 20) continue;
    counters.actions[verb] = (counters.actions[verb] ?? 0) + count;
  }
}
