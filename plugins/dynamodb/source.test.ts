import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { AttributeValue, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  createTable,
  DYNAMODB_LOCAL_HOOK_TIMEOUT_MS,
  type DynamoDbLocal,
  dynamoDbLocal,
  uniqueTableName,
  useLocalAwsEnv,
} from "../../test/services/dynamodb-local.ts";
import { canonicalDecimal, exactNumber } from "./attribute-values.ts";
import { putItems, readAll, seeded, sourceFor } from "./test-support.ts";

let local: DynamoDbLocal;
let client: DynamoDBClient;
let restoreEnv: () => void;
/** Table with pk (S) + sk (S, an ISO time), a GSI by type/time, and 600 items. */
let events: string;
/** Items as written: pk, sk(time), id, type. */
const written: Array<{ pk: string; time: string; id: string; type: string; amount: number }> = [];

beforeAll(async () => {
  local = await dynamoDbLocal();
  restoreEnv = useLocalAwsEnv(local.endpoint);
  client = local.client();
  events = uniqueTableName("source");
  await createTable(
    client,
    events,
    [
      { name: "pk", type: "S" },
      { name: "time", type: "S" },
    ],
    {
      AttributeDefinitions: [{ AttributeName: "type", AttributeType: "S" }],
      GlobalSecondaryIndexes: [
        {
          IndexName: "by-type",
          KeySchema: [
            { AttributeName: "type", KeyType: "HASH" },
            { AttributeName: "time", KeyType: "RANGE" },
          ],
          Projection: { ProjectionType: "ALL" },
        },
      ],
    },
  );
  const next = seeded(7);
  for (let i = 0; i < 600; i++) {
    const time = new Date(Date.UTC(2024, 0, 1) + Math.floor(next() * 86_400 * 30) * 1000).toISOString();
    written.push({
      pk: `ORDER#${i % 12}`,
      time,
      id: `e${i}`,
      type: i % 3 === 0 ? "Placed" : "Shipped",
      amount: i,
    });
  }
  // Same time within one partition would collide on the key: keep the last, as DynamoDB does.
  const unique = new Map(written.map((w) => [`${w.pk}|${w.time}`, w]));
  written.splice(0, written.length, ...unique.values());
  await putItems(
    client,
    events,
    written.map((w) => ({
      pk: { S: w.pk },
      time: { S: w.time },
      id: { S: w.id },
      type: { S: w.type },
      amount: { N: String(w.amount) },
    })),
  );
}, DYNAMODB_LOCAL_HOOK_TIMEOUT_MS);
afterAll(() => restoreEnv?.());

describe("scan", () => {
  test("parallel segments read every item exactly once, unordered, with table#pk#sk positions", async () => {
    const source = sourceFor({ table: events, segments: 4, pageSize: 50 });
    expect(source.ordered).toBe(false);
    const records = await readAll(source);
    expect(records.length).toBe(written.length);
    const positions = records.map((r) => r.position);
    expect(new Set(positions).size).toBe(written.length);
    expect(positions.sort()).toEqual(written.map((w) => `${events}#${w.pk}#${w.time}`).sort());
    const one = records.find((r) => r.position === `${events}#${written[0]!.pk}#${written[0]!.time}`)!;
    expect(one.value).toEqual({ ...written[0]! });
  });

  test("projection reads only the named attributes plus the key", async () => {
    const records = await readAll(sourceFor({ table: events, projection: ["id"], segments: 2 }));
    expect(records.length).toBe(written.length);
    for (const r of records) expect(Object.keys(r.value as object).sort()).toEqual(["id", "pk", "time"]);
  });

  test("since/until on a non-key attribute become a filter (since inclusive, until exclusive)", async () => {
    const times = written.map((w) => w.time).sort();
    const since = times[100]!;
    const until = times[300]!;
    const records = await readAll(
      sourceFor({
        table: events,
        index: "by-type",
        timeAttribute: "time",
        since,
        until,
        consistentRead: false,
      }),
    );
    const expected = written.filter((w) => w.time >= since && w.time < until);
    expect(expected.length).toBeGreaterThan(0);
    expect(records.map((r) => (r.value as { id: string }).id).sort()).toEqual(
      expected.map((w) => w.id).sort(),
    );
  });

  test("sortBy yields the whole table in order through the external sort (spilling small runs)", async () => {
    const source = sourceFor({ table: events, segments: 3, sortBy: ["time", "id"], sortRunSize: 64 });
    expect(source.ordered).toBe(true);
    const records = await readAll(source);
    const expected = [...written].sort((a, b) =>
      a.time < b.time ? -1 : a.time > b.time ? 1 : a.id < b.id ? -1 : 1,
    );
    expect(records.map((r) => (r.value as { id: string }).id)).toEqual(expected.map((w) => w.id));
  });
});

