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

// ---------------------------------------------------------------------------------------------
// `key`, `serialize` and `deserialize`
// ---------------------------------------------------------------------------------------------

const byKeyThenNothing = (a: Item, b: Item) => a.key - b.key;
/** A string key that orders as `key` does (fixed width), for items with keys below 10^8. */
const paddedKey = (item: Item) => String(item.key).padStart(8, "0");

test("a string key orders as compare does, across runs, and keeps equal keys in input order", async () => {
  const input = items(3_000, 40, 6);
  const output = await collect(
    externalSort(from(input), { compare: byKeyThenNothing, key: paddedKey, runSize: 128, dir }),
  );
  expect(output.map((i) => i.seq)).toEqual(expected(input).map((i) => i.seq));
  expect(output).toEqual(expected(input));
  expect(await readdir(dir)).toEqual([]);
});

test("with a key, compare is not called", async () => {
  const input = items(1_000, 1_000, 7);
  let calls = 0;
  const counting = (a: Item, b: Item) => {
    calls++;
    return a.key - b.key;
  };
  for (const runSize of [100, 5_000]) {
    const output = await collect(
      externalSort(from(input), { compare: counting, key: paddedKey, runSize, dir }),
    );
    expect(output).toEqual(expected(input));
  }
  expect(calls).toBe(0);
});

test("number keys order numerically: negatives, fractions, -0 = 0, infinities", async () => {
  const values = [3, -1, 0, -0, 2.5, -2.5, 1e300, -1e300, Infinity, -Infinity, 5e-324, -5e-324, 2 ** 53, 7];
  const input: Item[] = Array.from({ length: 1_400 }, (_, seq) => ({
    key: values[(seq * 5) % values.length]!,
    seq,
  }));
  const output = await collect(
    externalSort(from(input), { compare: byKey, key: (item) => item.key, runSize: 64, dir }),
  );
  // -0 and 0 are one key: input order between them.
  const oracle = [...input].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.seq - b.seq));
  expect(output.map((i) => i.seq)).toEqual(oracle.map((i) => i.seq));
});

test("any string key orders as `<` does: control characters, tabs, newlines, NUL, surrogates, prefixes", async () => {
  const pieces = [
    "",
    "a",
    "\0",
    "\x01",
    "\t",
    "\n",
    "\x1f",
    " ",
    "~",
    "é",
    "\ud7fe",
    "\ud7ff",
    "\ud800",
    "\udfff",
    "😀",
    "\ue000",
    "\uffff",
  ];
  const next = random(8);
  const keys: string[] = [];
  for (let i = 0; i < 2_000; i++) {
    let key = "";
    const length = Math.floor(next() * 4);
    for (let j = 0; j < length; j++) key += pieces[Math.floor(next() * pieces.length)];
    keys.push(key);
  }
  const input: Item[] = keys.map((text, seq) => ({ key: 0, seq, text }));
  const compareText = (a: Item, b: Item) => (a.text! < b.text! ? -1 : a.text! > b.text! ? 1 : 0);
  // Keys travel through the run files; the items themselves (custom serialisation) carry only seq.
  const output = await collect(
    externalSort(from(input), {
      compare: compareText,
      key: (item) => item.text!,
      serialize: (item) => String(item.seq),
      deserialize: (text) => input[Number(text)]!,
      runSize: 100,
      dir,
    }),
  );
  const oracle = [...input].sort((a, b) => compareText(a, b) || a.seq - b.seq);
  expect(output.map((i) => i.seq)).toEqual(oracle.map((i) => i.seq));
});

test("the keys of one sort must all be strings or all numbers, and not NaN", async () => {
  const mixed = items(10, 10, 9).map((item, i) => ({ ...item, text: i === 5 ? "x" : undefined }));
  const mixedKey = (item: Item) => item.text ?? item.key;
  await expect(
    collect(externalSort(from(mixed), { compare: byKey, key: mixedKey, runSize: 3, dir })),
  ).rejects.toThrow(/all be strings or all numbers/);
  await expect(
    collect(externalSort(from(items(10, 10, 9)), { compare: byKey, key: () => Number.NaN, runSize: 3, dir })),
  ).rejects.toThrow(/NaN/);
  expect(await readdir(dir)).toEqual([]);
});

