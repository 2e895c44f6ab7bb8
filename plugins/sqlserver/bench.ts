/**
 * Client-side cost of the `sqlserver:` target's write path (not a test: it prints figures).
 *
 *   bun plugins/sqlserver/bench.ts [events=100000] [batchSize=2000]
 *
 * No SQL Server runs here, so this measures what rehydrate and the driver spend per event:
 * mapping, conversion to column types, statement building and tedious's wire encoding, sent to
 * the loopback TDS fake (test/fakes/tds-server.ts), which decodes every parameter and bulk row in
 * the same process and answers the merge at once. The figures are a ceiling set by the client
 * (and the fake's decoding on the same cores), not a server's throughput.
 */

import { startTdsFake } from "../../test/fakes/tds-server.ts";
import {
  catalogAnswer,
  envelopes,
  fakeTarget,
  mergeAnswer,
  USERS,
  userEvent,
} from "../../test/sqlserver/support.ts";
import { CATALOG_SQL } from "./statements.ts";

const total = Number(process.argv[2] ?? 100_000);
const batchSize = Number(process.argv[3] ?? 2000);

const fake = await startTdsFake({
  handler: (request) => {
    if (request.sql === CATALOG_SQL) return catalogAnswer(USERS);
    if (request.sql.includes("MERGE")) return mergeAnswer({ INSERT: 1 });
    return undefined;
  },
});
// Keep only the last requests: recording every parameter of 100k events is the fake's cost, not ours.
const trim = setInterval(() => fake.requests.splice(0, Math.max(0, fake.requests.length - 10)), 50);

const events = envelopes(
  Array.from({ length: total }, (_, i) =>
    userEvent(`user-${i % 20_000}`, { email: `user-${i}@example.com`, version: i }),
  ),
);

async function scenario(
  name: string,
  overrides: Record<string, unknown>,
  size: number,
  quiet = false,
): Promise<void> {
  const target = fakeTarget(fake.port, {
    columns: { email: "$.detail.email", version: "$.detail.version" },
    ...overrides,
  });
  await target.open!();
  const started = performance.now();
  for (let i = 0; i < events.length; i += size) {
    const result = await target.write(events.slice(i, i + size));
    if (result.failures.length > 0) throw new Error(`${name}: ${result.failures[0]!.message}`);
  }
  const seconds = (performance.now() - started) / 1000;
  if (!quiet)
    console.log(
      `${name.padEnd(48)} ${Math.round(total / seconds)
        .toLocaleString("en")
        .padStart(9)} events/s`,
    );
  await target.close!();
}

console.log(`${total} events, ${batchSize} per batch, one lane, loopback TDS fake (client-side cost only)`);
// Warm-up (JIT, connection), not printed.
await scenario("warm-up", { stage: "bulk" }, batchSize, true);
await scenario("warm-up", { stage: "values" }, 100, true);
await scenario(`bulk load, ${batchSize} per batch`, { stage: "bulk" }, batchSize);
await scenario(
  `bulk load + version guard, ${batchSize} per batch`,
  { stage: "bulk", ifNewer: "version" },
  batchSize,
);
await scenario("one request with parameters, 699 per batch", { stage: "values" }, 699);
await scenario("bulk load, 699 per batch", { stage: "bulk" }, 699);
for (const size of [20, 100, 300]) {
  await scenario(`one request with parameters, ${size} per batch`, { stage: "values" }, size);
  await scenario(`bulk load, ${size} per batch`, { stage: "bulk" }, size);
}
clearInterval(trim);
await fake.close();
