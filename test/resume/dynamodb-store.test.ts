/** The DynamoDB checkpoint store against DynamoDB Local: round trip and conditional ownership. */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDbCheckpointStore } from "../../src/engine/checkpoint/dynamodb-store.ts";
import {
  CHECKPOINT_FORMAT_VERSION,
  CHECKPOINT_KIND,
  type CheckpointDocument,
  emptyCounters,
} from "../../src/engine/checkpoint/format.ts";
import { CheckpointOwnershipError, openCheckpointStore } from "../../src/engine/checkpoint/store.ts";
import {
  createTable,
  DYNAMODB_LOCAL_HOOK_TIMEOUT_MS,
  dynamoDbLocal,
  uniqueTableName,
  useLocalAwsEnv,
} from "../services/dynamodb-local.ts";
import { FIXTURE_PLUGINS, readLedger, runCliToEnd, writeOrderEvents } from "./harness.ts";

let client: DynamoDBClient;
let restoreEnv: () => void;
let table: string;

beforeAll(async () => {
  const local = await dynamoDbLocal();
  restoreEnv = useLocalAwsEnv(local.endpoint);
  client = local.client();
  table = uniqueTableName("checkpoints");
  await createTable(client, table, [{ name: "pk", type: "S" }]);
}, DYNAMODB_LOCAL_HOOK_TIMEOUT_MS);

afterAll(() => {
  restoreEnv?.();
  client?.destroy();
});

const doc = (rev: number, cursor: number): CheckpointDocument => ({
  kind: CHECKPOINT_KIND,
  formatVersion: CHECKPOINT_FORMAT_VERSION,
  toolVersion: "test",
  identity: { hash: "h", parts: {} },
  cursor: { offset: cursor },
  counters: emptyCounters([]),
  inFlight: 0,
  startedAt: "2024-01-01T00:00:00Z",
  savedAt: "2024-01-01T00:00:00Z",
  attempts: 1,
  done: false,
  rev,
});

test("dynamodb://table/id: a saved checkpoint loads back; a second owner's save is refused", async () => {
  const first = await openCheckpointStore(`dynamodb://${table}/run-1`, { baseDir: "/", aws: {} });
  expect(first).toBeInstanceOf(DynamoDbCheckpointStore);
  expect(await first.load()).toBeUndefined();
  await first.save(doc(1, 10));
  const second = new DynamoDbCheckpointStore(table, "run-1", {});
  expect((await second.load())?.cursor).toEqual({ offset: 10 });
  await first.save(doc(2, 20));
  // `second` loaded rev 1; rev 2 was written since: it does not own the checkpoint any more.
  await expect(second.save(doc(2, 99))).rejects.toBeInstanceOf(CheckpointOwnershipError);
  // A store that never loaded may not overwrite an existing item either.
  await expect(new DynamoDbCheckpointStore(table, "run-1", {}).save(doc(1, 5))).rejects.toThrow(
    /another run has written this checkpoint/,
  );
  const reader = new DynamoDbCheckpointStore(table, "run-1", {});
  expect((await reader.load())?.cursor).toEqual({ offset: 20 });
  await expect(new DynamoDbCheckpointStore("no-such-table", "x", {}).load()).rejects.toThrow(
    /table "no-such-table" does not exist \(create it with a string partition key named "pk"\)/,
  );
  for (const store of [first, second, reader]) (store as DynamoDbCheckpointStore).close();
});

test("the CLI keeps a shard's checkpoint in DynamoDB (--resume=auto, {shard}) and exits when done", async () => {
  const dir = mkdtempSync(join(tmpdir(), "rehydrate-ddb-checkpoint-"));
  try {
    writeOrderEvents(dir, { files: 2, perFile: 40, keys: 4, seed: 2 });
    const args = [
      "run",
      "--from",
      "file:events-*.ndjson",
      "--to",
      "ledger:ledger.log",
      "--plugin-dir",
      FIXTURE_PLUGINS,
      "--shard",
      "auto",
      "--checkpoint",
      `dynamodb://${table}/orders-{shard}`,
      "--resume=auto",
      "--report",
      "report.json",
    ];
    const env = { JOB_COMPLETION_INDEX: "1", REHYDRATE_SHARD_COUNT: "2", RUN_TAG: "a" };
    const started = performance.now();
    const first = await runCliToEnd(args, env, dir);
    expect(first.code).toBe(0);
    // The DynamoDB client is closed: the process does not linger on open sockets.
    expect(performance.now() - started).toBeLessThan(15_000);
    const stored = await new DynamoDbCheckpointStore(table, "orders-2-of-2", {}).load();
    expect(stored).toMatchObject({ done: true, shard: { index: 1, count: 2 }, counters: { read: 40 } });
    // A rerun of the same shard (a replaced pod) resumes the finished checkpoint: nothing more.
    const second = await runCliToEnd(args, { ...env, RUN_TAG: "b" }, dir);
    expect(second.code).toBe(0);
    const report = JSON.parse(readFileSync(join(dir, "report.json"), "utf8"));
    expect(report.checkpoint.resumed.previousAttempts).toBe(1);
    expect(report.source.read).toBe(40);
    expect(readLedger(join(dir, "ledger.log")).filter((d) => d.tag === "b")).toHaveLength(0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 60_000);
