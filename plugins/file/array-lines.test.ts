/**
 * The JSON array reader's line fast path (array-lines.ts) must give exactly what the exact
 * scanner gives: same records, positions, texts, invalid records and batch boundaries, on
 * seeded random arrays in the one-element-per-line layout with every kind of deviation mixed in
 * (malformed elements, two elements on a line, pretty-printed elements, scalars, bytes that are
 * not UTF-8, CRLF, blank lines, trailing commas, text after `]`, truncation) and random chunks.
 */
import { describe, expect, test } from "bun:test";
import type { SourceBatch } from "../../src/sdk/index.ts";
import { seededRandom } from "../../test/support/seeded-random.ts";
import { readJsonArray } from "./array-reader.ts";

async function* chunked(bytes: Uint8Array, random: () => number): AsyncIterable<Uint8Array> {
  for (let i = 0; i < bytes.length; ) {
    const size = 1 + Math.floor(random() * (random() < 0.2 ? 8 : 300));
    yield bytes.slice(i, i + size);
    i += size;
  }
}

/**
 * Everything a read gives, batch by batch (so batch boundaries are compared too). The preview
 * of a structural error (`text` of "expected ','..." and the like) is the rest of the decoded
 * block the scanner was in, so even the exact scanner gives a longer or shorter one depending
 * on where the input's chunks end: it is compared up to its first line break.
 */
async function readBatches(batches: AsyncIterable<SourceBatch>) {
  const out: unknown[] = [];
  for await (const batch of batches) {
    out.push({
      records: batch.records.map((r) => [r.position, r.text, r.value]),
      invalid: (batch.invalid ?? []).map((i) =>
        /^(invalid|unexpected end|array element)/.test(i.reason) ? i : { ...i, text: i.text.split("\n")[0] },
      ),
    });
  }
  return out;
}

const enc = new TextEncoder();

function randomFile(random: () => number): Uint8Array {
  const pick = <T>(items: T[]) => items[Math.floor(random() * items.length)]!;
  const element = () =>
    JSON.stringify({
      id: Math.floor(random() * 1e6),
      s: pick(["plain", 'q"uote', "back\\slash", "é🎉\u2028", "]},{[", ""]),
      n: pick([[], [1, [2]], [{ x: "}" }], {}]),
    });
  const parts: Uint8Array[] = [
    enc.encode(pick(["[\n", "[\r\n", "  [  \n", "[\n\n", `[${element()},\n`, "x\n"])),
  ];
  const count = Math.floor(random() * 25);
  for (let k = 0; k < count; k++) {
    const last = k === count - 1;
    const sep = last ? "" : pick([",", ",", ",", " ,", ","]);
    const eol = pick(["\n", "\n", "\n", "\r\n", "\n\n"]);
    const r = random();
    if (r < 0.05) parts.push(enc.encode(`{"broken": [1,,2]}${sep}${eol}`));
    else if (r < 0.1) parts.push(enc.encode(`${element()}, ${element()}${sep}${eol}`));
    else if (r < 0.15)
      parts.push(enc.encode(`${JSON.stringify(JSON.parse(element()), null, 2)}${sep}${eol}`));
    else if (r < 0.18) parts.push(enc.encode(`${pick(["42", '"str"', "true", "null"])}${sep}${eol}`));
    else if (r < 0.21)
      parts.push(new Uint8Array([...enc.encode('{"bad": "'), 0xff, ...enc.encode(`"}${sep}${eol}`)]));
    else if (r < 0.23) parts.push(enc.encode(`  ${element()}${sep} ${eol}`));
    else parts.push(enc.encode(`${element()}${sep}${eol}`));
  }
  const r = random();
  if (r < 0.1) parts.push(enc.encode(",\n]\n"));
  else if (r < 0.2) parts.push(enc.encode("]\n]\n"));
  else if (r < 0.3)
    parts.push(enc.encode("]")); // no newline at the end
  else parts.push(enc.encode(count === 0 ? "]\n" : "\n]\n"));
  let bytes = Buffer.concat(parts);
  // Sometimes cut the file anywhere.
  if (random() < 0.15) bytes = bytes.subarray(0, Math.floor(random() * bytes.length));
  return bytes;
}

describe("JSON array line fast path", () => {
  test("reads exactly what the exact scanner reads (seeded random files and chunks)", async () => {
    const random = seededRandom(15);
    let fastRecords = 0;
    for (let round = 0; round < 400; round++) {
      const bytes = randomFile(random);
      const seed = Math.floor(random() * 1e9);
      const options = { name: "a.json", batchSize: 1 + Math.floor(random() * 5), maxRecordBytes: 1 << 20 };
      // A prefilter that passes everything turns the fast path off without changing the result.
      const exact = await readBatches(
        readJsonArray(chunked(bytes, seededRandom(seed)), { ...options, prefilter: () => true }),
      );
      const fast = await readBatches(readJsonArray(chunked(bytes, seededRandom(seed + 1)), options));
      if (JSON.stringify(fast) !== JSON.stringify(exact)) {
        expect({ file: Buffer.from(bytes).toString("latin1"), fast }).toEqual({
          file: Buffer.from(bytes).toString("latin1"),
          fast: exact,
        });
      }
      fastRecords += (fast as Array<{ records: unknown[] }>).reduce((n, b) => n + b.records.length, 0);
    }
    expect(fastRecords).toBeGreaterThan(1000);
  });

  test("one element per line is read by the fast path, with the scanner's positions", async () => {
    const text = '[\n{"a":1},\n  {"b":[2]} ,\n{"c":"x"}\n]\n';
    async function* once() {
      yield enc.encode(text);
    }
    const batches = await readBatches(
      readJsonArray(once(), { name: "f", batchSize: 10, maxRecordBytes: 1000 }),
    );
    expect(batches).toEqual([
      {
        records: [
          ["f:2:1", '{"a":1}', { a: 1 }],
          ["f:3:3", '{"b":[2]}', { b: [2] }],
          ["f:4:1", '{"c":"x"}', { c: "x" }],
        ],
        invalid: [],
      },
    ]);
  });
});
