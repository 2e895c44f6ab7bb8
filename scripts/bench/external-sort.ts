/**
 * Benchmark of the engine's external merge sort: N generated EventBridge-shaped events (default
 * 5,000,000) in shuffled time order, sorted by `time` then `id` through `externalSort` with the
 * default run size. Prints events/s and the peak RSS (goal: ≤ 256 MB), sampled every 50 ms.
 *
 * The headline events/s includes generating the events (the sort consumes them as they are
 * made, like a source); generating them alone is measured first, and the sort's own rate
 * (total minus generation) is printed too. By default the sort gets a `key` (`time` + `id`:
 * `time` is a fixed-width ISO string, so the joined string orders as the pair does) and the
 * default JSON serialisation; `--compare` sorts with the comparator only (the old path).
 *
 *   bun scripts/bench/external-sort.ts [count] [runSize] [--compare]
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_RUN_SIZE, externalSort } from "../../src/engine/external-sort.ts";
import type { EventBridgeEvent } from "../../src/sdk/index.ts";
import { seededRandom as random } from "../../test/support/seeded-random.ts";

/** The SDK's event shape, with the detail this benchmark generates. */
type Event = EventBridgeEvent & { detail: { orderId: string; amount: number; customer: string } };

const flags = process.argv.slice(2).filter((arg) => arg.startsWith("--"));
const args = process.argv.slice(2).filter((arg) => !arg.startsWith("--"));
const count = Number(args[0] ?? 5_000_000);
const runSize = Number(args[1] ?? DEFAULT_RUN_SIZE);
const compareOnly = flags.includes("--compare");

const start = Date.parse("2024-01-01T00:00:00Z");
async function* generate(): AsyncIterable<Event> {
  const next = random(42);
  for (let i = 0; i < count; i++) {
    // Times spread over a year, in random order, with collisions (second resolution).
    const time = new Date(start + Math.floor(next() * 31_536_000) * 1000).toISOString();
    yield {
      version: "0",
      id: `evt-${i.toString(36).padStart(8, "0")}`,
      "detail-type": next() < 0.5 ? "Order Placed" : "Order Shipped",
      source: "shop.orders",
      account: "123456789012",
      time,
      region: "eu-west-1",
      resources: [],
      detail: {
        orderId: `o-${Math.floor(next() * 1e6)}`,
        amount: Math.round(next() * 10_000) / 100,
        customer: "c-1",
      },
    };
  }
}

const compare = (a: Event, b: Event) =>
  a.time < b.time ? -1 : a.time > b.time ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
/** Agrees with `compare`: every `time` is 24 characters (`toISOString` of a year 2024 date). */
const key = (e: Event) => e.time + e.id;

let peakRss = process.memoryUsage.rss();
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
}, 50);

// Baseline in the same run: generating the events alone, so the sort's own cost can be told apart.
const genStart = performance.now();
let generated = 0;
for await (const _ of generate()) generated++;
const genSeconds = (performance.now() - genStart) / 1000;
Bun.gc(true);

const dir = await mkdtemp(join(tmpdir(), "rehydrate-bench-sort-"));
const began = performance.now();
const cpuBefore = process.cpuUsage();
let out = 0;
let previous: Event | undefined;
let firstOutAt = 0;
try {
  for await (const event of externalSort(
    generate(),
    compareOnly ? { compare, runSize, dir } : { compare, key, runSize, dir },
  )) {
    if (out === 0) firstOutAt = performance.now();
    if (previous && compare(previous, event) > 0) throw new Error(`out of order at ${out}`);
    previous = event;
    out++;
  }
} finally {
  clearInterval(sampler);
  await rm(dir, { recursive: true, force: true });
}
peakRss = Math.max(peakRss, process.memoryUsage.rss());
const seconds = (performance.now() - began) / 1000;
const cpu = process.cpuUsage(cpuBefore);
const cpuSeconds = (cpu.user + cpu.system) / 1e6;
if (out !== count) throw new Error(`sorted ${out} of ${count} events`);
const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(0);
console.log(
  `external sort: ${count.toLocaleString("en")} events, runSize ${runSize.toLocaleString("en")}, ` +
    (compareOnly ? "compare only" : "key (time + id)"),
);
console.log(
  `  total ${seconds.toFixed(1)} s (generate + spill ${((firstOutAt - began) / 1000).toFixed(1)} s, merge ${((performance.now() - firstOutAt) / 1000).toFixed(1)} s)`,
);
console.log(`  ${Math.round(count / seconds).toLocaleString("en")} events/s (generation included)`);
console.log(
  `  generation alone ${genSeconds.toFixed(1)} s for ${generated.toLocaleString("en")} events; sort alone ≈ ${Math.round(
    count / Math.max(0.001, seconds - genSeconds),
  ).toLocaleString("en")} events/s`,
);
console.log(
  `  CPU ${cpuSeconds.toFixed(1)} s (generation included): ${Math.round(count / cpuSeconds).toLocaleString("en")} events per CPU second, ` +
    `${((cpuSeconds / count) * 1e6).toFixed(2)} µs per event ` +
    `(the machine is shared: wall time stretches under load, CPU time much less)`,
);
console.log(`  peak RSS ${mb(peakRss)} MB (goal ≤ 256 MB)`);
console.log(`  load average ${(await Bun.file("/proc/loadavg").text()).split(" ").slice(0, 3).join(" ")}`);
