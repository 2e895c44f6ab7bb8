/**
 * The dynamodb source's cursors against DynamoDB Local: resuming a Scan (per-segment
 * LastEvaluatedKey), a Query and a sorted Scan from the cursor of any batch reads exactly what
 * that batch had not taken; shards split a Scan by segment and cover every item once.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { putItems, sourceFor } from "../../plugins/dynamodb/test-support.ts";
import type { JsonValue, ShardAssignment, SourceBatch } from "../../src/sdk/index.ts";
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
  table = uniqueTableName("resume-source");
  await createTable(client, table, [
    { name: "pk", type: "S" },
    { name: "sk", type: "N" },
  ]);
  const items = Array.from({ length: 240 }, (_, i) => ({
    pk: { S: `K${i % 6}` },
    sk: { N: String(i) },
    time: { S: `2024-01-01T00:00:${String(i % 37).padStart(2, "0")}Z` },
  }));
  await putItems(client, table, items);
}, DYNAMODB_LOCAL_HOOK_TIMEOUT_MS);

afterAll(() => {
  restoreEnv?.();
  client?.destroy();
});

async function read(
  config: Record<string, unknown>,
  options: { resumeFrom?: JsonValue; shard?: ShardAssignment } = {},
): Promise<Array<{ positions: string[]; cursor: JsonValue | undefined }>> {
  const source = sourceFor({ table, pageSize: 17, ...config });
  const ctx = { signal: new AbortController().signal, ...options };
  await source.open(ctx);
  const out: Array<{ positions: string[]; cursor: JsonValue | undefined }> = [];
  try {
    for await (const batch of source.batches(ctx) as AsyncIterable<SourceBatch>) {
      out.push({ positions: batch.records.map((r) => r.position), cursor: batch.cursor });
    }
  } finally {
    await source.close();
  }
  return out;
}

const flat = (batches: Array<{ positions: string[] }>) => batches.flatMap((b) => b.positions);

describe("dynamodb source cursors", () => {
  test("Scan: each segment resumes from its own LastEvaluatedKey; nothing skipped, nothing repeated", async () => {
    const full = await read({ segments: 4 });
    const all = flat(full);
    expect(all).toHaveLength(240);
    for (const k of [0, 3, 7, full.length - 2]) {
      const taken = new Set(flat(full.slice(0, k + 1)));
      const rest = flat(await read({ segments: 4 }, { resumeFrom: full[k]!.cursor! }));
      expect(rest.some((p) => taken.has(p))).toBe(false);
      expect(new Set([...taken, ...rest]).size).toBe(240);
      expect(rest).toHaveLength(240 - taken.size);
    }
    await expect(read({ segments: 3 }, { resumeFrom: full[2]!.cursor! })).rejects.toThrow(
      /TotalSegments must stay fixed/,
    );
  });

  test("Query: resumes after the last page taken, in order", async () => {
    const full = await read({ query: { pk: "K2" } });
    const all = flat(full);
    expect(all).toHaveLength(40);
    for (const k of [0, 1, full.length - 1]) {
      const rest = flat(await read({ query: { pk: "K2" } }, { resumeFrom: full[k]!.cursor! }));
      expect(rest).toEqual(all.slice(flat(full.slice(0, k + 1)).length));
    }
  });

  test("sorted Scan: re-reads, re-sorts and skips up to the last sort tuple taken", async () => {
    const config = { segments: 2, sortBy: ["time"], sortRunSize: 50 };
    const full = await read(config);
    const all = flat(full);
    expect(all).toHaveLength(240);
    // Many items share a time: the table key breaks ties, so the skip is exact.
    const rest = flat(await read(config, { resumeFrom: full[0]!.cursor! }));
    expect(rest).toEqual(all.slice(full[0]!.positions.length));
  });

  test("shards split a Scan by segment (j mod N) and cover every item once", async () => {
    const parts = await Promise.all(
      [0, 1, 2].map((index) => read({ segments: 6 }, { shard: { index, count: 3 } })),
    );
    const positions = parts.flatMap(flat);
    expect(positions).toHaveLength(240);
    expect(new Set(positions).size).toBe(240);
    await expect(read({ segments: 2 }, { shard: { index: 0, count: 3 } })).rejects.toThrow(
      /segments \(2\) must be at least the shard count \(3\)/,
    );
    await expect(read({ query: { pk: "K1" } }, { shard: { index: 0, count: 2 } })).rejects.toThrow(
      /a Query cannot be split/,
    );
  });
});
