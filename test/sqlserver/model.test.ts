/**
 * The target end to end through the real `mssql` client, against the TDS fake holding a model
 * of the table (test/sqlserver/table-model.ts: the merge as documented). What this checks is the
 * target's side — what it stages (keys, values, read order, delete flags, versions) on both
 * staging paths, how it batches and isolates failures, and that retried writes converge under
 * wire faults (deadlocks, Azure transients, timeouts, cut connections on random statements).
 * That SQL Server's MERGE behaves as the model does is for the live suite to confirm.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Envelope, EventBridgeEvent } from "../../src/sdk/index.ts";
import { startTdsFake, type TdsFake, type TdsResponse } from "../fakes/tds-server.ts";
import { seededRandom } from "../support/seeded-random.ts";
import { catalogAnswer, envelopes, type FakeTable, fakeTarget, isCatalog, userEvent } from "./support.ts";
import { TableModel, type TableModelShape } from "./table-model.ts";

let fake: TdsFake;
beforeAll(async () => {
  fake = await startTdsFake();
});
afterAll(async () => {
  await fake.close();
});

const TABLE: FakeTable = {
  columns: [
    { name: "id", type: "nvarchar", maxLength: 128, nullable: false },
    { name: "email", type: "nvarchar", maxLength: -1 },
    { name: "version", type: "bigint" },
    { name: "deleted", type: "bit", nullable: false, hasDefault: true },
  ],
  primaryKey: ["id"],
};
const PLAIN = {
  key: { id: "$.detail.userId" },
  columns: { email: "$.detail.email" },
  deleteWhen: { "detail-type": ["UserDeleted"] },
};
const GUARDED = {
  key: { id: "$.detail.userId" },
  columns: { email: "$.detail.email", version: "$.detail.version" },
  ifNewer: "version",
  deleteWhen: { "detail-type": ["UserDeleted"] },
};

/** A fresh model behind the fake, and a target on it. */
function setup(config: Record<string, unknown>, shape: TableModelShape) {
  const model = new TableModel(shape);
  fake.handler = (request) => (isCatalog(request) ? catalogAnswer(TABLE) : model.handle(request));
  return { model, target: fakeTarget(fake.port, config) };
}

/** Writes `events` in batches, re-writing retryable failures (in order) until every event settled. */
async function writeSettled(
  target: ReturnType<typeof fakeTarget>,
  events: Envelope[],
  batchSize: number,
  beforeWrite: () => void = () => {},
) {
  let retried = 0;
  const skipped: number[] = [];
  for (let i = 0; i < events.length; i += batchSize) {
    let pending = events.slice(i, i + batchSize);
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > 50) throw new Error("never settled");
      beforeWrite();
      const result = await target.write(pending);
      const permanent = result.failures.filter((f) => !f.retryable);
      expect(permanent).toEqual([]);
      skipped.push(...(result.skipped ?? []).map((index) => pending[index]!.seq));
      const again = new Set(result.failures.map((f) => f.index));
      retried += again.size;
      pending = pending.filter((_, index) => again.has(index));
    }
  }
  return { retried, skipped };
}

function randomEvents(seed: number, count: number): EventBridgeEvent[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, (_, i) => {
    // Keys differing in case are one row for SQL Server's default collation.
    const n = Math.floor(random() * 9);
    const id = random() < 0.2 ? `User-${n}` : `user-${n}`;
    return userEvent(
      id,
      { email: `${n}-${i}@x`, version: i + 1 },
      random() < 0.2 ? "UserDeleted" : "UserUpdated",
    );
  });
}

/** What applying the events one by one leaves, computed without the target. */
function oneByOne(events: readonly EventBridgeEvent[]) {
  const rows = new Map<string, Record<string, unknown>>();
  for (const event of events) {
    const { userId, email } = event.detail as { userId: string; email: string };
    const key = JSON.stringify([userId.toLowerCase()]);
    if (event["detail-type"] === "UserDeleted") rows.delete(key);
    else rows.set(key, { id: userId, email });
  }
  return [...rows.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, row]) => row);
}

describe("against the table model", () => {
  const shape: TableModelShape = { keys: ["id"], values: ["email"] };
  const events = envelopes(randomEvents(1, 150));
  const expected = oneByOne(events.map((e) => e.event));

  for (const [stage, batchSize] of [
    ["auto", 1],
    ["auto", 7],
    ["values", 64],
    ["bulk", 64],
    ["auto", 150],
  ] as const) {
    test(`a batch leaves what one by one leaves (stage ${stage}, ${batchSize} per batch), and a re-run changes nothing`, async () => {
      const { model, target } = setup({ ...PLAIN, stage, bulkChunkRows: 13 }, shape);
      await writeSettled(target, events, batchSize);
      expect(model.state()).toEqual(expected);
      await writeSettled(target, events, batchSize);
      expect(model.state()).toEqual(expected);
      await target.close!();
    });
  }

  test("version guard: shuffled orders converge on the highest version per key; older events skipped", async () => {
    const guarded: TableModelShape = {
      keys: ["id"],
      values: ["email", "version"],
      version: "version",
      tombstone: "deleted",
    };
    const source = randomEvents(2, 200);
    let reference: Array<Record<string, unknown>> | undefined;
    for (const seed of [3, 4, 5]) {
      const random = seededRandom(seed);
      const shuffled = envelopes([...source].sort(() => random() - 0.5));
      const { model, target } = setup(GUARDED, guarded);
      await writeSettled(target, shuffled, 40);
      reference ??= model.state();
      expect(model.state()).toEqual(reference);
      const again = await writeSettled(target, shuffled.slice(0, 40), 40);
      expect(again.skipped).toHaveLength(40);
      await target.close!();
    }
    const highest = new Map<string, EventBridgeEvent>();
    for (const event of source) {
      const { userId, version } = event.detail as { userId: string; version: number };
      const key = userId.toLowerCase();
      const held = highest.get(key);
      if (!held || (held.detail as { version: number }).version < version) highest.set(key, event);
    }
    expect(reference!.map((row) => [String(row.id).toLowerCase(), row.version, row.deleted])).toEqual(
      [...highest.entries()]
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([key, e]) => [
          key,
          (e.detail as { version: number }).version,
          e["detail-type"] === "UserDeleted",
        ]),
    );
  });

  test("wire faults on random statements (1205, 40613, 40501, timeouts, cut connections): retried writes converge", async () => {
    const random = seededRandom(7);
    const faults: TdsResponse[] = [
      { kind: "error", error: { number: 1205, message: "deadlock victim" } },
      { kind: "error", error: { number: 40613, message: "Database is not currently available" } },
      { kind: "error", error: { number: 40501, message: "The service is currently busy" } },
      { kind: "silence" },
      { kind: "cut" },
    ];
    for (const stage of ["values", "bulk"] as const) {
      const { model, target } = setup({ ...PLAIN, stage, requestTimeoutMs: 250 }, shape);
      await target.open!();
      // Before a third of the writes, one of its next statements fails (a later write's, at times).
      const { retried } = await writeSettled(target, events, 25, () => {
        if (random() < 0.35)
          fake.failStatement(1 + Math.floor(random() * 5), faults[Math.floor(random() * faults.length)]!);
      });
      fake.clearFaults();
      expect(retried).toBeGreaterThan(0);
      expect(model.state()).toEqual(expected);
      await target.close!();
    }
  }, 60_000);
});
