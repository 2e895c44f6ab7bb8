/**
 * Throughput of the `sqlite:` target's write path (not a test: it prints figures).
 *
 *   bun plugins/sqlite/bench.ts [events=100000] [batchSize=500]
 *
 * Scenarios: distinct keys with mapped columns; the whole event in a JSON column; many events
 * per key (collapsing); 10% deletes. Each writes through `target.write` in batches, as the
 * engine would, to a fresh file in a temp folder (WAL, synchronous=NORMAL unless stated).
 */
import type { EventBridgeEvent } from "../../src/sdk/index.ts";
import { envelopes, openTarget, tempFolder, testHost } from "./test-support.ts";

const total = Number(process.argv[2] ?? 100_000);
const batchSize = Number(process.argv[3] ?? 500);

function makeEvents(keys: number, deleteEvery = 0): EventBridgeEvent[] {
  const events: EventBridgeEvent[] = [];
  for (let i = 0; i < total; i++) {
    const userId = `user-${i % keys}`;
    const deleted = deleteEvery > 0 && i % deleteEvery === deleteEvery - 1;
    events.push({
      version: "0",
      id: `00000000-0000-4000-8000-${i.toString().padStart(12, "0")}`,
      "detail-type": deleted ? "UserDeleted" : "UserUpdated",
      source: "com.example.users",
      account: "123456789012",
      time: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(),
      region: "eu-west-1",
      resources: [],
      detail: {
        userId,
        email: `${userId}@example.com`,
        plan: i % 3 ? "pro" : "free",
        seats: i % 50,
        tags: ["a", "b"],
      },
    });
  }
  return events;
}

const columns = {
  email: "$.detail.email",
  plan: "$.detail.plan",
  seats: "$.detail.seats",
  updated_at: "$.time",
};
const distinct = makeEvents(total);
/** [name, mapping, events, whether envelopes carry the source's JSON text (a file source does)] */
const scenarios: Array<[string, Record<string, unknown>, EventBridgeEvent[], boolean]> = [
  ["mapped columns, distinct keys", { columns }, distinct, false],
  ["same, synchronous FULL", { columns, synchronous: "FULL" }, distinct, false],
  ["whole event JSON column (source text)", {}, distinct, true],
  ["whole event JSON column (re-serialised)", {}, distinct, false],
  ["mapped columns, 1,000 keys (collapsing)", { columns }, makeEvents(1000), false],
  [
    "mapped columns, 10% deletes",
    { columns, deleteWhen: { "detail-type": ["UserDeleted"] } },
    makeEvents(total / 2, 10),
    false,
  ],
];

console.log(`sqlite target: ${total} events, batchSize ${batchSize}, Bun ${Bun.version}`);
console.log(`${"scenario".padEnd(40)}   events/s    seconds  failures`);
for (const [name, mapping, events, withText] of scenarios) {
  const folder = tempFolder();
  try {
    const host = testHost({ baseDir: folder.dir });
    const target = await openTarget(
      {
        path: "bench.db",
        table: "users",
        key: { id: "$.detail.userId" },
        createTable: true,
        batchSize,
        ...mapping,
      },
      host,
    );
    const all = envelopes(events).map((e) => (withText ? { ...e, text: JSON.stringify(e.event) } : e));
    let failures = 0;
    const started = performance.now();
    for (let i = 0; i < all.length; i += batchSize) {
      failures += (await target.write(all.slice(i, i + batchSize))).failures.length;
    }
    await target.flush?.();
    await target.close?.();
    const seconds = (performance.now() - started) / 1000;
    const rate = Math.round(events.length / seconds).toLocaleString("en-US");
    console.log(
      `${name.padEnd(40)} ${rate.padStart(10)} ${seconds.toFixed(2).padStart(10)} ${String(failures).padStart(9)}`,
    );
  } finally {
    folder.remove();
  }
}
