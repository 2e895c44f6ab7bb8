import { expect, test } from "bun:test";
import { MemoryCeiling } from "./memory-ceiling.ts";

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
