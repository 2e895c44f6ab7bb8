/**
 * End to end through `rehydrate run` (in-process CLI) against DynamoDB Local: file → DynamoDB,
 * DynamoDB (scan, sorted) → file, DynamoDB → DynamoDB with a mapping, dry run, version guard
 * under a re-run, and exact report counts under injected faults.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AttributeValue, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { itemToJson } from "../../plugins/dynamodb/attribute-values.ts";
import { putItems, scanAll, seeded } from "../../plugins/dynamodb/test-support.ts";
import { startDynamoDbFaultProxy } from "../services/dynamodb-fault-proxy.ts";
import {
  createTable,
  DYNAMODB_LOCAL_HOOK_TIMEOUT_MS,
  type DynamoDbLocal,
  dynamoDbLocal,
  uniqueTableName,
  useLocalAwsEnv,
} from "../services/dynamodb-local.ts";
import { runCli } from "../support/cli.ts";

let local: DynamoDbLocal;
let client: DynamoDBClient;
let restoreEnv: () => void;
let dir: string;

beforeAll(async () => {
  local = await dynamoDbLocal();
  restoreEnv = useLocalAwsEnv(local.endpoint);
  client = local.client();
  dir = mkdtempSync(join(tmpdir(), "rh-dynamodb-e2e-"));
}, DYNAMODB_LOCAL_HOOK_TIMEOUT_MS);
afterAll(() => {
  restoreEnv?.();
  rmSync(dir, { recursive: true, force: true });
});

/** User events: created/renamed per user, and some deletions. */
function userEvents(count: number, users = 10): object[] {
  return Array.from({ length: count }, (_, i) => {
    const userId = `u${i % users}`;
    const deleted = i % 10 === 3 && i >= 90;
    return {
      version: "0",
      id: `evt-${i}`,
      "detail-type": deleted ? "UserDeleted" : i < 10 ? "UserCreated" : "UserRenamed",
      source: "test.users",
      account: "123456789012",
      time: new Date(Date.UTC(2024, 0, 1, 0, 0, i)).toISOString(),
      region: "us-east-1",
      resources: [],
      detail: { userId, name: `name-${i}`, version: i },
    };
  });
}

