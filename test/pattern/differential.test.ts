/**
 * The compiled matcher against the slow reference (./reference.ts) on the corpus and on
 * generated events: dotted keys, arrays of objects, `$or` next to array fields, exists:false.
 */
import { describe, expect, test } from "bun:test";
import { compilePattern } from "../../src/pattern/index.ts";
import { matchCases } from "./corpus.ts";
import { mutate, prng, stringsIn } from "./generate.ts";
import { referenceMatcher } from "./reference.ts";

describe("compiled matcher vs reference", () => {
  test("the reference itself agrees with the corpus", () => {
    const wrong = matchCases.filter((c) => referenceMatcher(c.pattern)(c.event) !== c.match).map((c) => c.id);
    expect(wrong).toEqual([]);
  });

  test("agree on generated events", () => {
    const random = prng(7);
    const disagreements: string[] = [];
    let matched = 0;
    let total = 0;
    for (const c of matchCases) {
      const fast = compilePattern(c.pattern);
      const slow = referenceMatcher(c.pattern);
      const pool = [...stringsIn(c.pattern), ...stringsIn(c.event), "x"];
      for (let i = 0; i < 20; i++) {
        const event = mutate(c.event, random, pool);
        const expected = slow(event);
        total++;
        if (expected) matched++;
        if (fast.matches(event) !== expected) {
          disagreements.push(`${c.id}: ${JSON.stringify(event).slice(0, 300)} (reference ${expected})`);
        }
      }
    }
    expect(disagreements.slice(0, 10)).toEqual([]);
    expect(total).toBeGreaterThan(15000);
    expect(matched).toBeGreaterThan(1000);
  });

  const crafted: Array<[string, Record<string, unknown>, unknown]> = [
    [
      "$or branch and sibling on one array",
      { $or: [{ e: { f: ["A"] } }, { e: { g: ["B"] } }], e: { h: ["C"] } },
      {
        e: [
          { f: "A", h: "X" },
          { g: "B", h: "C" },
        ],
      },
    ],
    [
      "two $or groups on one array",
      { $or: [{ e: { f: ["A"] } }, { x: [1] }], $or2: ["y"] },
      { e: [{ f: "A" }], $or2: "y" },
    ],
    ["exists:false only, under array", { e: { f: [{ exists: false }] } }, { e: [{ g: 1 }, { f: 2 }] }],
    ["exists:false pinned", { e: { f: [{ exists: false }], g: [1] } }, { e: [{ g: 1 }, { f: 2 }] }],
    [
      "nested arrays",
      { a: { b: { c: ["x"], d: ["y"] } } },
      { a: [{ b: [{ c: "x" }, { d: "y" }] }, { b: { c: "x", d: "y" } }] },
    ],
    ["dotted next to nested", { a: { b: ["1"], c: ["2"] } }, { a: [{ b: "1" }], "a.c": "2" }],
  ];
  test.each(crafted)("%s", (_name, pattern, event) => {
    expect(compilePattern(pattern).matches(event)).toBe(referenceMatcher(pattern)(event));
  });
});
