/** The conformance kit on the `dynamodb` target and source, against DynamoDB Local. */
import { afterAll, beforeAll } from "bun:test";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { itemToJson } from "../../plugins/dynamodb/attribute-values.ts";
import { putItems, scanAll, sourceFor, targetFor } from "../../plugins/dynamodb/test-support.ts";
import {
  conformanceEvents,
  sourceConformance,
  targetConformance,
  testHost,
} from "../../src/sdk/testing/index.ts";
import {
  createTable,
  DYNAMODB_LOCAL_HOOK_TIMEOUT_MS,
  type DynamoDbLocal,
  dynamoDbLocal,
  uniqueTableName,
  useLocalAwsEnv,
} from "../services/dynamodb-local.ts";

let local: DynamoDbLocal;
let client: DynamoDBClient;
let restoreEnv: (() => void) | undefined;
beforeAll(async () => {
  local = await dynamoDbLocal();
  restoreEnv = useLocalAwsEnv(local.endpoint);
  client = local.client();
}, DYNAMODB_LOCAL_HOOK_TIMEOUT_MS);
afterAll(() => restoreEnv?.());

const sorted = (items: Array<Record<string, unknown>>) =>
  items
    .map((i) => itemToJson(i as never) as Record<string, unknown>)
    .sort((a, b) => String(a.pk).localeCompare(String(b.pk)));

targetConformance({
  name: "dynamodb",
  kind: "storage",
  async make({ dryRun }) {
    const table = uniqueTableName("conformance");
    await createTable(client, table, [{ name: "pk", type: "S" }]);
    const target = targetFor(
      {
        table,
        endpoint: local.endpoint,
        key: { pk: "$.detail.key" },
        deleteWhen: { "detail-type": ["Item Deleted"] },
      },
      testHost({ dryRun, region: "us-east-1" }),
    );
    return { target, state: async () => sorted(await scanAll(client, table)) };
  },
  invalidEvents: () => [{ ...conformanceEvents(1)[0]!, id: "no-key", detail: { n: 0 } }],
  async makeBroken() {
    return targetFor(
      { table: uniqueTableName("missing"), endpoint: local.endpoint, key: { pk: "$.detail.key" } },
      testHost({ region: "us-east-1" }),
    );
  },
});

const sourceTable = uniqueTableName("conformance-source");
let seeded: Promise<void> | undefined;
const seed = () =>
  (seeded ??= (async () => {
    await createTable(client, sourceTable, [{ name: "pk", type: "S" }]);
    await putItems(
      client,
      sourceTable,
      Array.from({ length: 300 }, (_, i) => ({
        pk: { S: `item-${String(i).padStart(3, "0")}` },
        n: { N: String(i) },
      })),
    );
  })());

sourceConformance({
  name: "dynamodb (scan)",
  records: 300,
  async make() {
    await seed();
    return sourceFor(
      { table: sourceTable, endpoint: local.endpoint, pageSize: 40 },
      testHost({ region: "us-east-1" }),
    );
  },
});
