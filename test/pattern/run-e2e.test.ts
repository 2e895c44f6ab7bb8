/**
 * End to end through `rehydrate run`: the file source applies the pattern's prefilter to raw
 * lines; the selected events must be exactly those `compilePattern().matches` selects, with and
 * without the prefilter, including lines whose values hide behind JSON escapes.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compilePattern } from "../../src/pattern/index.ts";
import { runCli } from "./cli-helpers.ts";

let dir: string;
let input: string;
let lines: string[];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "rehydrate-pattern-run-"));
  const types = ["Order Placed", "Order Shipped", "Order Cancelled"];
  const sources = ["shop.orders", "shop.billing", "crm"];
  lines = Array.from({ length: 600 }, (_, i) => {
    const text = JSON.stringify({
      version: "0",
      id: `e${i}`,
      "detail-type": types[i % 3],
      source: sources[(i >> 2) % 3],
      account: "123456789012",
      time: "2024-01-01T00:00:00Z",
      region: "eu-west-1",
      resources: i % 5 === 0 ? [`arn:aws:s3:::bucket-${i}`] : [],
      detail: {
        amount: (i * 37) % 500,
        items: [{ sku: `SKU-${i % 7}-XL` }, { sku: "SKU-0-S" }],
        note: i % 4 ? "ok" : null,
      },
    });
    // Every 7th line spells its detail-type with a JSON escape: the prefilter must not drop it.
    return i % 7 === 0 ? text.replace('"Order ', '"\\u004frder ') : text;
  });
  input = join(dir, "events.ndjson");
  writeFileSync(input, `${lines.join("\n")}\n`);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const patterns: Array<[string, object]> = [
  ["exact", { "detail-type": ["Order Placed"], source: ["shop.orders"] }],
  ["prefix and numeric", { source: [{ prefix: "shop." }], detail: { amount: [{ numeric: [">", 250] }] } }],
  ["wildcard in array of objects", { detail: { items: { sku: [{ wildcard: "SKU-3-*" }] } } }],
  ["$or", { $or: [{ "detail-type": ["Order Cancelled"] }, { resources: [{ prefix: "arn:aws:s3" }] }] }],
  ["no prefilter possible", { detail: { note: [null] } }],
];

async function run(pattern: object, prefilter: boolean, name: string) {
  const out = join(dir, `${name}.ndjson`);
  const report = join(dir, `${name}.report.json`);
  const r = await runCli([
    "run",
    "--from",
    input,
    "--to",
    `file:${out}`,
    "--pattern",
    JSON.stringify(pattern),
    prefilter ? "--prefilter" : "--no-prefilter",
    "--report",
    report,
  ]);
  expect(r.code).toBe(0);
  const ids = readFileSync(out, "utf8")
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => (JSON.parse(l) as { id: string }).id);
  const filter = (
    JSON.parse(readFileSync(report, "utf8")) as { filter: { prefiltered: number; matched: number } }
  ).filter;
  return { ids, filter };
}

describe("run --pattern end to end", () => {
  test.each(patterns)("%s", async (name, pattern) => {
    const compiled = compilePattern(pattern);
    const expected = lines
      .map((l) => JSON.parse(l) as { id: string })
      .filter((e) => compiled.matches(e))
      .map((e) => e.id);
    expect(expected.length).toBeGreaterThan(0);
    const withPrefilter = await run(pattern, true, `${name}-on`);
    const without = await run(pattern, false, `${name}-off`);
    expect(withPrefilter.ids).toEqual(expected);
    expect(without.ids).toEqual(expected);
    expect(without.filter.prefiltered).toBe(0);
    if (compiled.prefilter) expect(withPrefilter.filter.prefiltered).toBeGreaterThan(0);
    else expect(withPrefilter.filter.prefiltered).toBe(0);
  });
});
