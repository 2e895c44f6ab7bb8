import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { readAll, tempDir } from "../../plugins/file/test-helpers.ts";
import { generateEvents, writeEvents } from "../../scripts/bench/generate-events.ts";

let dir = "";
let cleanup: () => Promise<void> = async () => {};
beforeEach(async () => ({ dir, cleanup } = await tempDir()));
afterEach(() => cleanup());

const matches = (event: { "detail-type": string; detail: unknown }) =>
  event["detail-type"] === "Order Placed" && (event.detail as { amount: number }).amount > 100;

describe("benchmark event generator", () => {
  test("is deterministic per seed, ~800 bytes per event, ~4% matching, tricky text every 997th", () => {
    const a = [...generateEvents({ count: 5000, seed: 7 })];
    const b = [...generateEvents({ count: 5000, seed: 7 })];
    const c = [...generateEvents({ count: 50, seed: 8 })];
    expect(a).toEqual(b);
    expect(c[0]).not.toEqual(a[0]);
    const bytes = a.reduce((sum, event) => sum + Buffer.byteLength(JSON.stringify(event)), 0) / a.length;
    expect(bytes).toBeGreaterThan(700);
    expect(bytes).toBeLessThan(900);
    const share = a.filter(matches).length / a.length;
    expect(share).toBeGreaterThan(0.03);
    expect(share).toBeLessThan(0.05);
    const tricky = JSON.stringify(a[997]);
    for (const piece of ["日本語", "🎉", "\u2028", '\\"quoted\\"', "\\\\"]) expect(tricky).toContain(piece);
    expect(JSON.stringify(a[998])).not.toContain("🎉");
  });

  test("NDJSON and array outputs read back through the file source as the same events", async () => {
    const expected = [...generateEvents({ count: 2000 })];
    await writeEvents(join(dir, "e.ndjson"), "ndjson", { count: 2000 });
    await writeEvents(join(dir, "e.json"), "array", { count: 2000 });
    await writeEvents(join(dir, "empty.json"), "array", { count: 0 });
    const ndjson = await readAll(dir, { paths: ["e.ndjson"] });
    const array = await readAll(dir, { paths: ["e.json", "empty.json"] });
    expect(ndjson.values).toEqual(expected);
    expect(array.values).toEqual(expected);
    expect(ndjson.invalid).toEqual([]);
    expect(array.invalid).toEqual([]);
    // The prefilter on the pattern's literal keeps every matching event.
    const filtered = await readAll(
      dir,
      { paths: ["e.ndjson"] },
      { prefilter: (t) => t.includes('"Order Placed"') },
    );
    expect(filtered.values.filter(matches as (v: unknown) => boolean)).toEqual(expected.filter(matches));
    expect(filtered.prefiltered + filtered.values.length).toBe(2000);
  });
});
