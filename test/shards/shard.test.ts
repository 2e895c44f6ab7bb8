/**
 * The shard test: one run split into 4 shards in 4 processes (`--shard i/4`), against the same
 * run in one process.
 * - file → SQLite, split by sorted input (each key in one file here): same table, and the
 *   merged report has the single run's counts;
 * - file → SQLite with --order-key over keys that span files, in the key-hash mode: every shard
 *   reads everything and keeps its keys, so per-key order holds in every shard and each key is
 *   written by exactly one shard;
 * - DynamoDB Local → DynamoDB Local, a Scan split by segment (not key-aligned) into a
 *   version-guarded table: same table, same counts.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { putItems } from "../../plugins/dynamodb/test-support.ts";
import {
  dynamoItems,
  FIXTURE_PLUGINS,
  type OrderEvent,
  readLedger,
  runCliToEnd,
  sqliteRows,
  writeOrderEvents,
} from "../resume/harness.ts";
import {
  createTable,
  DYNAMODB_LOCAL_HOOK_TIMEOUT_MS,
  dynamoDbLocal,
  uniqueTableName,
  useLocalAwsEnv,
} from "../services/dynamodb-local.ts";

const SHARDS = 4;
let client: DynamoDBClient;
let restoreEnv: () => void;
const root = mkdtempSync(join(tmpdir(), "rehydrate-shards-"));

beforeAll(async () => {
  const local = await dynamoDbLocal();
  restoreEnv = useLocalAwsEnv(local.endpoint);
  client = local.client();
}, DYNAMODB_LOCAL_HOOK_TIMEOUT_MS);

afterAll(() => {
  restoreEnv?.();
  client?.destroy();
  rmSync(root, { recursive: true, force: true });
});

interface Report {
  status: string;
  source: { read: number; invalid: number };
  filter: { matched: number; unmatched: number };
  targets: Array<{ name: string; sent: number; skipped: number; failed: number; selected: number }>;
  shard?: { index: number; count: number; mode: string };
  shards?: { count: number; merged: number[]; missing: number[] };
}

const readReport = (path: string): Report => JSON.parse(readFileSync(path, "utf8"));

/** Runs `args` once whole and as 4 shards in parallel processes; merges the shards' reports. */
async function singleAndSharded(dir: string, args: (tag: string) => string[], extra: string[] = []) {
  const single = await runCliToEnd(
    [...args("single"), "--report", join(dir, "single.json")],
    { RUN_TAG: "single" },
    dir,
  );
  expect(single.code).toBe(0);
  const started = performance.now();
  const shards = await Promise.all(
    Array.from({ length: SHARDS }, (_, i) =>
      runCliToEnd(
        [
          ...args(`s${i + 1}`),
          "--shard",
          `${i + 1}/${SHARDS}`,
          ...extra,
          "--report",
          join(dir, "shard-{shard}.json"),
        ],
        { RUN_TAG: `s${i + 1}` },
        dir,
      ),
    ),
  );
  const shardedMs = performance.now() - started;
  for (const shard of shards) expect(shard.stderr).toContain("completed");
  const reports = Array.from({ length: SHARDS }, (_, i) => join(dir, `shard-${i + 1}-of-${SHARDS}.json`));
  const merge = await runCliToEnd(["report", "merge", ...reports, "--output", join(dir, "merged.json")]);
  expect(merge.code).toBe(0);
  return {
    single: readReport(join(dir, "single.json")),
    merged: readReport(join(dir, "merged.json")),
    shards: reports.map(readReport),
    shardedMs,
  };
}

function expectSameCounts(merged: Report, single: Report): void {
  expect(merged.status).toBe("completed");
  expect(merged.source.read).toBe(single.source.read);
  expect(merged.filter.matched).toBe(single.filter.matched);
  expect(merged.filter.unmatched).toBe(single.filter.unmatched);
  for (const [i, target] of merged.targets.entries()) {
    const whole = single.targets[i]!;
    expect(target.selected).toBe(whole.selected);
    expect(target.sent + target.skipped).toBe(whole.sent + whole.skipped);
    expect(target.failed).toBe(0);
  }
}

