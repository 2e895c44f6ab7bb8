/**
 * DynamoDB benchmark against a DynamoDB Local started here (official jar, loopback):
 *
 * 1. Target throughput: `dynamodb` target `write()` calls vs a plain SDK BatchWriteItem loop
 *    (marshall + send, 25 items per request), both with the same number of requests in flight,
 *    interleaved in the same run (goal: target ≥ 0.9× the plain loop).
 * 2. The same events through the whole CLI (`rehydrate run` file → DynamoDB, --order-key lanes).
 * 3. Scan throughput of the `dynamodb` source by segment count.
 *
 *   bun scripts/bench/dynamodb.ts [items=20000] [concurrency=8] [rounds=3]
 *
 * DynamoDB Local is one JVM on this 2-core machine, shared with the benchmark itself: the
 * absolute figures say little about AWS; compare the ratios.
 */

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BatchWriteItemCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { marshall } from "@aws-sdk/util-dynamodb";
import { putItems, sourceFor, targetFor } from "../../plugins/dynamodb/test-support.ts";
import type { Envelope, EventBridgeEvent } from "../../src/sdk/index.ts";
import {
  createTable,
  startDynamoDbLocal,
  stopDynamoDbLocal,
  uniqueTableName,
  useLocalAwsEnv,
} from "../../test/services/dynamodb-local.ts";
import { runCli } from "../../test/support/cli.ts";

const count = Number(process.argv[2] ?? 20_000);
const concurrency = Number(process.argv[3] ?? 8);
const rounds = Number(process.argv[4] ?? 3);

const local = await startDynamoDbLocal();
const restoreEnv = useLocalAwsEnv(local.endpoint);
const client = local.client();
const dir = mkdtempSync(join(tmpdir(), "rehydrate-bench-ddb-"));

function makeEvents(n: number): EventBridgeEvent[] {
  return Array.from({ length: n }, (_, i) => ({
    version: "0",
    id: `evt-${i}`,
    "detail-type": "Order Placed",
    source: "shop.orders",
    account: "123456789012",
    time: new Date(Date.UTC(2024, 0, 1) + i * 1000).toISOString(),
    region: "us-east-1",
    resources: [],
    detail: {
      orderId: `o-${i}`,
      customer: `c-${i % 977}`,
      amount: (i % 10_000) / 100,
      items: [{ sku: "a", qty: 1 }],
    },
  }));
}

/** Runs `work` on chunks of 25 with `concurrency` workers pulling from a shared cursor. */
async function inParallel<T>(items: T[], work: (chunk: T[]) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) {
        const chunk = items.slice(next, next + 25);
        next += 25;
        await work(chunk);
      }
    }),
  );
}

async function benchTarget(events: EventBridgeEvent[]): Promise<number> {
  const table = uniqueTableName("bench-target");
  await createTable(client, table, [{ name: "pk", type: "S" }]);
  const target = targetFor({ table, key: { pk: "$.detail.orderId" } });
  await target.open();
  await target.check();
  const envelopes: Envelope[] = events.map((event, seq) => ({
    event,
    seq,
    position: `bench:${seq}`,
    record: event,
  }));
  const started = performance.now();
  await inParallel(envelopes, async (chunk) => {
    let pending = chunk;
    while (pending.length > 0) {
      const { failures } = await target.write(pending);
      if (failures.some((f) => !f.retryable)) throw new Error(`write failed: ${JSON.stringify(failures[0])}`);
      pending = failures.map((f) => pending[f.index]!);
    }
  });
  const seconds = (performance.now() - started) / 1000;
  await target.close();
  return events.length / seconds;
}

