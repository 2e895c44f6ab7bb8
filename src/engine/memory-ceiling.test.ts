import { expect, test } from "bun:test";
import { MemoryCeiling, RUN_CEILING_FLOOR_BYTES, RUN_CEILING_HEADROOM_BYTES } from "./memory-ceiling.ts";

/** Calls `check` 50 times and counts the forced collections. */
function collectionsOver50Checks(ceiling: MemoryCeiling): number {
  const raw = Bun.gc;
  let collections = 0;
  Bun.gc = ((force: boolean) => {
    collections++;
    return raw(force);
  }) as typeof Bun.gc;
  try {
    for (let i = 0; i < 50; i++) ceiling.check();
  } finally {
    Bun.gc = raw;
  }
  return collections;
}

test("a ceiling below the live heap is raised after one collection, not collected against forever", () => {
  // Always "over": the live heap is more than 512 bytes; no minimum interval between checks.
  expect(collectionsOver50Checks(new MemoryCeiling(1024, 0))).toBe(1);
});

test("collections are spaced by at least the minimum interval", () => {
  // Over the ceiling, but checks at most every minute.
  expect(collectionsOver50Checks(new MemoryCeiling(1, 60_000))).toBe(1);
});

test("nothing is collected under the ceiling", () => {
  expect(collectionsOver50Checks(new MemoryCeiling(Number.MAX_SAFE_INTEGER, 0))).toBe(0);
});

test("by default the ceiling is the memory held at the first check plus the run's headroom", () => {
  const ceiling = new MemoryCeiling(undefined, 60_000);
  expect(ceiling.ceiling).toBeUndefined();
  const before = process.memoryUsage.rss();
  ceiling.check();
  const after = process.memoryUsage.rss();
  expect(ceiling.ceiling).toBeGreaterThanOrEqual(RUN_CEILING_FLOOR_BYTES);
  expect(ceiling.ceiling).toBeGreaterThanOrEqual(Math.min(before, after) + RUN_CEILING_HEADROOM_BYTES);
  expect(ceiling.ceiling).toBeLessThanOrEqual(
    Math.max(RUN_CEILING_FLOOR_BYTES, Math.max(before, after) + RUN_CEILING_HEADROOM_BYTES),
  );
});