describe(`a run split into ${SHARDS} shards in ${SHARDS} processes`, () => {
  test("file → SQLite, split by sorted input: the same table and the single run's counts", async () => {
    const dir = join(root, "files");
    mkdirSync(dir);
    // Each key lives in one file: the split by file is key-aligned by construction of the data.
    writeOrderEvents(dir, { files: 8, perFile: 150, keys: 10, seed: 3, keyPerFile: true });
    const pipeline = (db: string) => {
      const file = join(dir, `${db}.yaml`);
      writeFileSync(
        file,
        `source: file:events-*.ndjson
pattern: { source: [shop] }
targets:
  - uri: sqlite:${db}.db#orders
    createTable: true
    key: { order_id: $.detail.orderId }
    columns: { seq: $.detail.seq, status: $.detail.status, version: $.detail.version }
`,
      );
      return file;
    };
    const { single, merged, shards } = await singleAndSharded(dir, (tag) => [
      "run",
      pipeline(tag === "single" ? "single" : "sharded"),
    ]);
    expectSameCounts(merged, single);
    expect(shards.map((r) => r.shard)).toEqual(
      [1, 2, 3, 4].map((index) => ({ index, count: SHARDS, mode: "split" })),
    );
    // Every shard did a part of the work.
    for (const shard of shards) expect(shard.filter.matched).toBeGreaterThan(0);
    expect(sqliteRows(join(dir, "sharded.db"), "orders")).toEqual(
      sqliteRows(join(dir, "single.db"), "orders"),
    );
  }, 120_000);

  test("file → SQLite with --order-key, key-hash shards: per-key order holds in every shard", async () => {
    const dir = join(root, "key-hash");
    mkdirSync(dir);
    // Keys span every file: a split by file would break their order, so it is refused.
    const { events } = writeOrderEvents(dir, { files: 4, perFile: 150, keys: 25, seed: 5 });
    const byId = new Map<string, OrderEvent>(events.map((e) => [e.id, e]));
    const tableFile = (name: string) => {
      const file = join(dir, `${name}.yaml`);
      writeFileSync(
        file,
        `targets:
  - uri: sqlite:${name}.db#orders
    createTable: true
    key: { order_id: $.detail.orderId }
    columns: { seq: $.detail.seq, version: $.detail.version }
  - ledger:ledger.log
`,
      );
      return file;
    };
    const run = (tag: string) => [
      "run",
      tableFile(tag === "single" ? "single" : "sharded"),
      "--from",
      "file:events-*.ndjson",
      "--pattern",
      '{"source":["shop"]}',
      "--order-key",
      "detail.orderId",
      "--plugin-dir",
      FIXTURE_PLUGINS,
    ];
    const refused = await runCliToEnd([...run("s1"), "--shard", "1/4"], { RUN_TAG: "refused" }, dir);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("give --shard-mode key-hash");
    const { single, merged, shards } = await singleAndSharded(dir, run, ["--shard-mode", "key-hash"]);
    expectSameCounts(merged, single);
    for (const shard of shards) {
      expect(shard.shard?.mode).toBe("key-hash");
      // Every shard read everything.
      expect(shard.source.read).toBe(events.length);
    }
    expect(sqliteRows(join(dir, "sharded.db"), "orders")).toEqual(
      sqliteRows(join(dir, "single.db"), "orders"),
    );

    // Per-key order: in every shard, each key's events arrive in increasing version, all of them,
    // and each key belongs to exactly one shard.
    const deliveries = readLedger(join(dir, "ledger.log")).filter((d) => /^s\d$/.test(d.tag));
    const owner = new Map<string, string>();
    const lastVersion = new Map<string, number>();
    for (const d of deliveries) {
      const event = byId.get(d.id)!;
      const key = event.detail.orderId;
      expect(owner.get(key) ?? d.tag).toBe(d.tag);
      owner.set(key, d.tag);
      expect(event.detail.version).toBeGreaterThan(lastVersion.get(key) ?? 0);
      lastVersion.set(key, event.detail.version);
    }
    const matched = events.filter((e) => e.source === "shop");
    expect(deliveries).toHaveLength(matched.length);
    expect(new Set(owner.values()).size).toBe(SHARDS);
  }, 120_000);

  test("DynamoDB Local → DynamoDB Local, Scan segments split across shards into a version-guarded table", async () => {
    const dir = join(root, "dynamodb");
    mkdirSync(dir);
    const source = uniqueTableName("shard-source");
    await createTable(client, source, [
      { name: "pk", type: "S" },
      { name: "sk", type: "N" },
    ]);
    const { events } = writeOrderEvents(dir, { files: 1, perFile: 160, keys: 20, seed: 9 });
    await putItems(
      client,
      source,
      events.map((e) => ({
        pk: { S: e.detail.orderId },
        sk: { N: String(e.detail.version) },
        version: { S: "0" },
        id: { S: e.id },
        "detail-type": { S: "Order Changed" },
        source: { S: e.source },
        account: { S: "123456789012" },
        time: { S: "2024-01-01T00:00:00Z" },
        region: { S: "us-east-1" },
        resources: { L: [] },
        detail: {
          M: {
            orderId: { S: e.detail.orderId },
            version: { N: String(e.detail.version) },
            status: { S: e.detail.status },
          },
        },
      })),
    );
    const targets = { single: uniqueTableName("shard-single"), sharded: uniqueTableName("shard-sharded") };
    for (const table of Object.values(targets)) await createTable(client, table, [{ name: "pk", type: "S" }]);
    const pipeline = (name: "single" | "sharded") => {
      const file = join(dir, `${name}.yaml`);
      writeFileSync(
        file,
        `source: { uri: "dynamodb:${source}", segments: 8 }
pattern: { source: [shop] }
targets:
  - uri: dynamodb:${targets[name]}
    key: { pk: $.detail.orderId }
    attributes: { version: $.detail.version, status: $.detail.status }
    ifNewer: version
`,
      );
      return file;
    };
    const { single, merged, shards } = await singleAndSharded(dir, (tag) => [
      "run",
      pipeline(tag === "single" ? "single" : "sharded"),
    ]);
    expectSameCounts(merged, single);
    expect(merged.source.read).toBe(events.length);
    for (const shard of shards) {
      expect(shard.shard?.mode).toBe("split");
      expect(shard.source.read).toBeGreaterThan(0);
    }
    expect(await dynamoItems(client, targets.sharded)).toEqual(await dynamoItems(client, targets.single));
  }, 120_000);
});
