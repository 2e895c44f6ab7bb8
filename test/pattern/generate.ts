/** Deterministic generators of events around a pattern, for soundness and differential tests. */
import { seededRandom } from "../support/seeded-random.ts";

/** Seeded pseudo-random numbers (see test/support/seeded-random.ts). */
export const prng = seededRandom;

/** Every string (keys and values) in a JSON value. */
export function stringsIn(value: unknown, out: Set<string> = new Set()): Set<string> {
  if (typeof value === "string") out.add(value);
  else if (Array.isArray(value)) for (const v of value) stringsIn(v, out);
  else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      out.add(k);
      stringsIn(v, out);
    }
  }
  return out;
}

/** Returns a mutated deep copy of `value`: dropped fields, dotted keys, swapped values, arrays. */
export function mutate(value: unknown, random: () => number, pool: string[]): unknown {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  if (Array.isArray(value)) {
    const out = value.map((v) => mutate(v, random, pool));
    if (random() < 0.2) out.push(pick(pool));
    if (random() < 0.1) out.reverse();
    return out;
  }
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const r = random();
      if (r < 0.1) continue; // drop the field
      if (r < 0.15 && v && typeof v === "object" && !Array.isArray(v)) {
        // Dotted form of one nesting level.
        for (const [k2, v2] of Object.entries(v)) out[`${k}.${k2}`] = mutate(v2, random, pool);
        continue;
      }
      if (r < 0.2 && v && typeof v === "object" && !Array.isArray(v)) {
        // An array of the object and a variant: array consistency.
        out[k] = [mutate(v, random, pool), mutate(v, random, pool)];
        continue;
      }
      out[k] = mutate(v, random, pool);
    }
    if (random() < 0.1) out[pick(pool)] = pick(pool);
    return out;
  }
  const r = random();
  if (r < 0.5) return value;
  if (r < 0.6) return pick(pool);
  if (r < 0.7) return `${pick(pool)}${pick(pool)}`;
  if (r < 0.75) return pick(pool).toUpperCase();
  if (r < 0.8) return [value, pick(pool)];
  if (r < 0.85) return Math.floor(random() * 1000);
  if (r < 0.9) return null;
  if (r < 0.95) return pick(pool).slice(1);
  return { nested: value };
}
