import { describe, expect, test } from "bun:test";
import { AckTracker } from "../../engine/ack-tracker.ts";
import { isEventBridgeEvent } from "../../envelope/event-shape.ts";
import type { JsonValue, Source, SourceBatch, SourceOpenContext } from "../index.ts";

/** What the kit needs to test a source plugin. */
export interface SourceSubject {
  name: string;
  /** A fresh source over the same, fixed data (at least a few batches of it). */
  make(): Promise<Source>;
  /** How many records the data has (checked on every full read). */
  records: number;
}

/** One full read: positions in order, and each batch's cursor. */
export interface DrainResult {
  positions: string[];
  batches: Array<{ positions: string[]; cursor?: JsonValue }>;
}

/** Opens a source and reads it to the end (or until `stopAfter` batches, then aborts). */
export async function drainSource(
  source: Source,
  context: Partial<SourceOpenContext> = {},
  stopAfter?: number,
): Promise<DrainResult & { abortedAfterMs?: number }> {
  const controller = new AbortController();
  const ctx: SourceOpenContext = { signal: controller.signal, pushdown: {}, ...context };
  await source.open?.(ctx);
  const result: DrainResult & { abortedAfterMs?: number } = { positions: [], batches: [] };
  try {
    let abortedAt: number | undefined;
    for await (const batch of source.batches(ctx)) {
      if (batch.verified === true) checkVerified(batch);
      const positions = [
        ...batch.records.map((r) => r.position),
        ...(batch.invalid ?? []).map((i) => i.position),
      ];
      result.positions.push(...positions);
      result.batches.push({ positions, ...(batch.cursor !== undefined && { cursor: batch.cursor }) });
      if (abortedAt === undefined && stopAfter !== undefined && result.batches.length >= stopAfter) {
        abortedAt = performance.now();
        controller.abort();
      }
    }
    if (abortedAt !== undefined) result.abortedAfterMs = performance.now() - abortedAt;
  } finally {
    await source.close?.();
  }
  return result;
}

/**
 * Registers the properties every source must have (docs/specs/plugin.md): positions unique and
 * stable across two reads; an abort stops the read promptly; acknowledgements arrive in read
 * order; resuming from a batch's cursor yields exactly the records after that batch.
 */
export function sourceConformance(subject: SourceSubject): void {
  describe(`conformance: source ${subject.name}`, () => {
    test("positions are unique and stable across two reads (in the same order, if the source is ordered)", async () => {
      const source = await subject.make();
      const first = await drainSource(source);
      const second = await drainSource(await subject.make());
      expect(first.positions).toHaveLength(subject.records);
      expect(new Set(first.positions).size).toBe(first.positions.length);
      expect(inOrderOf(source, second.positions)).toEqual(inOrderOf(source, first.positions));
    });

    test("an abort stops the read promptly", async () => {
      const read = await drainSource(await subject.make(), {}, 1);
      expect(read.abortedAfterMs ?? 0).toBeLessThan(2000);
      expect(read.batches.length).toBeLessThanOrEqual(2);
    });

    test("acknowledgements arrive in read order, each batch once", async () => {
      const source = await subject.make();
      const acked: SourceBatch[] = [];
      const original = source.ack?.bind(source);
      const tracker = new AckTracker(async (batch) => {
        acked.push(batch);
        await original?.(batch);
      });
      const controller = new AbortController();
      const ctx: SourceOpenContext = { signal: controller.signal, pushdown: {} };
      await source.open?.(ctx);
      const read: SourceBatch[] = [];
      const tickets = [];
      for await (const batch of source.batches(ctx)) {
        read.push(batch);
        const ticket = tracker.open(batch);
        ticket.pending = 1;
        tracker.seal(ticket);
        tickets.push(ticket);
      }
      // Settle in reverse: acknowledgements must still come in read order.
      for (const ticket of tickets.reverse()) tracker.settle(ticket);
      await tracker.drain();
      await source.close?.();
      expect(acked).toEqual(read);
    });

    test("records pass through unmapped: the same records, and verified batches hold what they claim", async () => {
      // `passThrough` lets a source check event shapes itself (SourceBatch.verified); drainSource
      // checks every verified batch.
      const plain = await drainSource(await subject.make());
      const passing = await drainSource(await subject.make(), { pushdown: { passThrough: true } });
      expect(inOrderOf(await subject.make(), passing.positions)).toEqual(
        inOrderOf(await subject.make(), plain.positions),
      );
    });

    test("resuming from a cursor yields exactly the rest", async () => {
      const source = await subject.make();
      const full = await drainSource(source);
      if (source.resumable !== true) {
        expect(full.batches.every((b) => b.cursor === undefined)).toBe(true);
        return;
      }
      expect(full.batches.length).toBeGreaterThan(1);
      for (const k of [0, Math.floor(full.batches.length / 2), full.batches.length - 1]) {
        const cursor = full.batches[k]!.cursor;
        expect(cursor).toBeDefined();
        // Cursors are stored as JSON: they must survive the round trip.
        const stored = JSON.parse(JSON.stringify(cursor)) as JsonValue;
        const rest = await drainSource(await subject.make(), { resumeFrom: stored });
        const consumed = full.batches.slice(0, k + 1).reduce((n, b) => n + b.positions.length, 0);
        if (source.ordered !== false) expect(rest.positions).toEqual(full.positions.slice(consumed));
        else {
          // Parallel sub-streams (Scan segments): the rest is every record not settled before.
          const before = new Set(full.positions.slice(0, consumed));
          expect(rest.positions.some((p) => before.has(p))).toBe(false);
          expect(rest.positions.length + consumed).toBeGreaterThanOrEqual(subject.records);
        }
      }
    });
  });
}

/**
 * A batch marked `verified` must be what the engine would have checked (docs/specs/plugin.md):
 * every record has its text, the text parses to the record's value, and that is an EventBridge
 * event. Throws, naming the record, when one is not.
 */
function checkVerified(batch: SourceBatch): void {
  for (const record of batch.records) {
    const where = `verified batch, record ${record.position}`;
    if (typeof record.text !== "string") throw new Error(`${where}: no text`);
    const value = record.value;
    expect(JSON.parse(record.text), `${where}: text and value differ`).toEqual(value);
    if (!isEventBridgeEvent(value)) throw new Error(`${where}: not an EventBridge event`);
  }
}

/** Positions as compared: in read order for an ordered source, sorted for one that has none. */
function inOrderOf(source: Source, positions: string[]): string[] {
  return source.ordered === false ? [...positions].sort() : positions;
}
