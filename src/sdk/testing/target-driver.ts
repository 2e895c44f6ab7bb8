import type { ItemRetryPolicy, OrderMode } from "../../config/run-plan.ts";
import type { ItemOutcome, RunItem } from "../../engine/run-item.ts";
import { orderingFor } from "../../engine/target/ordering.ts";
import { TargetRunner } from "../../engine/target/target-runner.ts";
import { newTargetReport, type TargetReport } from "../../report/run-report.ts";
import type { Envelope, Target } from "../index.ts";

/** Options of {@link driveTarget}. */
export interface DriveOptions {
  dryRun?: boolean;
  /** @default auto (storage targets per row key in parallel lanes) */
  order?: OrderMode;
  /** Lanes for keyed ordering. @default the target's maxInFlight */
  concurrency?: number;
  /** @default fast retries (8 attempts, 1–5 ms) */
  retry?: ItemRetryPolicy;
}

/** What a drive did. */
export interface DriveResult {
  counters: TargetReport;
  /** Every outcome each event got, by `seq` (exactly one each, if the target is correct). */
  outcomes: Map<number, ItemOutcome[]>;
  /** The error that broke the target, if one did. */
  error?: string;
}

/**
 * Feeds envelopes to a target through the engine's own stages — ordering and lanes, batching to
 * the target's policy, the item retry loop, settlement — exactly as a run does, without a source.
 * Calls `open` first and `flush` at the end (not `close`: the caller inspects the state first).
 */
export async function driveTarget(
  target: Target,
  envelopes: readonly Envelope[],
  options: DriveOptions = {},
): Promise<DriveResult> {
  const counters = newTargetReport("under-test", "kit");
  const outcomes = new Map<number, ItemOutcome[]>();
  const stop = new AbortController();
  const deadline = new AbortController();
  let error: string | undefined;
  const ticket = { batch: undefined, pending: 0, sealed: true, partial: false };
  const runner = new TargetRunner({
    index: 0,
    target,
    counters,
    dryRun: options.dryRun ?? false,
    ordering: orderingFor(target, options.order ?? { kind: "auto" }, options.concurrency),
    retry: options.retry ?? { maxAttempts: 8, baseDelayMs: 1, maxDelayMs: 5 },
    settled: (item, outcome) => {
      const list = outcomes.get(item.envelope.seq) ?? [];
      list.push(outcome);
      outcomes.set(item.envelope.seq, list);
    },
    stop: stop.signal,
    deadline: deadline.signal,
    onBroken: (e) => {
      error ??= e.message;
      stop.abort();
    },
  });
  await target.open?.();
  runner.start();
  for (const envelope of envelopes) {
    const item: RunItem = {
      envelope,
      ticket,
      original: envelope.text,
      pendingTargets: 1,
      settledBy: 0,
      failed: false,
    };
    runner.push(item); // after a break, queued items are settled as cancelled
    await runner.waitForRoom();
  }
  await runner.finish();
  runner.cancelQueued();
  if (!options.dryRun && !error) await target.flush?.();
  return { counters, outcomes, ...(error !== undefined && { error }) };
}
