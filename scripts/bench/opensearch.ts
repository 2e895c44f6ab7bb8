/**
 * Throughput of the `opensearch` plugins against a real OpenSearch node, each next to a plain
 * loop with the same client doing the same work, in one run (ratios are within the run):
 *
 *   bun scripts/bench/opensearch.ts [--count 1000000] [--version 3.8.0] [--url http://...]
 *                                   [--batch 1000] [--inflight 4] [--shards 4] [--rounds 2]
 *
 * Without `--url` it starts a node with the test harness (1 GiB heap) and stops it at the end.
 *
 * Target (events/s of loading `--count` generated events into a fresh `--shards`-shard index):
 * - **plain _bulk**: `--inflight` workers, each sending `--batch`-document NDJSON bulks with the
 *   client (`transport.request`), checking `errors`; the request builder is as cheap as it gets.
 * - **target**: the same workers calling `OpenSearchTarget.write` with `--batch`-event batches
 *   (mapping, last-write-wins collapse, per-item classification included).
 * - **target bulkLoad**: the same with `bulkLoad: true` (refresh -1, replicas 0, restored after).
 *
 * Source (events/s of reading the whole index in (time, id) order):
 * - **plain search_after**: a PIT and a `search_after` loop with the client's typed `search`,
 *   pages of `--batch`, JSON parsed by the client (what a hand-written reader does).
 * - **source**: `OpenSearchSource` in one stream, and with 4 slices merged.
 * Peak RSS of this process is printed after each phase.
 */
import { parseArgs } from "node:util";
import { Client } from "@opensearch-project/opensearch";
import { openSearchSource, openSearchTarget } from "../../plugins/opensearch/index.ts";
import { OpenSearchSource } from "../../plugins/opensearch/source.ts";
import type { OpenSearchSourceConfig } from "../../plugins/opensearch/source-config.ts";
import { OpenSearchTarget } from "../../plugins/opensearch/target.ts";
import type { OpenSearchTargetConfig } from "../../plugins/opensearch/target-config.ts";
import { validatePluginConfig } from "../../src/config/plugin-config.ts";
import { createHost } from "../../src/host/create-host.ts";
import type { Envelope, EventBridgeEvent, Host } from "../../src/sdk/index.ts";
import { type OpenSearchNode, startOpenSearchNode } from "../../test/services/opensearch.ts";
import { generateEvents } from "./generate-events.ts";

const { values } = parseArgs({
  options: {
    count: { type: "string", default: "1000000" },
    version: { type: "string", default: "3.8.0" },
    url: { type: "string" },
    batch: { type: "string", default: "1000" },
    inflight: { type: "string", default: "4" },
    shards: { type: "string", default: "4" },
    phase: { type: "string" },
    index: { type: "string" },
    rounds: { type: "string", default: "2" },
  },
});
const count = Number(values.count);
const batchSize = Number(values.batch);
const inflight = Number(values.inflight);
const shards = Number(values.shards);

let node: OpenSearchNode | undefined;
let url = values.url;
if (!url) {
  node = await startOpenSearchNode(values.version!, { heap: "1g", fastStart: false });
  url = node.url;
  console.log(`OpenSearch ${values.version} started in ${(node.startMs / 1000).toFixed(1)} s at ${url}`);
}
const client = new Client({ node: url, maxRetries: 0, requestTimeout: 120_000 });
const host: Host = createHost({
  pluginName: "opensearch",
  dryRun: false,
  signal: new AbortController().signal,
  baseDir: process.cwd(),
  aws: {},
  stderr: { write: () => true },
});

if (values.phase) {
  // A child process for one read phase, so its peak RSS is the reader's own (the parent holds
  // every generated event for the target phases).
  let peak = 0;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 20);
  const rate =
    values.phase === "plain"
      ? await plainSearchAfter(values.index!)
      : await runSource(values.index!, values.phase === "slices" ? 4 : 1);
  clearInterval(timer);
  peak = Math.max(peak, process.memoryUsage().rss);
  console.log(JSON.stringify({ rate, rss: peak }));
  await client.close();
  process.exit(0);
}

let peakRss = 0;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 50);
const rssNote = () => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  const note = `peak RSS ${(peakRss / 2 ** 20).toFixed(0)} MB`;
  Bun.gc(true);
  peakRss = 0;
  return note;
};