function writeFile(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function pipeline(name: string, spec: object): string {
  return writeFile(name, JSON.stringify(spec, null, 2));
}

async function tableState(table: string): Promise<Record<string, Record<string, unknown>>> {
  const items = (await scanAll(client, table)).map(itemToJson);
  return Object.fromEntries(items.map((item) => [String(item.pk), item]));
}

/** What applying the events one by one leaves: the oracle. */
function expectedUsers(events: object[]): Record<string, Record<string, unknown>> {
  const state: Record<string, Record<string, unknown>> = {};
  for (const e of events as Array<{
    "detail-type": string;
    detail: { userId: string; name: string; version: number };
  }>) {
    if (e["detail-type"] === "UserDeleted") delete state[e.detail.userId];
    else state[e.detail.userId] = { pk: e.detail.userId, name: e.detail.name, version: e.detail.version };
  }
  return state;
}

const usersTarget = (table: string, extra: object = {}) => ({
  uri: `dynamodb:${table}`,
  key: { pk: "$.detail.userId" },
  attributes: { name: "$.detail.name", version: "$.detail.version" },
  deleteWhen: { "detail-type": ["UserDeleted"] },
  ...extra,
});

describe("rehydrate run with DynamoDB", () => {
  test("file → DynamoDB: the table ends as applying the events in order would leave it", async () => {
    const table = uniqueTableName("e2e-users");
    await createTable(client, table, [{ name: "pk", type: "S" }]);
    const events = userEvents(100);
    const input = writeFile("users.ndjson", events.map((e) => JSON.stringify(e)).join("\n") + "\n");
    const report = join(dir, "file-to-ddb.json");
    const file = pipeline("file-to-ddb.json", { source: input, targets: [usersTarget(table)], report });
    const { code, stderr } = await runCli(["run", file]);
    expect(stderr).toContain("completed");
    expect(code).toBe(0);
    expect(await tableState(table)).toEqual(expectedUsers(events));
    const json = JSON.parse(readFileSync(report, "utf8"));
    expect(json.targets[0]).toMatchObject({ sent: 100, failed: 0, retried: 0 });
  });

  test("dry run: checks and plans, writes nothing", async () => {
    const table = uniqueTableName("e2e-dry");
    await createTable(client, table, [{ name: "pk", type: "S" }]);
    const input = writeFile(
      "dry.ndjson",
      userEvents(20)
        .map((e) => JSON.stringify(e))
        .join("\n"),
    );
    const report = join(dir, "dry.json");
    const file = pipeline("dry-run.json", {
      source: input,
      targets: [usersTarget(table)],
      report,
      dryRun: true,
    });
    const { code, stderr } = await runCli(["run", file]);
    expect(code).toBe(0);
    expect(stderr).toContain(`${table}(pk=u0)`);
    expect(await scanAll(client, table)).toEqual([]);
    const json = JSON.parse(readFileSync(report, "utf8"));
    expect(json.targets[0]).toMatchObject({ sent: 0, planned: 20 });
    expect(json.targets[0].check.ok).toBe(true);
  });

  test("a key mapping that does not fit the table fails the check before anything is written", async () => {
    const table = uniqueTableName("e2e-badkey");
    await createTable(client, table, [{ name: "id", type: "S" }]);
    const input = writeFile(
      "bad.ndjson",
      userEvents(3)
        .map((e) => JSON.stringify(e))
        .join("\n"),
    );
    const file = pipeline("bad-key.json", { source: input, targets: [usersTarget(table)] });
    const { code, stderr } = await runCli(["run", file]);
    expect(code).not.toBe(0);
    expect(stderr).toContain("missing id; not key attributes: pk");
    expect(await scanAll(client, table)).toEqual([]);
  });

  test("version guard: re-running older events changes nothing and fails nothing", async () => {
    const table = uniqueTableName("e2e-guard");
    await createTable(client, table, [{ name: "pk", type: "S" }]);
    const events = userEvents(60);
    const all = writeFile("guard-all.ndjson", events.map((e) => JSON.stringify(e)).join("\n"));
    const older = writeFile(
      "guard-old.ndjson",
      events
        .slice(0, 30)
        .map((e) => JSON.stringify(e))
        .join("\n"),
    );
    const target = usersTarget(table, { ifNewer: "version" });
    expect((await runCli(["run", pipeline("guard1.json", { source: all, targets: [target] })])).code).toBe(0);
    const after = await tableState(table);
    expect(after).toEqual(expectedUsers(events));
    const report = join(dir, "guard2-report.json");
    const second = await runCli([
      "run",
      pipeline("guard2.json", { source: older, targets: [target], report }),
    ]);
    expect(second.code).toBe(0);
    expect(await tableState(table)).toEqual(after);
    // Older events refused by the version guard are skipped: settled, neither sent nor failed.
    expect(JSON.parse(readFileSync(report, "utf8")).targets[0]).toMatchObject({
      sent: 0,
      skipped: 30,
      failed: 0,
    });
  });

  test("DynamoDB scan sorted by time → file, through the envelope mapping", async () => {
    const table = uniqueTableName("e2e-audit");
    await createTable(client, table, [
      { name: "pk", type: "S" },
      { name: "sk", type: "S" },
    ]);
    const next = seeded(11);
    const items: Array<Record<string, AttributeValue>> = Array.from({ length: 300 }, (_, i) => {
      const at = new Date(Date.UTC(2024, 4, 1) + Math.floor(next() * 1e6) * 1000).toISOString();
      return {
        pk: { S: `ORDER#${i % 7}` },
        sk: { S: `${at}#${i}` },
        eventId: { S: `e${String(i).padStart(4, "0")}` },
        createdAt: { S: at },
        type: { S: i % 2 ? "Order Placed" : "Order Shipped" },
        payload: { M: { orderId: { S: `o${i % 7}` }, amount: { N: "12345678901234567890.5" } } },
      };
    });
    await putItems(client, table, items);
    const out = join(dir, "audit.ndjson");
    const file = pipeline("ddb-to-file.json", {
      source: { uri: `dynamodb:${table}`, segments: 3, sortBy: ["createdAt", "eventId"], sortRunSize: 50 },
      envelope: {
        id: "$.eventId",
        time: "$.createdAt",
        source: { const: "shop.orders" },
        "detail-type": "$.type",
        detail: "$.payload",
      },
      pattern: { "detail-type": ["Order Placed"] },
      targets: [`file:${out}`],
    });
    const { code, stderr } = await runCli(["run", file]);
    expect(stderr).toContain("completed");
    expect(code).toBe(0);
    const lines = readFileSync(out, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    const expected = items
      .filter((i) => i.type!.S === "Order Placed")
      .map((i) => ({ id: i.eventId!.S!, time: i.createdAt!.S! }))
      .sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : a.id < b.id ? -1 : 1));
    expect(lines.map((e) => e.id)).toEqual(expected.map((e) => e.id));
    expect(lines[0].source).toBe("shop.orders");
    expect(lines[0].detail.amount).toBe("12345678901234567890.5");
  });

  test("DynamoDB → DynamoDB: copy with a mapping", async () => {
    const from = uniqueTableName("e2e-copy-from");
    const to = uniqueTableName("e2e-copy-to");
    await createTable(client, from, [{ name: "pk", type: "S" }]);
    await createTable(client, to, [{ name: "id", type: "S" }]);
    await putItems(
      client,
      from,
      Array.from({ length: 120 }, (_, i) => ({
        pk: { S: `k${i}` },
        name: { S: `n${i}` },
        score: { N: String(i * 1.5) },
        source: { S: "copy.test" },
        "detail-type": { S: "Row" },
        detail: { M: { name: { S: `n${i}` }, score: { N: String(i * 1.5) } } },
      })),
    );
    const file = pipeline("ddb-to-ddb.json", {
      source: { uri: `dynamodb:${from}`, segments: 2 },
      targets: [
        {
          uri: `dynamodb:${to}`,
          key: { id: "$.detail.name" },
          attributes: { points: "$.detail.score", from: "$.source" },
        },
      ],
    });
    const { code, stderr } = await runCli(["run", file]);
    expect(stderr).toContain("completed");
    expect(code).toBe(0);
    const copied = (await scanAll(client, to)).map(itemToJson);
    expect(copied.length).toBe(120);
    expect(copied.find((c) => c.id === "n7")).toEqual({ id: "n7", points: 10.5, from: "copy.test" });
  });

  test("through the fault proxy: every event lands, in order, and the report counts every retry", async () => {
    const table = uniqueTableName("e2e-faults");
    await createTable(client, table, [{ name: "pk", type: "S" }]);
    const proxy = startDynamoDbFaultProxy(local.endpoint, {
      seed: 9,
      throttleRate: 0.15,
      unprocessedRate: 0.15,
    });
    try {
      // 30 users in global order: a batch (≤ 25 consecutive events) never names a key twice, so
      // the events the report counts as retried are exactly the items the proxy failed (no
      // collapsing). (The default, per-row-key lanes, may batch several events of one key.)
      const events = userEvents(100, 30).map((e) => ({ ...e, "detail-type": "UserRenamed" }));
      const input = writeFile("faults.ndjson", events.map((e) => JSON.stringify(e)).join("\n"));
      const report = join(dir, "faults.json");
      const file = pipeline("faults.json", {
        source: input,
        targets: [usersTarget(table, { endpoint: proxy.endpoint })],
        order: "global",
        report,
      });
      const { code } = await runCli(["run", file]);
      expect(code).toBe(0);
      expect(await tableState(table)).toEqual(expectedUsers(events));
      const target = JSON.parse(readFileSync(report, "utf8")).targets[0];
      const injected = proxy.counts.unprocessedItems + proxy.counts.throttledItems;
      expect(injected).toBeGreaterThan(0);
      expect(target).toMatchObject({ sent: 100, failed: 0, retried: injected, throttled: injected });
    } finally {
      proxy.stop();
    }
  });
});
