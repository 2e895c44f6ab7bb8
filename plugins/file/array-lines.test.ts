/**
 * The JSON array reader's line fast path (array-lines.ts) must give exactly what the exact
 * scanner gives: same records, positions, texts, invalid records, prefiltered counts and batch
 * boundaries, on seeded random arrays in the one-element-per-line layout with every kind of
 * deviation mixed in (malformed elements, two elements on a line, pretty-printed elements,
 * scalars, bytes that are not UTF-8, CRLF, blank lines, trailing commas, text after `]`,
 * truncation, lines broken inside strings, stray brackets and backslashes, long strings of
 * quotes and backslashes across the verifier's 64-byte blocks) and random chunks; without a
 * prefilter, and with one on text or on bytes, verified by the WebAssembly module or the JS
 * reference.
 */
import { describe, expect, test } from "bun:test";
import { prefilterFromLiterals } from "../../src/pattern/prefilter.ts";
import type { SourceBatch } from "../../src/sdk/index.ts";
import { seededRandom } from "../../test/support/seeded-random.ts";
import { type ArrayPaths, readJsonArray } from "./array-reader.ts";
import { compileBytePrefilter } from "./byte-prefilter.ts";
import { acquireLineVerifier, jsLineVerifier, releaseLineVerifier, wasmLineVerifier } from "./json-scan.ts";
import { LazyBytesRecord } from "./lazy-record.ts";
import type { ReaderOptions } from "./ndjson-reader.ts";

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
 * on where the input's chunks end: only its first character is compared.
 */
async function readBatches(batches: AsyncIterable<SourceBatch>) {
  const out: unknown[] = [];
  for await (const batch of batches) {
    out.push({
      records: batch.records.map((r) => [r.position, r.text, r.value]),
      prefiltered: batch.prefiltered ?? 0,
      verified: batch.verified ?? false,
      invalid: (batch.invalid ?? []).map((i) =>
        /^(invalid|unexpected end|array element)/.test(i.reason) ? i : { ...i, text: i.text.slice(0, 1) },
      ),
    });
  }
  return out;
}

const enc = new TextEncoder();
const count = (batches: unknown[]) =>
  (batches as Array<{ records: unknown[] }>).reduce((n, b) => n + b.records.length, 0);

