import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { driveTarget } from "../../src/sdk/testing/index.ts";
import { startDynamoDbFaultProxy } from "../../test/services/dynamodb-fault-proxy.ts";
import {
  createTable,
  DYNAMODB_LOCAL_HOOK_TIMEOUT_MS,
  type DynamoDbLocal,
  dynamoDbLocal,
  uniqueTableName,
  useLocalAwsEnv,
} from "../../test/services/dynamodb-local.ts";
import { itemToJson } from "./attribute-values.ts";
import { envelopes, event, scanAll, seeded, targetFor } from "./test-support.ts";

let local: DynamoDbLocal;
let client: DynamoDBClient;
let restoreEnv: () => void;

beforeAll(async () => {
  local = await dynamoDbLocal();
  restoreEnv = useLocalAwsEnv(local.endpoint);
  client = local.client();
}, DYNAMODB_LOCAL_HOOK_TIMEOUT_MS);
afterAll(() => restoreEnv?.());

async function usersTable(keys: Array<{ name: string; type: "S" | "N" }> = [{ name: "pk", type: "S" }]) {
  const table = uniqueTableName("users");
  await createTable(client, table, keys);
  return table;
}

async function state(table: string): Promise<Record<string, Record<string, unknown>>> {
  const items = (await scanAll(client, table)).map(itemToJson);
  return Object.fromEntries(
    items.map((item) => [String(item.pk) + (item.sk === undefined ? "" : `|${item.sk}`), item]),
  );
}

describe("mapping", () => {
  test("the event's detail is the item by default, with key attributes added", async () => {
    const table = await usersTable();
    const target = targetFor({ table, key: { pk: "$.detail.userId" } });
    const result = await target.write(
      envelopes([
        event("1", "UserCreated", {
          userId: "u1",
          name: "Ada",
          tags: ["a"],
          address: { city: "Paris" },
          age: 36,
        }),
        event("2", "UserCreated", { userId: "u2", name: "Bob", nothing: null }),
      ]),
    );
    expect(result.failures).toEqual([]);
    expect(await state(table)).toEqual({
      u1: { pk: "u1", userId: "u1", name: "Ada", tags: ["a"], address: { city: "Paris" }, age: 36 },
      u2: { pk: "u2", userId: "u2", name: "Bob", nothing: null },
    });
  });

  test("attributes are mapped from JSON paths; a number id fills a string key; missing keys fail alone", async () => {
    const table = await usersTable([
      { name: "pk", type: "S" },
      { name: "sk", type: "N" },
    ]);
    const target = targetFor({
      table,
      key: { pk: "$.detail.id", sk: "$.detail.rev" },
      attributes: { name: "$.detail.name", type: "$['detail-type']", at: "$.time", absent: "$.detail.nope" },
    });
    const result = await target.write(
      envelopes([
        event("1", "UserCreated", { id: 7, rev: 1, name: "Ada" }, "2024-02-01T00:00:00Z"),
        event("2", "UserCreated", { rev: 1, name: "no id" }),
        event("3", "UserRenamed", { id: 7, rev: "2", name: "Ada L." }, "2024-02-02T00:00:00Z"),
      ]),
    );
    expect(result.failures).toEqual([
      {
        index: 1,
        retryable: false,
        code: "KeyMissing",
        message: 'key attribute "pk": $.detail.id has no value in the event',
      },
    ]);
    expect(await state(table)).toEqual({
      "7|1": { pk: "7", sk: 1, name: "Ada", type: "UserCreated", at: "2024-02-01T00:00:00Z" },
      "7|2": { pk: "7", sk: 2, name: "Ada L.", type: "UserRenamed", at: "2024-02-02T00:00:00Z" },
    });
  });

  test("deleteWhen deletes the item with the event's key", async () => {
    const table = await usersTable();
    const target = targetFor({
      table,
      key: { pk: "$.detail.userId" },
      deleteWhen: { "detail-type": ["UserDeleted"] },
    });
    await target.write(
      envelopes([event("1", "UserCreated", { userId: "a" }), event("2", "UserCreated", { userId: "b" })]),
    );
    const result = await target.write(envelopes([event("3", "UserDeleted", { userId: "a" })]));
    expect(result.failures).toEqual([]);
    expect(Object.keys(await state(table))).toEqual(["b"]);
  });

  test("a batch naming a key several times leaves what applying the events one by one would (last write wins)", async () => {
    const table = await usersTable();
    const target = targetFor({
      table,
      key: { pk: "$.detail.userId" },
      deleteWhen: { "detail-type": ["UserDeleted"] },
    });
    const result = await target.write(
      envelopes([
        event("1", "UserCreated", { userId: "k1", v: 1 }),
        event("2", "UserCreated", { userId: "k2", v: 1 }),
        event("3", "UserUpdated", { userId: "k1", v: 2 }),
        event("4", "UserDeleted", { userId: "k2" }),
        event("5", "UserCreated", { userId: "k3", v: 1 }),
        event("6", "UserDeleted", { userId: "k3" }),
        event("7", "UserCreated", { userId: "k3", v: 3 }),
      ]),
    );
    expect(result.failures).toEqual([]);
    expect(await state(table)).toEqual({
      k1: { pk: "k1", userId: "k1", v: 2 },
      k3: { pk: "k3", userId: "k3", v: 3 },
    });
  });
});

