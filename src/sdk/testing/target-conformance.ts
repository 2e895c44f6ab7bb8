import { describe, expect, test } from "bun:test";
import type { Envelope, EventBridgeEvent, Target } from "../index.ts";
import { conformanceEvents, envelopesOf } from "./events.ts";
import { withRetryableFaults } from "./faults.ts";
import { driveTarget } from "./target-driver.ts";

/** A fresh target under test, and a way to read what it wrote. */
export interface TargetInstance {
  target: Target;
  /**
   * What the destination holds, comparable with `toEqual`: a store's rows (sorted by key), a
   * delivery target's delivered events in order. Must not change the destination.
   */
  state(): Promise<unknown>;
  /** Releases what `make` created besides the target (the target itself is closed by the kit). */
  dispose?(): Promise<void>;
}

/** What the kit needs to test a target plugin. */
export interface TargetSubject {
  /** A name for the test titles. */
  name: string;
  /**
   * `storage`: applies last-write-wins per row (its state is the rows); `delivery`: delivers
   * each event (its state is the delivered events, in order).
   */
  kind: "storage" | "delivery";
  /** A fresh target writing to an empty destination of its own (each call a new one). */
  make(options: { dryRun: boolean }): Promise<TargetInstance>;
  /** The events to write: the kit's {@link conformanceEvents} by default (key in `detail.key`). */
  events?(count: number): EventBridgeEvent[];
  /** Events the target must refuse (a missing key, ...), to check its failure indexes. */
  invalidEvents?(): EventBridgeEvent[];
  /** A target whose `open` fails (a missing folder, a table that is not there). */
  makeBroken?(): Promise<Target>;
  /** Events per property. @default 60 */
  count?: number;
}

/**
 * Registers the conformance properties every target must have (docs/specs/plugin.md):
 * `check` and `plan` leave no trace; a dry run writes nothing; failure indexes are valid and
 * unique; every item settles exactly once; for stores, a batch equals applying its events one
 * by one and writing twice equals once; per-key order (or the final state) holds under seeded
 * retryable faults; `close` is safe after a failed `open`.
 */
