/** The DynamoDB checkpoint store against DynamoDB Local: round trip and conditional ownership. */
import { afterAll, beforeAll, expect, test } from "bun:test";
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
