/**
 * Random patterns against random events over a small vocabulary, compiled matcher vs the
 * reference: exercises `$or` next to sibling fields under arrays (the normalization),
 * nested `$or`, `exists:false`, dotted keys in patterns and events, arrays of objects.
 */
import { expect, test } from "bun:test";
import { compilePattern } from "../../src/pattern/index.ts";
import { prng } from "./generate.ts";
import { referenceMatcher } from "./reference.ts";

const KEYS = ["a", "b", "c"];
const VALUES = ["x", "y", 1, null];

function generators(random: () => number) {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const leaf = (): unknown[] => {
    const out: unknown[] = [];
    const n = 1 + Math.floor(random() * 2);
    for (let i = 0; i < n; i++) {
      const r = random();
      if (r < 0.5) out.push(pick(VALUES));
      else if (r < 0.65) out.push({ exists: false });
      else if (r < 0.75) out.push({ exists: true });
      else if (r < 0.85) out.push({ "anything-but": "x" });
      else out.push({ prefix: "x" });
    }
    return out;
  };
  const pattern = (depth: number): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    const n = 1 + Math.floor(random() * 2);
    for (let i = 0; i < n; i++) {
      // Sometimes a dotted key, which may name the same path as a nested one.
      const key = random() < 0.2 ? `${pick(KEYS)}.${pick(KEYS)}` : pick(KEYS);
      out[key] = depth > 0 && random() < 0.5 ? pattern(depth - 1) : leaf();
    }
    if (depth > 0 && random() < 0.5) out.$or = [pattern(depth - 1), pattern(depth - 1)];
    return out;
  };
  const event = (depth: number): unknown => {
    const r = random();
    if (depth <= 0 || r < 0.3) return pick(VALUES);
    if (r < 0.55) return [event(depth - 1), event(depth - 1)];
    const out: Record<string, unknown> = {};
    for (const key of KEYS) {
      if (random() < 0.6) out[key] = event(depth - 1);
    }
    // Sometimes a dotted key for a nested path.
    if (random() < 0.15) out[`${pick(KEYS)}.${pick(KEYS)}`] = pick(VALUES);
    return out;
  };
  const dotted = (): Record<string, unknown> =>
    random() < 0.25 ? { [`${pick(KEYS)}.${pick(KEYS)}`]: event(2) } : {};
  return { pattern, event, dotted };
}

test("random patterns and events: compiled matcher agrees with the reference", () => {
  const random = prng(424242);
  const { pattern, event, dotted } = generators(random);
  const disagreements: string[] = [];
  let matched = 0;
  let total = 0;
  for (let p = 0; p < 400; p++) {
    const pat = pattern(2);
    const fast = compilePattern(pat);
    const slow = referenceMatcher(pat);
    for (let e = 0; e < 40; e++) {
      const ev = { a: event(3), b: event(3), c: event(2), ...dotted() };
      const expected = slow(ev);
      total++;
      if (expected) matched++;
      if (fast.matches(ev) !== expected && disagreements.length < 5) {
        disagreements.push(`${JSON.stringify(pat)} on ${JSON.stringify(ev)}: reference ${expected}`);
      }
    }
  }
  expect(disagreements).toEqual([]);
  expect(total).toBe(16000);
  expect(matched).toBeGreaterThan(1000);
  expect(total - matched).toBeGreaterThan(1000);
});