describe("query", () => {
  test("reads one partition in ascending sort-key order", async () => {
    const source = sourceFor({ table: events, query: { pk: "ORDER#5" }, consistentRead: true, pageSize: 7 });
    expect(source.ordered).toBe(true);
    const records = await readAll(source);
    const expected = written.filter((w) => w.pk === "ORDER#5").sort((a, b) => (a.time < b.time ? -1 : 1));
    expect(records.map((r) => (r.value as { time: string }).time)).toEqual(expected.map((w) => w.time));
  });

  test("since/until on the sort key go into the key condition; until stays exclusive", async () => {
    const partition = written.filter((w) => w.type === "Placed").sort((a, b) => (a.time < b.time ? -1 : 1));
    const since = partition[5]!.time;
    const until = partition[25]!.time;
    const records = await readAll(
      sourceFor({
        table: events,
        index: "by-type",
        query: { type: "Placed" },
        timeAttribute: "time",
        since,
        until,
      }),
    );
    expect(records.map((r) => (r.value as { id: string }).id)).toEqual(
      partition.slice(5, 25).map((w) => w.id),
    );
  });

  test("a query on an attribute that is not the partition key is an error naming it", async () => {
    await expect(readAll(sourceFor({ table: events, query: { type: "Placed" } }))).rejects.toThrow(
      /"type" is not the partition key of table .* \(it is "pk"\)/,
    );
  });
});

describe("values", () => {
  test("numbers beyond double precision stay exact as strings; sets, binary and nesting become JSON", async () => {
    const table = uniqueTableName("numbers");
    await createTable(client, table, [{ name: "pk", type: "N" }]);
    const item: Record<string, AttributeValue> = {
      pk: { N: "12345678901234567890123" },
      big: { N: "9007199254740993" },
      safe: { N: "9007199254740991" },
      decimal: { N: "0.1" },
      precise: { N: "3.14159265358979323846264338327950288" },
      negative: { N: "-42" },
      set: { NS: ["1", "123456789012345678901234567890"] },
      strings: { SS: ["a", "b"] },
      bytes: { B: new Uint8Array([1, 2, 3]) },
      nested: { M: { list: { L: [{ N: "1" }, { NULL: true }, { BOOL: false }] } } },
    };
    await putItems(client, table, [item]);
    const [record] = await readAll(sourceFor({ table }));
    expect(record!.position).toBe(`${table}#12345678901234567890123`);
    const value = record!.value as Record<string, unknown>;
    expect(value).toEqual({
      pk: "12345678901234567890123",
      big: "9007199254740993",
      safe: 9007199254740991,
      decimal: 0.1,
      precise: "3.14159265358979323846264338327950288",
      negative: -42,
      set: expect.arrayContaining([1, "123456789012345678901234567890"]),
      strings: expect.arrayContaining(["a", "b"]),
      bytes: "AQID",
      nested: { list: [1, null, false] },
    });
  });

  test("exactNumber keeps a number only when the double is exactly the decimal", () => {
    expect(exactNumber("1E+2")).toBe(100);
    expect(exactNumber("1.5")).toBe(1.5);
    expect(exactNumber("0.30000000000000004")).toBe(0.30000000000000004);
    expect(exactNumber("0.3000000000000000444")).toBe("0.3000000000000000444");
    expect(exactNumber("1e400")).toBe("1e400");
    expect(canonicalDecimal("-0012.500e1")).toBe("-125e0");
  });
});

describe("read budget and errors", () => {
  test("maxItemsPerSecond slows the read to the budget", async () => {
    const started = performance.now();
    const records = await readAll(
      sourceFor({ table: events, segments: 2, pageSize: 50, maxItemsPerSecond: 400 }),
    );
    const seconds = (performance.now() - started) / 1000;
    expect(records.length).toBe(written.length);
    // One second of burst (400), the rest at 400/s.
    expect(seconds).toBeGreaterThan((written.length - 400) / 400 - 0.15);
  });

  test("maxReadUnitsPerSecond is charged from ConsumedCapacity", async () => {
    const started = performance.now();
    const records = await readAll(
      sourceFor({ table: events, segments: 1, pageSize: 100, maxReadUnitsPerSecond: 3 }),
    );
    const seconds = (performance.now() - started) / 1000;
    expect(records.length).toBe(written.length);
    expect(seconds).toBeGreaterThan(0.4);
  });

  test("a missing table and an unknown index are errors naming them", async () => {
    await expect(readAll(sourceFor({ table: "no-such-table" }))).rejects.toThrow(
      /table "no-such-table" does not exist/,
    );
    await expect(readAll(sourceFor({ table: events, index: "nope" }))).rejects.toThrow(
      /has no index "nope" \(indexes: by-type\)/,
    );
  });
});
