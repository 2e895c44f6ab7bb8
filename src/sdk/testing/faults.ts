import type { Envelope, ItemFailure, Target, WriteContext, WriteResult } from "../index.ts";
import { seededRandom } from "./random.ts";

/** Options of {@link withRetryableFaults}. */
export interface FaultOptions {
  /** Probability that an event (or, for `collapse` targets, a key) of a write fails. @default 0.3 */
  rate?: number;
  /** Seed of the fault draws, so a failure replays the same way. @default 7 */
  seed?: number;
  /** Attempts after which an event always succeeds, so runs end. @default 3 */
  maxFailuresPerEvent?: number;
}

/**
 * Wraps a target so some items of each write fail as retryable (throttled) *without* being
 * written, the way a real partial failure looks, while the rest is written by the real target:
 * - `collapse` targets fail whole keys (every event of a key in the batch), as a store that
 *   collapses a batch per key fails the key's one item;
 * - `sequential` targets fail from a point on (everything after it is not sent);
 * - `independent` targets fail any events.
 * The engine's retries must then still leave the state (or the delivery order per key) that a
 * fault-free run leaves.
 */
export function withRetryableFaults(target: Target, options: FaultOptions = {}): Target {
  const rate = options.rate ?? 0.3;
  const limit = options.maxFailuresPerEvent ?? 3;
  const random = seededRandom(options.seed ?? 7);
  const failures = new Map<number, number>();
  const mayFail = (envelope: Envelope) => (failures.get(envelope.seq) ?? 0) < limit;
  const sameKey = target.sameKey ?? "independent";

  // Every other member is the target's own, called on the target itself (its state lives there).
  const wrapped: Target = {
    policy: target.policy,
    ...(target.sameKey && { sameKey: target.sameKey }),
    ...(target.rowKey && { rowKey: target.rowKey.bind(target) }),
    ...(target.open && { open: target.open.bind(target) }),
    check: target.check.bind(target),
    plan: target.plan.bind(target),
    ...(target.flush && { flush: target.flush.bind(target) }),
    ...(target.close && { close: target.close.bind(target) }),
    write: (batch, context) => write(batch, context),
  };
  const write = async (batch: readonly Envelope[], context?: WriteContext): Promise<WriteResult> => {
    const failing = new Set<number>();
    if (sameKey === "collapse") {
      const keyOf = (e: Envelope) => target.rowKey?.(e.event) ?? e.event.id;
      const keys = new Map<string, boolean>();
      batch.forEach((e, i) => {
        const key = keyOf(e);
        if (!keys.has(key)) keys.set(key, random() < rate);
        if (keys.get(key)) failing.add(i);
      });
      // A key fails only if every one of its events may still fail (runs must end).
      for (const [key, fails] of keys) {
        if (!fails) continue;
        const indexes = batch.flatMap((e, i) => (keyOf(e) === key ? [i] : []));
        if (!indexes.every((i) => mayFail(batch[i]!))) for (const i of indexes) failing.delete(i);
      }
    } else if (sameKey === "sequential") {
      const from = batch.findIndex((e) => mayFail(e) && random() < rate);
      if (from >= 0) for (let i = from; i < batch.length; i++) failing.add(i);
    } else {
      batch.forEach((e, i) => {
        if (mayFail(e) && random() < rate) failing.add(i);
      });
    }
    const passing = batch.flatMap((e, i) => (failing.has(i) ? [] : [{ e, i }]));
    const inner =
      passing.length > 0
        ? await target.write(
            passing.map((p) => p.e),
            context,
          )
        : { failures: [] };
    const out: ItemFailure[] = [];
    for (const f of inner.failures ?? []) out.push({ ...f, index: passing[f.index]!.i });
    for (const i of failing) {
      failures.set(batch[i]!.seq, (failures.get(batch[i]!.seq) ?? 0) + 1);
      out.push({
        index: i,
        retryable: true,
        throttled: true,
        code: "InjectedThrottle",
        message: "injected by the kit",
      });
    }
    out.sort((a, b) => a.index - b.index);
    return { failures: out, skipped: (inner.skipped ?? []).map((i) => passing[i]!.i) };
  };
  return wrapped;
}
