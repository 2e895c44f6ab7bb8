/**
 * Pattern matcher benchmark: evaluations per second on pre-parsed events (matcher only, no
 * JSON parsing), plus the prefilter on raw text. Run: `bun scripts/bench/pattern.ts`.
 */
import { compilePattern } from "../../src/pattern/index.ts";

interface Scenario {
  name: string;
  pattern: object;
}

const scenarios: Scenario[] = [
  {
    name: "3-field (source, detail-type, detail.state)",
    pattern: { source: ["shop.orders"], "detail-type": ["Order Placed"], detail: { state: ["NEW", "PAID"] } },
  },
  {
    name: "complex ($or, numeric, wildcard, prefix)",
    pattern: {
      source: [{ prefix: "shop." }],
      detail: {
        $or: [
          { amount: [{ numeric: [">", 100, "<=", 5000] }] },
          { items: { sku: [{ wildcard: "SKU-*-XL" }] } },
          { customer: { tier: ["gold", "platinum"] } },
        ],
        region: [{ "anything-but": ["test", "dev"] }],
      },
    },
  },
];

/** Events of the usual EventBridge shape; about a third match each pattern. */
function makeEvents(count: number): unknown[] {
  const states = ["NEW", "PAID", "SHIPPED"];
  const sources = ["shop.orders", "shop.billing", "crm.users"];
  return Array.from({ length: count }, (_, i) => ({
    version: "0",
    id: `id-${i}`,
    "detail-type": i % 4 === 0 ? "Order Shipped" : "Order Placed",
    source: sources[i % 3],
    account: "123456789012",
    time: "2024-01-01T00:00:00Z",
    region: "eu-west-1",
    resources: [],
    detail: {
      state: states[i % 3],
      amount: (i * 37) % 7000,
      region: i % 5 === 0 ? "test" : "prod",
      customer: { id: `c${i}`, tier: i % 7 === 0 ? "gold" : "basic" },
      items: [
        { sku: `SKU-${i % 100}-${i % 2 ? "XL" : "M"}`, qty: 1 },
        { sku: "SKU-1-S", qty: 2 },
      ],
    },
  }));
}

/**
 * Runs `fn` for at least `minMs` and returns runs per second of wall time and of CPU time
 * (user + system of this process). CPU time is the steadier figure on a loaded machine.
 */
function measure(fn: () => number, minMs: number): { perSecond: number; perCpuSecond: number } {
  let iterations = 0;
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  let elapsed = 0;
  while (elapsed < minMs) {
    fn();
    iterations++;
    elapsed = performance.now() - start;
  }
  const cpu = process.cpuUsage(cpuStart);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  return {
    perSecond: (iterations * 1000) / elapsed,
    perCpuSecond: (iterations * 1000) / Math.max(cpuMs, 1e-3),
  };
}

/** Millions per second, wall time and CPU time. */
function rate(m: { perSecond: number; perCpuSecond: number }, perRun: number): string {
  return `${((m.perSecond * perRun) / 1e6).toFixed(1)}M; ${((m.perCpuSecond * perRun) / 1e6).toFixed(1)}M`;
}

const events = makeEvents(10_000);
const texts = events.map((e) => JSON.stringify(e));
const rows: string[][] = [];
for (const scenario of scenarios) {
  const compiled = compilePattern(scenario.pattern);
  const runMatch = () => {
    let n = 0;
    for (let i = 0; i < events.length; i++) if (compiled.matches(events[i])) n++;
    return n;
  };
  runMatch(); // warm-up (JIT)
  const matched = runMatch();
  const match = measure(runMatch, 1500);
  let prefilterRate = "n/a";
  let passed = "n/a";
  if (compiled.prefilter) {
    const filter = compiled.prefilter;
    const runFilter = () => {
      let n = 0;
      for (let i = 0; i < texts.length; i++) if (filter(texts[i]!)) n++;
      return n;
    };
    passed = `${((runFilter() / texts.length) * 100).toFixed(0)}%`;
    prefilterRate = rate(measure(runFilter, 1000), texts.length);
  }
  rows.push([
    scenario.name,
    rate(match, events.length),
    `${((matched / events.length) * 100).toFixed(0)}%`,
    prefilterRate,
    passed,
  ]);
}

const header = [
  "pattern",
  "matches() evals/s (wall; CPU)",
  "matched",
  "prefilter() lines/s (wall; CPU)",
  "passed prefilter",
];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`;
console.log(
  `Bun ${Bun.version}, ${events.length} pre-parsed events (~${Math.round(texts[0]!.length)} bytes each)`,
);
console.log(line(header));
console.log(`|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`);
for (const row of rows) console.log(line(row));
