/**
 * The WebAssembly line verifier (json-scan.wat) gives exactly the JS reference's answers
 * (json-scan.ts), both ways: a line it passes that the reference refuses would be a wrong read,
 * and one it refuses that the reference passes would silently cost speed. Seeded random blocks
 * of lines: valid elements with long strings of quotes, backslashes and brackets (so escapes
 * and strings cross the module's 64-byte blocks at every offset), broken ones, and the shapes
 * the check must refuse. The reader-level equivalence is in array-lines.test.ts.
 */
import { describe, expect, test } from "bun:test";
import { seededRandom } from "../../test/support/seeded-random.ts";
import { jsLineVerifier, type LineVerifier, MAX_RECORDS, wasmLineVerifier } from "./json-scan.ts";

/** The records of every line verified from `start` (calling again after a full set). */
function verifyAll(verifier: LineVerifier, bytes: Uint8Array, start: number): number[] {
  verifier.reserve(bytes.length).set(bytes);
  const out: number[] = [];
  for (let from = start; ; ) {
    const count = verifier.verify(from, bytes.length);
    out.push(...verifier.records.subarray(0, count * 4));
    if (count < MAX_RECORDS) return out;
    from = (out[out.length - 1]! & 0x7fffffff) + 1;
  }
}

/** Where the verified lines end: the start of the first line not verified. */
const verifiedEnd = (records: number[], start: number) =>
  records.length === 0 ? start : (records[records.length - 1]! & 0x7fffffff) + 1;

const enc = new TextEncoder();

function randomLine(random: () => number): string {
  const pick = <T>(items: T[]) => items[Math.floor(random() * items.length)]!;
  const noise = (n: number) =>
    Array.from({ length: Math.floor(random() * n) }, () =>
      pick(["a", "\\", "\\", "\\", '"', "{", "}", "[", "]", "é", " ", ",", "🎉"]),
    ).join("");
  const value = (depth: number): unknown => {
    const r = random();
    if (depth > 3 || r < 0.4) return pick([noise(90), 1, null, true, "x"]);
    if (r < 0.7) return Array.from({ length: Math.floor(random() * 4) }, () => value(depth + 1));
    return Object.fromEntries(
      Array.from({ length: Math.floor(random() * 4) }, (_, k) => [noise(8) + k, value(depth + 1)]),
    );
  };
  const element = () => JSON.stringify(random() < 0.5 ? { v: value(0) } : [value(0)]);
  const r = random();
  const lead = pick(["", "", " ", "\t", "  "]);
  const tail = pick(["", ",", ",", " ,", ", ", "\r", ",\r"]);
  if (r < 0.6) return lead + element() + tail;
  if (r < 0.7) {
    // One character deleted or inserted somewhere.
    const text = element();
    const at = Math.floor(random() * text.length);
    return random() < 0.5
      ? text.slice(0, at) + text.slice(at + 1)
      : text.slice(0, at) + pick(["{", "}", "[", "]", '"', "\\", ",", "x"]) + text.slice(at);
  }
  if (r < 0.75) return pick(["", "  ", "\r"]);
  if (r < 0.8) return `${element()}, ${element()}`;
  if (r < 0.85) return `${element()}${pick(["}", "]", ",,", " x", '"', "\\"])}`;
  if (r < 0.9) return pick(["[", "]", "42,", '"s",', "{", "}", "{\\}", '{"a":"x\\"}', "{}{}"]);
  return `${lead}{"s":"${noise(200)}"}${tail}`;
}

describe("JSON array line verifier", () => {
  test("the module answers as the JS reference (seeded random blocks)", () => {
    const wasm = wasmLineVerifier();
    if (wasm === undefined) throw new Error("the WebAssembly verifier does not run here");
    const js = jsLineVerifier();
    const random = seededRandom(99);
    let fullyVerified = 0;
    let verifiedLines = 0;
    for (let round = 0; round < 3000; round++) {
      const lines = Array.from({ length: 1 + Math.floor(random() * 12) }, () => randomLine(random));
      const bytes = enc.encode(lines.join("\n") + "\n");
      // From every line start: each is where a call may begin.
      for (let start = 0; start < bytes.length; start = bytes.indexOf(10, start) + 1) {
        const expected = verifyAll(js, bytes, start);
        const got = verifyAll(wasm, bytes, start);
        if (JSON.stringify(got) !== JSON.stringify(expected)) {
          expect({ text: new TextDecoder().decode(bytes.subarray(start)), got }).toEqual({
            text: new TextDecoder().decode(bytes.subarray(start)),
            got: expected,
          });
        }
        if (start === 0 && verifiedEnd(expected, 0) === bytes.length) fullyVerified++;
        if (start === 0) verifiedLines += expected.length / 4;
      }
    }
    // Both answers are exercised: many blocks pass whole, many stop early.
    expect(fullyVerified).toBeGreaterThan(200);
    expect(fullyVerified).toBeLessThan(2800);
    expect(verifiedLines).toBeGreaterThan(3000);
  });

  test("records: line start, element start and end, newline (+ 2^31 after a comma)", () => {
    const text = '[\n  {"a":1} ,\r\n\n[2]\n';
    const bytes = enc.encode(text);
    for (const verifier of [wasmLineVerifier()!, jsLineVerifier()]) {
      expect(verifyAll(verifier, bytes, 2)).toEqual([
        2,
        4,
        11,
        14 + 0x80000000,
        15,
        15,
        15,
        15,
        16,
        16,
        19,
        19,
      ]);
      expect(verifyAll(verifier, bytes, 0)).toEqual([]);
    }
  });

  test("what the check refuses and passes", () => {
    const wasm = wasmLineVerifier()!;
    const cases: Array<[string, boolean]> = [
      ['{"a":1}', true],
      [' [1, {"b":"]"}] ,  ', true],
      ['{"a":"\\\\"}', true],
      ['{"a":"\\""},', true],
      ["", true],
      ["   ", true],
      ['{"a":1}}', false],
      ["{}{}", false],
      ["{},,", false],
      ['{"a":"x', false],
      ["{\\}", false],
      ['"s"', false],
      ["42", false],
      ["[", false],
      ["]", false],
      ['{"a":1} x', false],
    ];
    for (const [line, passes] of cases) {
      for (const verifier of [wasm, jsLineVerifier()]) {
        const bytes = enc.encode(line + "\n");
        expect([line, verifier.kind, verifyAll(verifier, bytes, 0).length === 4]).toEqual([
          line,
          verifier.kind,
          passes,
        ]);
      }
    }
  });

  test("a block larger than the module's memory grows it and keeps the carried bytes", () => {
    const wasm = wasmLineVerifier()!;
    const line = enc.encode(`${JSON.stringify({ s: '\\"'.repeat(1000) })},\n`);
    const count = Math.ceil((5 * 1024 * 1024) / line.length);
    const block = wasm.reserve(line.length);
    block.set(line);
    const grown = wasm.reserve(line.length * count);
    expect(grown.subarray(0, line.length)).toEqual(Buffer.from(line));
    for (let k = 1; k < count; k++) grown.set(line, k * line.length);
    const records: number[] = [];
    for (let from = 0, n = MAX_RECORDS; n === MAX_RECORDS; ) {
      n = wasm.verify(from, line.length * count);
      records.push(...wasm.records.subarray(0, n * 4));
      from = verifiedEnd(records, 0);
    }
    expect(records.length / 4).toBe(count);
    expect(verifiedEnd(records, 0)).toBe(line.length * count);
  });
});
