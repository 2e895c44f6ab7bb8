import { afterEach, beforeEach, expect, test } from "bun:test";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { seededRandom as random } from "../../test/support/seeded-random.ts";
import { externalSort, MAX_FAN_IN } from "./external-sort.ts";

interface Item {
  key: number;
  seq: number;
  text?: string;
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "rehydrate-sort-test-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function* from<T>(items: readonly T[]): AsyncIterable<T> {
  for (const item of items) yield item;
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

const byKey = (a: Item, b: Item) => a.key - b.key;

function items(count: number, distinctKeys: number, seed = 1): Item[] {
  const next = random(seed);
  return Array.from({ length: count }, (_, seq) => ({ key: Math.floor(next() * distinctKeys), seq }));
}

/** What a stable in-memory sort gives: the oracle. */
function expected(input: Item[]): Item[] {
  return [...input].sort((a, b) => a.key - b.key || a.seq - b.seq);
}

test("sorts more items than one run, spilling runs to disk", async () => {
  const input = items(2_500, 1_000_000);
  const spilled: string[][] = [];
  async function* watching(): AsyncIterable<Item> {
    for (const item of input) {
      yield item;
      if (item.seq === 1_500) spilled.push(await readdir(dir));
    }
  }
  const output = await collect(externalSort(watching(), { compare: byKey, runSize: 400, dir }));
  expect(output).toEqual(expected(input));
  // By item 1500, three runs of 400 were spilled.
  expect(spilled[0]?.length).toBe(3);
  // Run files are removed when the merge ends.
  expect(await readdir(dir)).toEqual([]);
});

test("is stable: equal keys keep their input order across runs", async () => {
  const input = items(3_000, 7, 2);
  const output = await collect(externalSort(from(input), { compare: byKey, runSize: 128, dir }));
  expect(output.map((i) => i.seq)).toEqual(expected(input).map((i) => i.seq));
});

test("merges in several passes when there are more runs than the fan-in", async () => {
  const count = MAX_FAN_IN * 3 + 5;
  const input = items(count * 4, 50, 3);
  const output = await collect(externalSort(from(input), { compare: byKey, runSize: 4, dir }));
  expect(output).toEqual(expected(input));
  expect(await readdir(dir)).toEqual([]);
});

test("empty input yields nothing and writes nothing", async () => {
  expect(await collect(externalSort(from<Item>([]), { compare: byKey, runSize: 10, dir }))).toEqual([]);
  expect(await readdir(dir)).toEqual([]);
});

test("a run that fits in memory is sorted without touching disk", async () => {
  const input = items(50, 10, 4);
  const output = await collect(externalSort(from(input), { compare: byKey, dir }));
  expect(output).toEqual(expected(input));
});

test("keeps text with newlines, U+2028 and multi-byte characters intact across read chunks", async () => {
  const awkward = 'line\nbreak \u2028 sep \u2029 é 😀 "quoted" \\ back';
  const input: Item[] = Array.from({ length: 3_000 }, (_, seq) => ({
    key: (seq * 7919) % 3_000,
    seq,
    text: awkward.repeat((seq % 40) + 1),
  }));
  const output = await collect(externalSort(from(input), { compare: byKey, runSize: 256, dir }));
  expect(output).toEqual(expected(input));
});

test("stopping early removes the run files", async () => {
  const input = items(1_000, 1000, 5);
  const taken: Item[] = [];
  for await (const item of externalSort(from(input), { compare: byKey, runSize: 100, dir })) {
    taken.push(item);
    if (taken.length === 10) break;
  }
  expect(taken).toEqual(expected(input).slice(0, 10));
  expect(await readdir(dir)).toEqual([]);
});
