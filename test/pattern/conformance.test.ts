/**
 * Runs every case of the public conformance corpus (event-ruler, Quamina, AWS-recorded
 * LocalStack templates). 100% agreement is the bar.
 */
import { describe, expect, test } from "bun:test";
import { compilePattern, InvalidEventPatternError } from "../../src/pattern/index.ts";
import { invalidCases, matchCases } from "./corpus.ts";

/**
 * Cases where a public (Ruler/Quamina) expectation disagrees with AWS-documented or
 * AWS-recorded behaviour; we follow AWS and list them here with the reason. Empty today: the
 * engine agrees with every case of the corpus.
 */
const EXCEPTIONS: ReadonlyMap<string, string> = new Map();

describe("conformance corpus", () => {
  test("the fixtures are complete", () => {
    expect(matchCases.length).toBe(962);
    expect(matchCases.filter((c) => c.match).length).toBe(442);
    expect(invalidCases.length).toBe(38);
  });

  test("every match case gives the expected result", () => {
    const mismatches: string[] = [];
    for (const c of matchCases) {
      if (EXCEPTIONS.has(c.id)) continue;
      try {
        if (compilePattern(c.pattern).matches(c.event) !== c.match)
          mismatches.push(`${c.id} (expected ${c.match})`);
      } catch (error) {
        mismatches.push(`${c.id} threw ${(error as Error).message}`);
      }
    }
    expect(mismatches).toEqual([]);
  });

  test("every invalid pattern is rejected with AWS's exact message", () => {
    const mismatches: string[] = [];
    for (const c of invalidCases) {
      try {
        compilePattern(c.pattern);
        mismatches.push(`${c.id} was accepted`);
      } catch (error) {
        if (!(error instanceof InvalidEventPatternError)) mismatches.push(`${c.id} threw ${String(error)}`);
        else if (error.message !== c.message) mismatches.push(`${c.id}: got "${error.message}"`);
        else if (error.name !== c.error) mismatches.push(`${c.id}: name ${error.name}`);
      }
    }
    expect(mismatches).toEqual([]);
  });

  test("the same pattern given as JSON text gives the same results", () => {
    const mismatches = matchCases
      .filter((c) => compilePattern(JSON.stringify(c.pattern)).matches(c.event) !== c.match)
      .map((c) => c.id);
    expect(mismatches).toEqual([]);
  });

  test("results are identical with and without the prefilter", () => {
    const differences: string[] = [];
    let ruledOut = 0;
    for (const c of matchCases) {
      const compiled = compilePattern(c.pattern);
      const text = JSON.stringify(c.event);
      const without = compiled.matches(c.event);
      const passes = compiled.prefilter ? compiled.prefilter(text) : true;
      if (!passes) ruledOut++;
      const withPrefilter = passes && compiled.matches(JSON.parse(text));
      if (withPrefilter !== without) differences.push(c.id);
    }
    expect(differences).toEqual([]);
    // The prefilter must also be useful: it rules out a good share of the no-match cases.
    expect(ruledOut).toBeGreaterThan(100);
  });
});