function randomFile(random: () => number): Uint8Array {
  const pick = <T>(items: T[]) => items[Math.floor(random() * items.length)]!;
  const tricky = () =>
    Array.from({ length: Math.floor(random() * 150) }, () =>
      pick(["a", "\\", "\\", '"', "{", "}", "[", "]", "é", " ", ",", "x"]),
    ).join("");
  const element = () =>
    JSON.stringify({
      // Mostly EventBridge events, so a verifying read has verified batches.
      ...(random() < 0.8 && { source: "s", "detail-type": "t", detail: {} }),
      id: Math.floor(random() * 1e6),
      s: pick(["plain", 'q"uote', "back\\slash", "é🎉\u2028", "]},{[", "", tricky(), tricky()]),
      n: pick([[], [1, [2]], [{ x: "}" }], {}, [tricky()]]),
    });
  /** A valid element with one character deleted or inserted: broken structure. */
  const mutated = () => {
    const text = element();
    const at = Math.floor(random() * text.length);
    return random() < 0.5
      ? text.slice(0, at) + text.slice(at + 1)
      : text.slice(0, at) + pick(["{", "}", "[", "]", '"', "\\", ",", "\n"]) + text.slice(at);
  };
  const parts: Uint8Array[] = [
    enc.encode(pick(["[\n", "[\r\n", "  [  \n", "[\n\n", `[${element()},\n`, "x\n"])),
  ];
  // Some files deviate rarely, so long runs of lines go through the line path before a handover.
  const deviation = pick([0.02, 0.1, 0.32, 0.32]);
  const count = Math.floor(random() * (deviation < 0.3 ? 60 : 25));
  for (let k = 0; k < count; k++) {
    const last = k === count - 1;
    const sep = last ? "" : pick([",", ",", ",", " ,", ","]);
    const eol = pick(["\n", "\n", "\n", "\r\n", "\n\n"]);
    const r = random() < deviation ? random() * 0.32 : 1;
    if (r < 0.05) parts.push(enc.encode(`{"broken": [1,,2]}${sep}${eol}`));
    else if (r < 0.1) parts.push(enc.encode(`${element()}, ${element()}${sep}${eol}`));
    else if (r < 0.15)
      parts.push(enc.encode(`${JSON.stringify(JSON.parse(element()), null, 2)}${sep}${eol}`));
    else if (r < 0.18) parts.push(enc.encode(`${pick(["42", '"str"', "true", "null"])}${sep}${eol}`));
    else if (r < 0.21)
      parts.push(new Uint8Array([...enc.encode('{"bad": "'), 0xff, ...enc.encode(`"}${sep}${eol}`)]));
    else if (r < 0.23) parts.push(enc.encode(`  ${element()}${sep} ${eol}`));
    else if (r < 0.3) parts.push(enc.encode(`${mutated()}${sep}${eol}`));
    else if (r < 0.32)
      parts.push(
        enc.encode(`${pick(['{"a":"}\n"}', '{"a":1}}', "{}{}", '{"a":1,\\}', "{\\}", "[1]]"])}${sep}${eol}`),
      );
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

/** The texts' literal sets: one common, one rarer, so some lines pass and most do not. */
const LITERALS = [["id"], ["plain", '"}"', "é"]];

describe("JSON array line fast path", () => {
  test("reads exactly what the exact scanner reads (seeded random files and chunks)", async () => {
    const random = seededRandom(15);
    const wasm = wasmLineVerifier();
    expect(wasm?.kind).toBe("wasm");
    const fastRecords: Record<string, number> = {};
    let verifiedBatches = 0;
    const prefilter = prefilterFromLiterals(LITERALS);
    const bytePrefilter = compileBytePrefilter(LITERALS);
    for (let round = 0; round < 400; round++) {
      const bytes = randomFile(random);
      const seed = Math.floor(random() * 1e9);
      const options: ReaderOptions = {
        name: "a.json",
        batchSize: 1 + Math.floor(random() * 5),
        maxRecordBytes: 1 << 20,
      };
      const read = (extra: Partial<ReaderOptions>, paths: ArrayPaths, chunks: number) =>
        readBatches(
          readJsonArray(chunked(bytes, seededRandom(seed + chunks)), { ...options, ...extra }, paths),
        );
      const cases: Array<[string, Partial<ReaderOptions>, ArrayPaths]> = [
        ["match-all", {}, {}],
        ["match-all, verify", { verify: true }, {}],
        ["text prefilter, wasm", { prefilter }, {}],
        ["byte prefilter, wasm", { prefilter, bytePrefilter }, {}],
        ["byte prefilter, js", { prefilter, bytePrefilter }, { verifier: jsLineVerifier() }],
        ["no module", { prefilter, bytePrefilter }, { verifier: null }],
      ];
      const exact = {
        all: await read({}, { lines: false }, 0),
        verify: await read({ verify: true }, { lines: false }, 0),
        prefiltered: await read({ prefilter }, { lines: false }, 0),
      };
      for (const [name, extra, paths] of cases) {
        const got = await read(extra, paths, 1);
        const want = extra.prefilter ? exact.prefiltered : extra.verify ? exact.verify : exact.all;
        if (JSON.stringify(got) !== JSON.stringify(want)) {
          expect({ name, file: Buffer.from(bytes).toString("latin1"), got }).toEqual({
            name,
            file: Buffer.from(bytes).toString("latin1"),
            got: want,
          });
        }
        fastRecords[name] = (fastRecords[name] ?? 0) + count(got);
        verifiedBatches += (got as Array<{ verified: boolean }>).filter((b) => b.verified).length;
      }
    }
    expect(verifiedBatches).toBeGreaterThan(100);
    // Every path read many records (the fast paths are not silently off).
    for (const name of Object.keys(fastRecords)) expect(fastRecords[name]).toBeGreaterThan(500);
  }, 60_000);

  test("readers read at the same time each have their own verifier; finished ones give theirs back", async () => {
    const file = (tag: string, chunkSize: number) => {
      const lines = Array.from({ length: 300 }, (_, k) =>
        JSON.stringify({ id: k, tag, s: k % 7 ? "no" : "plain" }),
      );
      const bytes = enc.encode(`[\n${lines.join(",\n")}\n]\n`);
      return async function* () {
        for (let i = 0; i < bytes.length; i += chunkSize) yield bytes.slice(i, i + chunkSize);
      };
    };
    const options: ReaderOptions = {
      name: "f",
      batchSize: 1,
      maxRecordBytes: 1 << 20,
      prefilter: prefilterFromLiterals(LITERALS),
      bytePrefilter: compileBytePrefilter(LITERALS),
    };
    const a = readJsonArray(file("a", 700)(), options)[Symbol.asyncIterator]();
    const b = readJsonArray(file("b", 1100)(), options)[Symbol.asyncIterator]();
    const got: Record<string, string[]> = { a: [], b: [] };
    for (let doneA = false, doneB = false; !doneA || !doneB; ) {
      for (const [name, it] of [
        ["a", a],
        ["b", b],
      ] as const) {
        const next = await it.next();
        if (next.done) {
          if (name === "a") doneA = true;
          else doneB = true;
          continue;
        }
        got[name]!.push(...next.value.records.map((r) => `${r.position} ${r.text}`));
      }
    }
    for (const name of ["a", "b"]) {
      const exact: string[] = [];
      for await (const batch of readJsonArray(file(name, 500)(), options, { lines: false }))
        exact.push(...batch.records.map((r) => `${r.position} ${r.text}`));
      expect(got[name]).toEqual(exact);
      expect(exact).toHaveLength(43);
    }
    // Both verifiers went back to the pool, and the next readers take them.
    const first = acquireLineVerifier();
    const second = acquireLineVerifier();
    expect(first).toBeDefined();
    expect(second).not.toBe(first);
    releaseLineVerifier(first!);
    releaseLineVerifier(second!);
  });

  test("a prefiltered read takes the line path (ruled-out lines are not decoded)", async () => {
    const lines = Array.from({ length: 50 }, (_, k) =>
      JSON.stringify({ id: k, t: k % 10 === 0 ? "yes" : "no" }),
    );
    const text = `[\n${lines.join(",\n")}\n]\n`;
    const literals = [['"yes"']];
    let decoded = 0;
    const prefilter = (t: string) => {
      decoded++;
      return t.includes('"yes"');
    };
    async function* once() {
      yield enc.encode(text);
    }
    const batches = await readBatches(
      readJsonArray(once(), {
        name: "f",
        batchSize: 100,
        maxRecordBytes: 1000,
        prefilter,
        bytePrefilter: compileBytePrefilter(literals),
      }),
    );
    expect(batches.flatMap((b) => (b as { records: unknown[][] }).records.map((r) => r[0]))).toEqual(
      [0, 10, 20, 30, 40].map((k) => `f:${k + 2}:1`),
    );
    expect(decoded).toBe(0);
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
        prefiltered: 0,
        verified: false,
        records: [
          ["f:2:1", '{"a":1}', { a: 1 }],
          ["f:3:3", '{"b":[2]}', { b: [2] }],
          ["f:4:1", '{"c":"x"}', { c: "x" }],
        ],
        invalid: [],
      },
    ]);
  });

  test("verify mode: elements the event validator proves go on as their bytes, unparsed; the rest are parsed", async () => {
    const events = Array.from({ length: 50 }, (_, k) =>
      JSON.stringify({ id: `e${k}`, source: "s", "detail-type": "t", detail: { k, s: "é" } }),
    );
    // A non-event, and an element with an escaped key (the validator does not say yes).
    const lines = [
      ...events.slice(0, 20),
      '{"not":"an event"}',
      '{"sour\\u0063e":"s","detail-type":"t","detail":1}',
      ...events.slice(20),
    ];
    const bytes = enc.encode(`[\n${lines.map((l) => `  ${l}`).join(",\n")}\n]\n`);
    const read = async (validate: boolean) => {
      const out: Array<{ position: string; text: string | undefined; value: unknown; asBytes: boolean }> = [];
      for await (const batch of readJsonArray(chunked(bytes, seededRandom(7)), {
        name: "a.json",
        batchSize: 8,
        maxRecordBytes: 1 << 20,
        verify: true,
        validate,
      }))
        for (const r of batch.records)
          out.push({
            position: r.position,
            text: r.text,
            value: r.value,
            asBytes: r instanceof LazyBytesRecord,
          });
      return out;
    };
    const proven = await read(true);
    const parsed = await read(false);
    const strip = (list: typeof proven) => list.map(({ asBytes: _, ...rest }) => rest);
    expect(strip(proven)).toEqual(strip(parsed));
    expect(proven[0]!.position).toBe("a.json:2:3");
    expect(proven.filter((r) => r.asBytes)).toHaveLength(50);
    expect(parsed.some((r) => r.asBytes)).toBe(false);
  });
});