test("with a key, everything in one run yields the original objects, sorted, with no file", async () => {
  const input = items(500, 30, 10);
  const output = await collect(externalSort(from(input), { compare: byKey, key: paddedKey, dir }));
  expect(output).toEqual(expected(input));
  const originals = new Set(input);
  expect(output.every((item) => originals.has(item))).toBe(true);
});

test("with a key, merges in several passes beyond the fan-in, and removes every run file", async () => {
  const input = items((MAX_FAN_IN * 3 + 5) * 4, 50, 11);
  const output = await collect(
    externalSort(from(input), { compare: byKey, key: paddedKey, runSize: 4, dir }),
  );
  expect(output).toEqual(expected(input));
  expect(await readdir(dir)).toEqual([]);
});

test("serialize/deserialize: the caller's text is spilled as given, and what deserialize returns comes out", async () => {
  const input = items(2_000, 100, 12).map((item) => ({
    ...item,
    text: JSON.stringify({ k: item.key, s: item.seq }),
  }));
  const texts: string[] = [];
  const output = await collect(
    externalSort(from(input), {
      compare: byKey,
      key: paddedKey,
      serialize: (item) => item.text!,
      deserialize: (text) => {
        texts.push(text);
        const { k, s } = JSON.parse(text) as { k: number; s: number };
        return { key: k, seq: s, text };
      },
      runSize: 150,
      dir,
    }),
  );
  expect(output).toEqual(expected(input));
  // Each line was parsed once, when it came out, and was exactly the caller's text.
  expect(texts).toEqual(expected(input).map((item) => item.text!));
});

test("compare only, many passes: lines are copied between passes, not serialised again", async () => {
  const input = items((MAX_FAN_IN * 2 + 3) * 3, 20, 13);
  let serialised = 0;
  let deserialised = 0;
  const output = await collect(
    externalSort(from(input), {
      compare: byKey,
      serialize: (item) => {
        serialised++;
        return `${item.key},${item.seq}`;
      },
      deserialize: (text) => {
        deserialised++;
        const [key, seq] = text.split(",").map(Number);
        return { key: key!, seq: seq! };
      },
      runSize: 3,
      dir,
    }),
  );
  expect(output).toEqual(expected(input));
  expect(serialised).toBe(input.length);
  // Two passes: each line is parsed once per pass to be compared.
  expect(deserialised).toBe(2 * input.length);
  expect(await readdir(dir)).toEqual([]);
});

test("a serialised item holding a line break is refused, and the run files are removed", async () => {
  const input = items(50, 10, 14);
  await expect(
    collect(
      externalSort(from(input), {
        compare: byKey,
        key: paddedKey,
        serialize: (item) => (item.seq === 30 ? "a\nb" : String(item.seq)),
        runSize: 10,
        dir,
      }),
    ),
  ).rejects.toThrow(/line break/);
  expect(await readdir(dir)).toEqual([]);
});

test("with a key, stopping early in a multi-pass merge removes the run files", async () => {
  const input = items((MAX_FAN_IN + 10) * 5, 1_000, 15);
  const taken: Item[] = [];
  for await (const item of externalSort(from(input), { compare: byKey, key: paddedKey, runSize: 5, dir })) {
    taken.push(item);
    if (taken.length === 10) break;
  }
  expect(taken).toEqual(expected(input).slice(0, 10));
  expect(await readdir(dir)).toEqual([]);
});

test("an error from the input mid-way removes the run files", async () => {
  async function* failing(): AsyncIterable<Item> {
    yield* items(95, 100, 16);
    throw new Error("source broke");
  }
  await expect(
    collect(externalSort(failing(), { compare: byKey, key: paddedKey, runSize: 10, dir })),
  ).rejects.toThrow("source broke");
  expect(await readdir(dir)).toEqual([]);
});

test("long lines (past the write buffer) and multi-byte text survive the key path", async () => {
  const big = "é😀\u2028".repeat(400_000);
  const input: Item[] = Array.from({ length: 30 }, (_, seq) => ({
    key: (seq * 7) % 30,
    seq,
    text: seq % 10 === 3 ? big : "x",
  }));
  const output = await collect(
    externalSort(from(input), { compare: byKey, key: paddedKey, runSize: 4, dir }),
  );
  expect(output).toEqual(expected(input));
});