console.log(`generating ${count.toLocaleString()} events`);
const events: EventBridgeEvent[] = [...generateEvents({ count })];
const texts = events.map((e) => JSON.stringify(e));
const envelopes: Envelope[] = events.map((event, seq) => ({
  event,
  position: `bench:${seq}`,
  seq,
  text: texts[seq],
  record: event,
}));
const mappings = {
  // Concurrent bulks race on dynamic mapping (`float` vs `long` for one field): numbers are doubles.
  dynamic_templates: [
    { longs: { match_mapping_type: "long", mapping: { type: "double" } } },
    { doubles: { match_mapping_type: "double", mapping: { type: "double" } } },
  ],
  properties: {
    id: { type: "keyword" },
    time: { type: "date" },
    source: { type: "keyword" },
    "detail-type": { type: "keyword" },
  },
};

async function freshIndex(name: string): Promise<void> {
  await client.indices.delete({ index: name }, { ignore: [404] });
  await client.indices.create({
    index: name,
    body: { settings: { number_of_shards: shards, number_of_replicas: 0 }, mappings },
  } as never);
}

/** Runs `work(batchIndex)` for every batch of `count`, `inflight` at a time; returns events/s. */
async function drive(work: (from: number, to: number) => Promise<void>): Promise<number> {
  let next = 0;
  const started = performance.now();
  const cpu = process.cpuUsage();
  await Promise.all(
    Array.from({ length: inflight }, async () => {
      while (next < count) {
        const from = next;
        next = Math.min(count, next + batchSize);
        await work(from, next);
      }
    }),
  );
  const used = process.cpuUsage(cpu);
  lastCpuSeconds = (used.user + used.system) / 1e6;
  return count / ((performance.now() - started) / 1000);
}
/** CPU seconds this process spent in the last {@link drive}: the client side's own cost. */
let lastCpuSeconds = 0;

const results: Array<[string, number, string]> = [];
const fmt = (n: number) => Math.round(n).toLocaleString("en-US");

// --- target ------------------------------------------------------------------------------------
// Plain loop and target alternate (`--rounds` times, the order swapped every round, best of
// each kept): a node's background merges after one load slow whichever load runs next.
const plainIndex = "bench-plain";
async function runPlainBulk(index: string): Promise<number> {
  await freshIndex(index);
  const rate = await drive(async (from, to) => {
    let body = "";
    for (let i = from; i < to; i++)
      body += `{"index":{"_index":"${index}","_id":"${events[i]!.id}"}}\n${texts[i]}\n`;
    const response = await client.transport.request({ method: "POST", path: "/_bulk", bulkBody: body });
    const answer = response.body as {
      errors: boolean;
      items: Array<Record<string, { status: number; error?: unknown }>>;
    };
    if (answer.errors) {
      const failed = answer.items.map((item) => Object.values(item)[0]!).find((item) => item.status >= 300);
      throw new Error(`plain bulk had item errors: ${JSON.stringify(failed)}`);
    }
  });
  await client.indices.refresh({ index });
  return rate;
}

async function runTarget(index: string, bulkLoad: boolean): Promise<number> {
  await freshIndex(index);
  const config = validatePluginConfig(
    "opensearch",
    openSearchTarget.config,
    { url, index, bulkLoad, maxItems: batchSize, maxInFlight: inflight },
    "bench",
  ) as unknown as OpenSearchTargetConfig;
  const target = new OpenSearchTarget(config, host);
  await target.open();
  const rate = await drive(async (from, to) => {
    const result = await target.write(envelopes.slice(from, to));
    if (result.failures.length > 0) throw new Error(`target failures: ${result.failures[0]!.message}`);
  });
  await target.flush();
  await target.close();
  return rate;
}

