/**
 * Storage targets are ordered per row key in parallel lanes by default. This measures what that
 * buys on DynamoDB with a real-world round trip: DynamoDB Local behind a proxy that adds 10 ms
 * to every request, and, in one run, interleaved:
 *
 * 1. a plain SDK BatchWriteItem loop (25 items per request) with 8 requests in flight — the ceiling;
 * 2. `rehydrate run --from <file> --to dynamodb:<table>` with no ordering flag (the default:
 *    per row key, as many lanes as the target allows in flight, 8);
 * 3. the same with `--order global` (one write in flight: what the default was before).
 *
 *   bun scripts/bench/storage-order.ts [events=30000] [keys=6000] [latencyMs=10] [rounds=2]
 *
 * Goal: (2) ≥ 0.9× (1). Every run ends with the table compared against applying the events one
 * by one, so speed never hides a wrong final state.
 *
 * Measured (2026-12-01, load ~3, best of 2, 30k events over 6k keys): plain loop 5,361/s, default
 * 5,561/s (1.04×), --order global 1,544/s (0.29×). DynamoDB Local's one JVM is the ceiling here;
 * shorter runs are dominated by start-up (6k events: 0.71×).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BatchWriteItemCommand } from "@aws-sdk/client-dynamodb";
import { marshall } from "@aws-sdk/util-dynamodb";
import { scanAll } from "../../plugins/dynamodb/test-support.ts";
import { startDynamoDbFaultProxy } from "../../test/services/dynamodb-fault-proxy.ts";
import {
  createTable,
  startDynamoDbLocal,
  stopDynamoDbLocal,
  uniqueTableName,
  useLocalAwsEnv,
} from "../../test/services/dynamodb-local.ts";
import { runCli } from "../../test/support/cli.ts";

const count = Number(process.argv[2] ?? 30_000);
const keys = Number(process.argv[3] ?? 6000);
const latencyMs = Number(process.argv[4] ?? 10);
const rounds = Number(process.argv[5] ?? 2);
const inFlight = 8;

const local = await startDynamoDbLocal();
const restoreEnv = useLocalAwsEnv(local.endpoint);
const client = local.client();
const proxy = startDynamoDbFaultProxy(local.endpoint, { latencyMs });
const slowClient = local.client(proxy.endpoint);
const dir = mkdtempSync(join(tmpdir(), "rehydrate-bench-order-"));

const events = Array.from({ length: count }, (_, n) => ({
  version: "0",
  id: `e${n}`,
  "detail-type": "ItemSaved",
  source: "bench",
  account: "1",
  time: "2024-01-01T00:00:00Z",
  region: "us-east-1",
  resources: [],
  detail: { key: `k${(n * 7919) % keys}`, n },
}));
const input = join(dir, "events.ndjson");
writeFileSync(input, events.map((e) => JSON.stringify(e)).join("\n") + "\n");
const expected = new Map<string, number>();
for (const e of events) expected.set(e.detail.key, e.detail.n);

async function plainLoop(table: string): Promise<void> {
  // Last write wins per key inside each request, as the target does.
  const requests: Array<Record<string, { n: number; pk: string }>> = [];
  for (let i = 0; i < events.length; i += 25) {
    const last = new Map<string, number>();
    for (const e of events.slice(i, i + 25)) last.set(e.detail.key, e.detail.n);
    requests.push(Object.fromEntries([...last].map(([pk, n]) => [pk, { pk, n }])));
  }
  // Requests of one key must not race: a simple pool is only correct because the benchmark
  // checks the end state; a real loop would need the engine's lanes.
  let next = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < requests.length) {
        const batch = requests[next++]!;
        let pending = Object.values(batch).map((item) => ({ PutRequest: { Item: marshall(item) } }));
        while (pending.length > 0) {
          const out = await slowClient.send(
            new BatchWriteItemCommand({ RequestItems: { [table]: pending } }),
          );
          pending = (out.UnprocessedItems?.[table] ?? []) as typeof pending;
        }
      }
    }),
  );
}

async function rehydrate(table: string, extra: string[]): Promise<void> {
  const pipeline = join(dir, `${table}.json`);
  writeFileSync(
    pipeline,
    JSON.stringify({
      source: input,
      targets: [
        {
          uri: `dynamodb:${table}`,
          endpoint: proxy.endpoint,
          key: { pk: "$.detail.key" },
          attributes: { n: "$.detail.n" },
        },
      ],
    }),
  );
  const run = await runCli(["run", pipeline, ...extra]);
  if (run.code !== 0) throw new Error(`rehydrate run failed: ${run.stderr}`);
}

async function correct(table: string): Promise<boolean> {
  const items = await scanAll(client, table);
  if (items.length !== expected.size) return false;
  return items.every((item) => expected.get(item.pk!.S!) === Number(item.n!.N));
}

const cases: Array<[string, (table: string) => Promise<void>]> = [
  [`plain BatchWriteItem loop, ${inFlight} in flight`, plainLoop],
  ["rehydrate run, default order (per row key)", (t) => rehydrate(t, [])],
  ["rehydrate run, --order global", (t) => rehydrate(t, ["--order", "global"])],
];
const rates = new Map<string, number[]>();
for (let round = 0; round < rounds; round++) {
  for (const [name, run] of cases) {
    const table = uniqueTableName("bench-order");
    await createTable(client, table, [{ name: "pk", type: "S" }]);
    proxy.resetCounts();
    const started = performance.now();
    await run(table);
    const seconds = (performance.now() - started) / 1000;
    if (round === rounds - 1)
      console.log(
        `${name}: ${proxy.counts.batchRequests} requests, ${proxy.counts.forwardedItems} items, ${seconds.toFixed(2)} s`,
      );
    if (!(await correct(table))) throw new Error(`${name}: the final table is wrong`);
    rates.set(name, [...(rates.get(name) ?? []), count / seconds]);
  }
}
const best = (name: string) => Math.max(...(rates.get(name) ?? [0]));
const ceiling = best(cases[0]![0]);
console.log(`\n${count} events over ${keys} keys, ${latencyMs} ms added per request, best of ${rounds}:`);
console.log("| case | events/s | × plain loop |\n|---|---:|---:|");
for (const [name] of cases)
  console.log(`| ${name} | ${Math.round(best(name))} | ${(best(name) / ceiling).toFixed(2)} |`);
proxy.stop();
restoreEnv();
stopDynamoDbLocal(local);
rmSync(dir, { recursive: true, force: true });
process.exit(0);