export function targetConformance(subject: TargetSubject): void {
  const count = subject.count ?? 60;
  const events = () => subject.events?.(count) ?? conformanceEvents(count);
  const withInstance = async <T>(
    dryRun: boolean,
    fn: (instance: TargetInstance) => Promise<T>,
  ): Promise<T> => {
    const instance = await subject.make({ dryRun });
    try {
      return await fn(instance);
    } finally {
      await instance.target.close?.();
      await instance.dispose?.();
    }
  };
  /** The state a fault-free run leaves, one event per write, in read order. */
  const oneByOne = (envelopes: Envelope[]) =>
    withInstance(false, async ({ target, state }) => {
      await target.open?.();
      for (const envelope of envelopes) {
        const result = await target.write([envelope], { signal: new AbortController().signal });
        expect(result.failures.filter((f) => f.retryable)).toEqual([]);
      }
      await target.flush?.();
      return state();
    });

  describe(`conformance: target ${subject.name}`, () => {
    test("check and plan leave no trace", async () => {
      await withInstance(false, async ({ target, state }) => {
        const before = await state();
        const check = await target.check();
        expect(typeof check.ok).toBe("boolean");
        const plan = await target.plan(envelopesOf(events()));
        expect(Array.isArray(plan)).toBe(true);
        expect(await state()).toEqual(before);
      });
    });

    test("a dry run writes nothing and plans every event", async () => {
      await withInstance(true, async ({ target, state }) => {
        const before = await state();
        const drive = await driveTarget(target, envelopesOf(events()), { dryRun: true });
        expect(drive.counters.planned).toBe(count);
        expect(await state()).toEqual(before);
      });
    });

    test("every item settles exactly once, and failure indexes are valid and unique", async () => {
      await withInstance(false, async ({ target }) => {
        const bad = subject.invalidEvents?.() ?? [];
        const batch = envelopesOf([...events().slice(0, 5), ...bad]);
        await target.open?.();
        const result = await target.write(batch, { signal: new AbortController().signal });
        const indexes = result.failures.map((f) => f.index);
        for (const index of indexes) {
          expect(Number.isInteger(index)).toBe(true);
          expect(index).toBeGreaterThanOrEqual(0);
          expect(index).toBeLessThan(batch.length);
        }
        expect(new Set(indexes).size).toBe(indexes.length);
        for (let i = 5; i < batch.length; i++) expect(indexes).toContain(i);
        for (const f of result.failures) expect(typeof f.code).toBe("string");
      });
      await withInstance(false, async ({ target }) => {
        const drive = await driveTarget(target, envelopesOf(events()));
        expect(drive.error).toBeUndefined();
        expect(drive.outcomes.size).toBe(count);
        for (const outcomes of drive.outcomes.values()) expect(outcomes).toHaveLength(1);
      });
    });

    if (subject.kind === "storage") {
      test("a batch leaves what applying its events one by one leaves", async () => {
        const envelopes = envelopesOf(events());
        const expected = await oneByOne(envelopes);
        const batched = await withInstance(false, async ({ target, state }) => {
          const drive = await driveTarget(target, envelopes);
          expect(drive.error).toBeUndefined();
          return state();
        });
        expect(batched).toEqual(expected);
      });

      test("writing the same events twice leaves what writing them once leaves", async () => {
        const envelopes = envelopesOf(events());
        await withInstance(false, async ({ target, state }) => {
          await driveTarget(target, envelopes);
          const once = await state();
          await driveTarget(target, envelopes);
          expect(await state()).toEqual(once);
        });
      });
    }

    test("order holds under seeded retryable faults (the state of a fault-free run; read order for delivery)", async () => {
      const envelopes = envelopesOf(events());
      const expected = subject.kind === "storage" ? await oneByOne(envelopes) : undefined;
      await withInstance(false, async ({ target, state }) => {
        const faulty = withRetryableFaults(target, { rate: 0.3, seed: 11 });
        const drive = await driveTarget(faulty, envelopes, { concurrency: 4 });
        expect(drive.error).toBeUndefined();
        expect(drive.counters.retried).toBeGreaterThan(0);
        expect(drive.counters.sent + drive.counters.skipped).toBe(count);
        const after = await state();
        if (expected !== undefined) expect(after).toEqual(expected);
        else expect((after as EventBridgeEvent[]).map((e) => e.id)).toEqual(envelopes.map((e) => e.event.id));
      });
    });

    if (subject.kind === "delivery") {
      test("per-key order holds with an order key and parallel lanes under seeded retryable faults", async () => {
        const envelopes = envelopesOf(events()).map((e) => ({
          ...e,
          orderKey: String((e.event.detail as { key?: unknown }).key),
        }));
        await withInstance(false, async ({ target, state }) => {
          const faulty = withRetryableFaults(target, { rate: 0.3, seed: 12 });
          const drive = await driveTarget(faulty, envelopes, {
            order: { kind: "path", path: "detail.key" },
            concurrency: 4,
          });
          expect(drive.error).toBeUndefined();
          expectPerKeyOrder((await state()) as EventBridgeEvent[], envelopes);
        });
      });
    }

    if (subject.makeBroken) {
      test("close is safe after a failed open", async () => {
        const target = await subject.makeBroken!();
        let opened = true;
        try {
          await target.open?.();
          const check = await target.check();
          opened = check.ok;
        } catch {
          opened = false;
        }
        expect(opened).toBe(false);
        await target.close?.();
        await target.close?.();
      });
    }
  });
}

/** Every event delivered once, and per `detail.key` in read order. */
function expectPerKeyOrder(delivered: EventBridgeEvent[], envelopes: Envelope[]): void {
  const ids = delivered.map((e) => e.id);
  expect([...ids].sort()).toEqual(envelopes.map((e) => e.event.id).sort());
  const seqOf = new Map(envelopes.map((e) => [e.event.id, e.seq]));
  const lastByKey = new Map<string, number>();
  for (const event of delivered) {
    const key = String((event.detail as { key?: unknown })?.key);
    const seq = seqOf.get(event.id)!;
    expect(seq).toBeGreaterThan(lastByKey.get(key) ?? -1);
    lastByKey.set(key, seq);
  }
}