test("an item DynamoDB rejects (over 400 KB) fails alone, not retryable; the rest of the batch is written", async () => {
  const table = await usersTable();
  const target = targetFor({ table, key: { pk: "$.detail.userId" } });
  const result = await target.write(
    envelopes([
      event("1", "UserCreated", { userId: "a" }),
      event("2", "UserCreated", { userId: "big", blob: "x".repeat(500_000) }),
      event("3", "UserCreated", { userId: "c" }),
    ]),
  );
  expect(result.failures.map((f) => [f.index, f.retryable, f.code])).toEqual([
    [1, false, "ValidationException"],
  ]);
  expect(Object.keys(await state(table)).sort()).toEqual(["a", "c"]);
});

describe("version guard", () => {
  test("older events never overwrite newer state, also when a run is repeated or overlaps", async () => {
    const table = await usersTable();
    const config = {
      table,
      key: { pk: "$.detail.userId" },
      ifNewer: "version",
      deleteWhen: { "detail-type": ["UserDeleted"] },
    };
    const all = [1, 2, 3, 4, 5].flatMap((version) =>
      ["a", "b"].map((userId) =>
        event(`${userId}${version}`, "UserUpdated", { userId, version, name: `${userId}-v${version}` }),
      ),
    );
    const first = await driveTarget(targetFor(config), envelopes(all));
    expect(first.counters).toMatchObject({ sent: 10, skipped: 0, failed: 0, retried: 0 });
    const after = await state(table);
    expect(after.a).toEqual({ pk: "a", userId: "a", version: 5, name: "a-v5" });
    // Re-run the first three versions (an overlapping run): nothing changes, nothing fails.
    const again = await driveTarget(targetFor(config), envelopes(all.slice(0, 6)));
    // Older (or equal) versions are refused by the guard: skipped, not sent, not failed.
    expect(again.counters).toMatchObject({ sent: 0, skipped: 6, failed: 0, retried: 0 });
    expect(await state(table)).toEqual(after);
    // In one batch, out of order: the highest version wins, as one-by-one application would leave.
    const mixed = await targetFor(config).write(
      envelopes([
        event("x1", "UserUpdated", { userId: "c", version: 3, name: "c3" }),
        event("x2", "UserUpdated", { userId: "c", version: 9, name: "c9" }),
        event("x3", "UserUpdated", { userId: "c", version: 4, name: "c4" }),
        event("x4", "UserDeleted", { userId: "a", version: 2 }),
        event("x5", "UserUpdated", { userId: "b" }),
      ]),
    );
    expect(mixed.failures.map((f) => [f.index, f.code])).toEqual([[4, "VersionMissing"]]);
    const final = await state(table);
    expect(final.c?.name).toBe("c9");
    expect(final.a?.version).toBe(5); // the older delete was skipped
    // A newer delete does delete.
    await targetFor(config).write(envelopes([event("x6", "UserDeleted", { userId: "a", version: 6 })]));
    expect((await state(table)).a).toBeUndefined();
  });
});

