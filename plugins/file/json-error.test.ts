import { describe, expect, test } from "bun:test";
import { seededRandom as prng } from "../../test/support/seeded-random.ts";
import { findJsonSyntaxError, lineAndColumn } from "./json-error.ts";

function randomValue(random: () => number, depth: number): unknown {
  const r = random();
  if (depth > 3 || r < 0.3) {
    const pick = Math.floor(random() * 6);
    return [0, -1.5e-3, 'é"\\\u2028🎉', true, null, "plain"][pick];
  }
  if (r < 0.65) return Array.from({ length: Math.floor(random() * 4) }, () => randomValue(random, depth + 1));
  const out: Record<string, unknown> = {};
  for (let k = 0; k < Math.floor(random() * 4); k++) out[`k${k}`] = randomValue(random, depth + 1);
  return out;
}

const MUTATIONS = ['"', ",", "}", "]", "{", "[", ":", "\\", "x", " ", "\n", "-", "0", "\u0001"];

describe("findJsonSyntaxError", () => {
  test("agrees with JSON.parse on valid texts and on thousands of random mutations", () => {
    const random = prng(1);
    let invalid = 0;
    for (let n = 0; n < 4000; n++) {
      const text = JSON.stringify(randomValue(random, 0), null, random() < 0.5 ? 1 : undefined);
      expect(findJsonSyntaxError(text)).toBeUndefined();
      // Insert, delete or replace one character.
      const at = Math.floor(random() * (text.length + 1));
      const char = MUTATIONS[Math.floor(random() * MUTATIONS.length)]!;
      const mode = Math.floor(random() * 3);
      const mutated =
        mode === 0
          ? text.slice(0, at) + char + text.slice(at)
          : mode === 1
            ? text.slice(0, at) + text.slice(at + 1)
            : text.slice(0, at) + char + text.slice(at + 1);
      let parses = true;
      try {
        JSON.parse(mutated);
      } catch {
        parses = false;
      }
      const error = findJsonSyntaxError(mutated);
      if (parses) expect(error).toBeUndefined();
      else {
        invalid++;
        expect(error).toBeDefined();
        expect(error!.offset).toBeGreaterThanOrEqual(0);
        expect(error!.offset).toBeLessThanOrEqual(mutated.length);
      }
    }
    expect(invalid).toBeGreaterThan(1000);
  });

  test("messages and offsets for common mistakes", () => {
    expect(findJsonSyntaxError('{"a":1 "b":2}')).toEqual({
      offset: 7,
      message: "expected ',' or '}' after a value, found '\"'",
    });
    expect(findJsonSyntaxError("{'a':1}")).toEqual({
      offset: 1,
      message: "expected a property name in double quotes, found '''",
    });
    expect(findJsonSyntaxError('["a\\q"]')?.message).toBe("invalid escape sequence '\\q' in a string");
    expect(findJsonSyntaxError("[01]")?.message).toBe("invalid number: unexpected '1'");
    expect(findJsonSyntaxError("")?.message).toBe("the record is empty");
  });

  test("lineAndColumn counts lines inside a record", () => {
    expect(lineAndColumn("ab\ncd\nef", 7)).toEqual({ line: 2, column: 2 });
    expect(lineAndColumn("abc", 0)).toEqual({ line: 0, column: 1 });
  });
});
