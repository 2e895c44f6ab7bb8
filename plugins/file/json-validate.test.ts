/**
 * The event validator (json-validate.wat) against `JSON.parse` + `isEventBridgeEvent`: every
 * "yes" must be a line that parses to an EventBridge event (a wrong "yes" would pass an invalid
 * line as an event), and the plain events generated here and by the benchmark must all be "yes"
 * (a "don't know" only costs speed, but should be rare).
 */
import { describe, expect, test } from "bun:test";
import { generateEvents } from "../../scripts/bench/generate-events.ts";
import { isEventBridgeEvent } from "../../src/envelope/event-shape.ts";
import { type EventValidator, MAX_LINES, wasmEventValidator, YES } from "./json-validate.ts";
import { Gen, mulberry32 } from "./json-validate-gen.ts";

const validator = wasmEventValidator();

/** The answers for `lines` (joined with `\n`, as one block), in calls of at most MAX_LINES. */
function answers(v: EventValidator, lines: string[]): boolean[] {
  const text = lines.join("\n");
  const bytes = new TextEncoder().encode(text);
  v.load(bytes);
  const out: boolean[] = [];
  const ends: number[] = [];
  let pos = 0;
  while (pos < bytes.length || (pos === bytes.length && out.length < lines.length)) {
    const count = v.validate(pos);
    if (count === 0) break;
    for (let k = 0; k < count; k++) {
      const r = v.records[k]!;
      out.push(r >= YES);
      ends.push(r & 0x7fffffff);
    }
    pos = ends[ends.length - 1]! + 1;
  }
  // Each record ends its line where the line's newline is (byte positions).
  let at = 0;
  const expectedEnds = lines.map((line) => {
    at += Buffer.byteLength(line);
    const end = at;
    at++;
    return end;
  });
  // A trailing empty line has no record (the block ends before it).
  const n = lines[lines.length - 1] === "" ? lines.length - 1 : lines.length;
  expect(ends).toEqual(expectedEnds.slice(0, n));
  return out;
}

function exact(line: string): boolean {
  const text = line.endsWith("\r") ? line.slice(0, -1) : line;
  try {
    return isEventBridgeEvent(JSON.parse(text));
  } catch {
    return false;
  }
}

test("the module runs here and passes its self-check", () => {
  // Bun's JavaScriptCore has WebAssembly SIMD: a failed self-check here is a bug in the module.
  expect(validator).toBeDefined();
});

describe.skipIf(validator === undefined)("event validator (WebAssembly)", () => {
  const v = validator!;

  test("hand-picked lines", () => {
    const base = '"source":"s","detail-type":"t","detail"';
    const cases: Array<[string, boolean]> = [
      [`{${base}:{}}`, true],
      [` \t{ ${base} : 1 } \r`, true],
      [`{${base}:-0.0e-0}`, true],
      [`{${base}:[1,2,{"a":[]}]}`, true],
      [`{${base}:"\\ud800"}`, true],
      [`{${base}:"é😀\u2028"}`, true],
      [`{${base}:01}`, false],
      [`{${base}:1.}`, false],
      [`{${base}:.5}`, false],
      [`{${base}:1e}`, false],
      [`{${base}:-}`, false],
      [`{${base}:+1}`, false],
      [`{${base}:[1,]}`, false],
      [`{${base}:{"a":1,}}`, false],
      [`{${base}:[}`, false],
      [`{${base}:{]}`, false],
      [`{${base}:"\t"}`, false],
      [`{${base}:"\\a"}`, false],
      [`{${base}:"\\u12g4"}`, false],
      [`{${base}:tru}`, false],
      [`{${base}:1} {}`, false],
      [`{${base}:1}}`, false],
      [`{${base}:1`, false],
      [`{"source":1,"detail-type":"t","detail":1}`, false],
      [`{"source":"s","detail-type":"t"}`, false],
      [`{"source":"s","source":"s","detail-type":"t","detail":1}`, false], // duplicate: "don't know"
      [`{"sour\\u0063e":"s","detail-type":"t","detail":1}`, false], // escaped key: "don't know"
      [`[{${base}:1}]`, false],
      [`"{${base}:1}"`, false],
      ["", false],
      ["   ", false],
    ];
    const got = answers(
      v,
      cases.map(([text]) => text),
    );
    expect(cases.map(([text], k) => [text, got[k]])).toEqual(cases.map(([text, yes]) => [text, yes]));
  });

  test("differential fuzz: every yes parses to an event; plain events are all yes", () => {
    const gen = new Gen(mulberry32(20240515));
    const falsePositives: string[] = [];
    const missedPlain: string[] = [];
    let yes = 0;
    let exactEvents = 0;
    let missedOdd = 0;
    for (let round = 0; round < 40; round++) {
      const lines: string[] = [];
      const plain: boolean[] = [];
      for (let k = 0; k < 500; k++) {
        const event = gen.event();
        const isPlain = gen.random() < 0.4;
        lines.push(isPlain ? event : gen.odd(event));
        plain.push(isPlain);
      }
      // Lines a mutation split with a newline are checked as the lines they became.
      const split = lines.join("\n").split("\n");
      const kinds = lines.flatMap((line, k) => line.split("\n").map(() => plain[k]!));
      const got = answers(v, split);
      for (let k = 0; k < split.length; k++) {
        const ok = exact(split[k]!);
        if (ok) exactEvents++;
        if (got[k]) yes++;
        if (got[k] && !ok) falsePositives.push(split[k]!);
        if (kinds[k] && !got[k]) missedPlain.push(split[k]!);
        if (!kinds[k] && ok && !got[k]) {
          missedOdd++;
          if (process.env.SHOW_MISSED) console.log(JSON.stringify(split[k]));
        }
      }
    }
    expect(falsePositives).toEqual([]);
    expect(missedPlain).toEqual([]);
    expect(yes).toBeGreaterThan(8000);
    // Valid events among the odd lines that got "don't know" (escaped keys, duplicates, depth).
    // Measured: 1143 of 11011, all deeper than 128 (666), with an escaped top-level key (430) or a
    // duplicate one (47).
    expect(missedOdd).toBeLessThan(exactEvents * 0.15);
  });

  test("the benchmark's events are all yes", () => {
    const lines = [...generateEvents({ count: 20000 })].map((e) => JSON.stringify(e));
    const got = answers(v, lines);
    expect(got.filter((y) => !y).length).toBe(0);
  });

  test("more lines than one call answers", () => {
    const lines = Array.from({ length: MAX_LINES * 2 + 5 }, (_, k) =>
      k % 3 === 0 ? "{" : `{"source":"s","detail-type":"t","detail":${k}}`,
    );
    const got = answers(v, lines);
    expect(got).toEqual(lines.map((_, k) => k % 3 !== 0));
  });
});