describe("check and plan", () => {
  test("check() confirms the key schema, and names what does not match", async () => {
    const table = await usersTable([
      { name: "pk", type: "S" },
      { name: "sk", type: "S" },
    ]);
    const good = await targetFor({ table, key: { pk: "$.detail.a", sk: "$.detail.b" } }).check();
    expect(good.ok).toBe(true);
    expect(good.details.join("\n")).toContain(
      "key schema matches the mapping: pk (partition key, S), sk (sort key, S)",
    );
    const bad = await targetFor({ table, key: { id: "$.detail.a" } }).check();
    expect(bad.ok).toBe(false);
    expect(bad.details.join("\n")).toContain("missing pk, sk; not key attributes: id");
    const missing = await targetFor({ table: "no-such-table", key: { pk: "$.id" } }).check();
    expect(missing).toEqual({ ok: false, details: ['table "no-such-table" does not exist'] });
  });

  test("plan() describes puts and deletes with their keys and writes nothing", async () => {
    const table = await usersTable();
    const target = targetFor({
      table,
      key: { pk: "$.detail.userId" },
      deleteWhen: { "detail-type": ["UserDeleted"] },
    });
    const planned = await target.plan(
      envelopes([
        event("1", "UserCreated", { userId: "a", n: 1 }),
        event("2", "UserDeleted", { userId: "b" }),
      ]),
    );
    expect(planned).toEqual([
      { index: 0, action: "put", destination: `${table}(pk=a)`, preview: { userId: "a", n: 1, pk: "a" } },
      { index: 1, action: "delete", destination: `${table}(pk=b)` },
    ]);
    expect(await scanAll(client, table)).toEqual([]);
  });
});

describe("under injected failures", () => {
  test("30% throttles and UnprocessedItems: nothing lost or reordered, failure counts exact", async () => {
    const table = await usersTable();
    const proxy = startDynamoDbFaultProxy(local.endpoint, {
      seed: 42,
      throttleRate: 0.3,
      unprocessedRate: 0.3,
    });
    try {
      const target = targetFor({ table, key: { pk: "$.detail.userId" }, endpoint: proxy.endpoint });
      // 40 keys, each updated 15 times, in global order: batches of 25 consecutive events hold
      // distinct keys, so the count of retried items equals what the proxy injected.
      const next = seeded(3);
      const all = Array.from({ length: 600 }, (_, i) =>
        event(`e${i}`, "UserUpdated", { userId: `u${i % 40}`, seq: i, noise: Math.floor(next() * 1000) }),
      );
      const { counters } = await driveTarget(target, envelopes(all), {
        order: { kind: "global" },
        retry: { maxAttempts: 30, baseDelayMs: 1, maxDelayMs: 5 },
      });
      expect(counters).toMatchObject({ failed: 0, sent: 600 });
      expect(counters.retried).toBe(proxy.counts.unprocessedItems + proxy.counts.throttledItems);
      expect(counters.throttled).toBe(counters.retried);
      expect(proxy.counts.throttledRequests).toBeGreaterThan(0);
      expect(proxy.counts.unprocessedItems).toBeGreaterThan(0);
      // The last event of every key is what is stored (nothing older overtook it).
      const final = await state(table);
      for (let k = 0; k < 40; k++) expect(final[`u${k}`]?.seq).toBe(560 + k);
      expect(Object.keys(final).length).toBe(40);
    } finally {
      proxy.stop();
    }
  });
});
