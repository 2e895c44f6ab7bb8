/**
 * EventBridge pattern engine. PLACEHOLDER until the pattern issue lands: the API below is the
 * contract the rest of rehydrate codes against.
 */

/** AWS's `InvalidEventPatternException`: `message` is exactly what AWS returns. */
export class InvalidEventPatternError extends Error {
  override readonly name = "InvalidEventPatternException";
  constructor(readonly reason: string) {
    super(`Event pattern is not valid. Reason: ${reason}`);
  }
}

/** A pattern compiled once, matched many times. */
export interface CompiledPattern {
  /** Whether `event` (a parsed JSON value) matches, with EventBridge's semantics. */
  matches(event: unknown): boolean;
  /**
   * A sound test on an event's raw JSON text: `false` only when the event cannot match.
   * Absent when the pattern admits no useful text test.
   */
  readonly prefilter?: (text: string) => boolean;
}

/** Compiles a pattern given as a parsed object or as JSON text. Throws InvalidEventPatternError. */
export function compilePattern(_pattern: unknown): CompiledPattern {
  throw new InvalidEventPatternError("the pattern engine is not implemented yet");
}

/** Compiles several patterns into one that matches when any of them does (`--pattern` repeated). */
export function compilePatterns(patterns: readonly unknown[]): CompiledPattern {
  const compiled = patterns.map(compilePattern);
  return { matches: (event) => compiled.some((p) => p.matches(event)) };
}