async function benchPlainSdk(sdkClient: DynamoDBClient, events: EventBridgeEvent[]): Promise<number> {
  const table = uniqueTableName("bench-sdk");
  await createTable(client, table, [{ name: "pk", type: "S" }]);
  const started = performance.now();
  await inParallel(events, async (chunk) => {
    let requests = chunk.map((e) => ({
      PutRequest: {
        Item: marshall({ ...(e.detail as object), pk: (e.detail as { orderId: string }).orderId }),
      },
    }));
    while (requests.length > 0) {
      const out = await sdkClient.send(new BatchWriteItemCommand({ RequestItems: { [table]: requests } }));
      requests = (out.UnprocessedItems?.[table] ?? []) as typeof requests;
    }
  });
  return events.length / ((performance.now() - started) / 1000);
}

async function benchCli(events: EventBridgeEvent[]): Promise<number> {
  const table = uniqueTableName("bench-cli");
  await createTable(client, table, [{ name: "pk", type: "S" }]);
  const input = join(dir, "events.ndjson");
  writeFileSync(input, events.map((e) => JSON.stringify(e)).join("\n") + "\n");
  const pipeline = join(dir, "pipeline.json");
  writeFileSync(
    pipeline,
    JSON.stringify({
      source: input,
      targets: [{ uri: `dynamodb:${table}`, key: { pk: "$.detail.orderId" }, maxInFlight: concurrency }],
      orderKey: "detail.orderId",
      concurrency,
    }),
  );
  const started = performance.now();
  const { code, stderr } = await runCli(["run", pipeline]);
  if (code !== 0) throw new Error(`run failed (${code}):\n${stderr}`);
  return events.length / ((performance.now() - started) / 1000);
}

async function benchScan(table: string, segments: number, items: number): Promise<number> {
  const started = performance.now();
  const source = sourceFor({ table, segments });
  const ctx = { signal: new AbortController().signal };
  await source.open(ctx);
  let n = 0;
  for await (const batch of source.batches(ctx)) n += batch.records.length;
  await source.close();
  if (n !== items) throw new Error(`scan read ${n} of ${items}`);
  return n / ((performance.now() - started) / 1000);
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const fmt = (n: number) => Math.round(n).toLocaleString("en");

try {
  const events = makeEvents(count);
  const sdkClient = local.client();
  // Warm-up (JIT, JVM) so the first measured round is not penalised.
  await benchTarget(events.slice(0, 2000));
  await benchPlainSdk(sdkClient, events.slice(0, 2000));
  const target: number[] = [];
  const plain: number[] = [];
  for (let round = 0; round < rounds; round++) {
    target.push(await benchTarget(events));
    plain.push(await benchPlainSdk(sdkClient, events));
  }
  console.log(
    `DynamoDB Local ${local.endpoint}, ${fmt(count)} items of ~250 bytes, ${concurrency} requests in flight, ${rounds} rounds (interleaved)`,
  );
  console.log(
    `  plain SDK BatchWriteItem loop: median ${fmt(median(plain))} items/s  (${plain.map(fmt).join(", ")})`,
  );
  console.log(
    `  dynamodb target write():       median ${fmt(median(target))} items/s  (${target.map(fmt).join(", ")})`,
  );
  console.log(`  ratio target / plain: ${(median(target) / median(plain)).toFixed(2)} (goal ≥ 0.9)`);
  console.log(
    `  rehydrate run (file → dynamodb, --order-key, ${concurrency} lanes): ${fmt(await benchCli(events))} events/s`,
  );

  const scanTable = uniqueTableName("bench-scan");
  await createTable(client, scanTable, [{ name: "pk", type: "S" }]);
  await putItems(
    client,
    scanTable,
    events.map((e) => marshall({ ...(e.detail as object), pk: (e.detail as { orderId: string }).orderId })),
  );
  console.log(`Scan of ${fmt(count)} items by the dynamodb source:`);
  for (const segments of [1, 2, 4, 8]) {
    const runs = [await benchScan(scanTable, segments, count), await benchScan(scanTable, segments, count)];
    console.log(`  ${segments} segment(s): ${fmt(median(runs))} items/s`);
  }
} finally {
  restoreEnv();
  stopDynamoDbLocal(local);
  rmSync(dir, { recursive: true, force: true });
}
process.exit(0);