let plainBulk = 0;
let targetRate = 0;
const rounds = Number(values.rounds);
for (let round = 0; round < rounds; round++) {
  // Odd rounds run the target first: whichever load comes second shares the node with the
  // first one's background merges.
  const plainName = round === rounds - 1 ? plainIndex : `${plainIndex}-${round}`;
  let plain = 0;
  let plainCpu = 0;
  let written = 0;
  if (round % 2 === 1) {
    written = await runTarget("bench-target", false);
    const targetCpu = lastCpuSeconds;
    plain = await runPlainBulk(plainName);
    plainCpu = lastCpuSeconds;
    lastCpuSeconds = targetCpu;
  } else {
    plain = await runPlainBulk(plainName);
    plainCpu = lastCpuSeconds;
    written = await runTarget("bench-target", false);
  }
  console.log(
    `round ${round + 1}: plain _bulk ${fmt(plain)}/s, target ${fmt(written)}/s (client CPU ${plainCpu.toFixed(1)} s vs ${lastCpuSeconds.toFixed(1)} s)`,
  );
  plainBulk = Math.max(plainBulk, plain);
  targetRate = Math.max(targetRate, written);
  if (round < rounds - 1) await client.indices.delete({ index: `${plainIndex}-${round}` });
}
const targetRss = rssNote();
results.push(["target: plain _bulk loop (best of rounds)", plainBulk, targetRss]);
results.push(["target: OpenSearchTarget.write (best of rounds)", targetRate, targetRss]);
results.push(["target: OpenSearchTarget bulkLoad", await runTarget("bench-target-load", true), rssNote()]);
await client.indices.delete({ index: "bench-target" });

// --- source ------------------------------------------------------------------------------------
async function plainSearchAfter(index: string): Promise<number> {
  const started = performance.now();
  const pit = await client.createPit({ index, keep_alive: "5m", allow_partial_pit_creation: false } as never);
  let pitId = (pit.body as { pit_id: string }).pit_id;
  let after: unknown[] | undefined;
  let read = 0;
  while (true) {
    const response = await client.search({
      body: {
        size: batchSize,
        pit: { id: pitId, keep_alive: "5m" },
        sort: [{ time: { order: "asc" } }, { id: { order: "asc" } }],
        track_total_hits: false,
        ...(after ? { search_after: after } : {}),
      },
    } as never);
    const body = response.body as {
      pit_id: string;
      hits: { hits: Array<{ sort: unknown[]; _source: unknown }> };
    };
    pitId = body.pit_id;
    const hits = body.hits.hits;
    if (hits.length === 0) break;
    read += hits.length;
    after = hits[hits.length - 1]!.sort;
  }
  await client.deletePit({ body: { pit_id: [pitId] } } as never);
  if (read !== count) throw new Error(`plain loop read ${read}, expected ${count}`);
  return read / ((performance.now() - started) / 1000);
}

async function runSource(index: string, slices: number): Promise<number> {
  const config = validatePluginConfig(
    "opensearch",
    openSearchSource.config,
    { url, index, slices, pageSize: batchSize },
    "bench",
  ) as unknown as OpenSearchSourceConfig;
  const source = new OpenSearchSource(config, host);
  const ctx = { signal: new AbortController().signal };
  const started = performance.now();
  await source.open(ctx);
  let read = 0;
  for await (const batch of source.batches(ctx)) read += batch.records.length;
  await source.close();
  if (read !== count) throw new Error(`source read ${read}, expected ${count}`);
  return read / ((performance.now() - started) / 1000);
}

clearInterval(sampler);
/** Runs one read phase in a child process; returns its rate and peak RSS. */
async function readPhase(phase: string): Promise<[number, string]> {
  const child = Bun.spawn(
    [
      process.execPath,
      import.meta.path,
      "--phase",
      phase,
      "--index",
      plainIndex,
      "--url",
      url!,
      "--count",
      String(count),
      "--batch",
      String(batchSize),
    ],
    { stdout: "pipe", stderr: "inherit" },
  );
  const out = await new Response(child.stdout).text();
  if ((await child.exited) !== 0) throw new Error(`read phase ${phase} failed`);
  const { rate, rss } = JSON.parse(out.trim().split("\n").at(-1)!) as { rate: number; rss: number };
  return [rate, `peak RSS ${(rss / 2 ** 20).toFixed(0)} MB (own process)`];
}
const [plainRead, plainRss] = await readPhase("plain");
results.push(["source: plain search_after loop", plainRead, plainRss]);
results.push(["source: OpenSearchSource, 1 stream", ...(await readPhase("source"))]);
results.push(["source: OpenSearchSource, 4 slices merged", ...(await readPhase("slices"))]);

console.log(
  `\n${count.toLocaleString()} events, batches/pages of ${batchSize}, ${inflight} requests in flight, ${shards} shards, OpenSearch ${values.version}\n`,
);
for (const [name, rate, rss] of results) {
  const base = name.startsWith("target") ? plainBulk : plainRead;
  console.log(`${name.padEnd(44)} ${fmt(rate).padStart(9)} events/s  ${(rate / base).toFixed(2)}×  ${rss}`);
}
await client.close();
node?.stop();
process.exit(0);
