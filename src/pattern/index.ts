/**
 * EventBridge event-pattern engine: parser/validator with AWS's reasons, a compiled matcher
 * with AWS/event-ruler semantics, and a sound raw-text prefilter. See docs/patterns.md.
 */
import { exactMatcher } from "./exact.ts";
import { compileNode, matchRoot, NEEDS_EXACT_MATCH } from "./match.ts";
import { normalize } from "./normalize.ts";
import { parsePattern } from "./parse.ts";
import { prefilterFromLiterals, prefilterLiterals, strongestSet } from "./prefilter.ts";

export { InvalidEventPatternError } from "./errors.ts";

/** A pattern compiled once, matched many times. */
export interface CompiledPattern {
  /** Whether `event` (a parsed JSON value) matches, with EventBridge's semantics. */
  matches(event: unknown): boolean;
  /**
   * A sound test on an event's raw JSON text: `false` only when the event cannot match.
   * Absent when the pattern admits no useful text test.
   *
   * It looks for string values the pattern requires (never key names), so it is only valid
   * when the text is the JSON of the very object that `matches` sees: callers must use it only
   * when records pass through unmapped (no envelope mapping, which can rename keys and add
   * values that are not in the text). Text containing any backslash always passes.
   */
  readonly prefilter?: (text: string) => boolean;
  /**
   * The prefilter as plain data (ANDed sets of ORed literals, see `SourceOpenContext` in the
   * SDK), for worker threads. Sound like `prefilter`, possibly weaker; present only with it.
   */
  readonly prefilterLiterals?: string[][];
}

/**
 * Compiles a pattern given as a parsed object or as JSON text (at most 4096 characters).
 * Throws `InvalidEventPatternError` with AWS's reason when the pattern is invalid.
 */
export function compilePattern(pattern: unknown): CompiledPattern {
  const tree = normalize(parsePattern(pattern));
  const root = compileNode(tree);
  const exact = exactMatcher(tree);
  const matches = (event: unknown): boolean => {
    try {
      return matchRoot(root, event);
    } catch (error) {
      // Dotted keys colliding with nested arrays/scalars: see match.ts.
      if (error === NEEDS_EXACT_MATCH) return exact(event);
      throw error;
    }
  };
  const literals = prefilterLiterals(tree);
  return literals
    ? { matches, prefilter: prefilterFromLiterals(literals), prefilterLiterals: literals }
    : { matches };
}

/**
 * Validates a pattern without keeping the compiled form. Throws `InvalidEventPatternError`.
 */
export function validatePattern(pattern: unknown): void {
  parsePattern(pattern);
}

/**
 * Compiles several patterns into one that matches when any of them does (`--pattern`
 * repeated). Its prefilter is the OR of theirs, and absent if any one lacks a prefilter.
 */
export function compilePatterns(patterns: readonly unknown[]): CompiledPattern {
  const compiled = patterns.map(compilePattern);
  if (compiled.length === 1) return compiled[0]!;
  const matches = (event: unknown): boolean => {
    for (const p of compiled) if (p.matches(event)) return true;
    return false;
  };
  const filters = compiled.map((p) => p.prefilter);
  if (filters.length === 0 || filters.some((f) => f === undefined)) return { matches };
  const all = filters as Array<(text: string) => boolean>;
  // As data, an OR of patterns keeps one set: any of each pattern's most selective literals.
  const union = new Set(compiled.flatMap((p) => strongestSet(p.prefilterLiterals!)));
  return { matches, prefilter: (text) => all.some((f) => f(text)), prefilterLiterals: [[...union]] };
}
