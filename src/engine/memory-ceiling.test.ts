import { expect, test } from "bun:test";
import { MemoryCeiling } from "./memory-ceiling.ts";

test("a ceiling below the live heap is raised after one collection, not collected against forever", () => {
  const ceiling = new MemoryCeiling(1024, 0); // always "over": the live heap is more than 512 bytes
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
  expect(collections).toBe(1);
});

test("collections are spaced by their own cost", () => {
  const ceiling = new MemoryCeiling(1, 60_000); // over the ceiling, but checks at most every minute
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
  expect(collections).toBe(1);
});
