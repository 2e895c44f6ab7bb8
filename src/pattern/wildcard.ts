/**
 * `wildcard` patterns: `*` matches any run of characters (including none and `/`), `\*` is a
 * literal star, `\\` a literal backslash. The pattern is anchored at both ends.
 */
import { invalid } from "./errors.ts";

/** A parsed wildcard: the literal pieces between the stars. */
export interface Wildcard {
  /** Literal segments; `segments.length === stars + 1`. */
  segments: string[];
}

/** Parses and validates a wildcard pattern with AWS's reasons. */
export function parseWildcard(raw: string): Wildcard {
  const segments: string[] = [];
  let current = "";
  let previousWasStar = false;
  for (let i = 0; i < raw.length; i++) {
    const ch = raw[i]!;
    if (ch === "\\") {
      const next = raw[i + 1];
      if (next !== "*" && next !== "\\") invalid(`Invalid escape character at pos ${i}`);
      current += next;
      i++;
      previousWasStar = false;
    } else if (ch === "*") {
      if (previousWasStar) invalid(`Consecutive wildcard characters at pos ${i}`);
      segments.push(current);
      current = "";
      previousWasStar = true;
    } else {
      current += ch;
      previousWasStar = false;
    }
  }
  segments.push(current);
  return { segments };
}

/** Builds a predicate for a parsed wildcard. Leftmost-greedy segment search is exact for `*`-only globs. */
export function wildcardPredicate(wildcard: Wildcard): (value: string) => boolean {
  const segments = wildcard.segments;
  if (segments.length === 1) {
    const only = segments[0]!;
    return (value) => value === only;
  }
  const first = segments[0]!;
  const last = segments[segments.length - 1]!;
  const middle = segments.slice(1, -1).filter((s) => s.length > 0);
  const fixed = first.length + last.length;
  return (value) => {
    if (value.length < fixed || !value.startsWith(first) || !value.endsWith(last)) return false;
    let at = first.length;
    const end = value.length - last.length;
    for (const segment of middle) {
      const found = value.indexOf(segment, at);
      if (found === -1 || found + segment.length > end) return false;
      at = found + segment.length;
    }
    return true;
  };
}

/**
 * AWS rejects wildcard sets that are "too complex". The threshold is not published; this
 * measure follows the idea of event-ruler's `MachineComplexityEvaluator`: the largest total
 * weight of byte-machine states that one input can keep active at once, over all wildcard
 * patterns on one field. A state is "after token k" of a pattern; a star's state loops on any
 * byte, and a state whose next token is a star also counts that star's state (the input may
 * enter it). States up to a pattern's first star are shared by patterns with the same prefix
 * and weigh the number of patterns sharing them. The limit was calibrated on known AWS answers:
 * see docs/patterns.md.
 */
export const WILDCARD_COMPLEXITY_LIMIT = 10;

const STAR = -1;
const OTHER_BYTE = 256;

/** The worst-case weight of simultaneously active wildcard states for these patterns on one field. */
export function wildcardComplexity(patterns: readonly Wildcard[]): number {
  const encoder = new TextEncoder();
  // Token streams with the enclosing quotes event-ruler's byte machines also see.
  const streams = patterns.map((w) => {
    const tokens: number[] = [34];
    w.segments.forEach((segment, index) => {
      if (index > 0) tokens.push(STAR);
      for (const byte of encoder.encode(segment)) tokens.push(byte);
    });
    tokens.push(34);
    return tokens;
  });
  // State (p, k) = pattern p after its token k (k = -1: nothing read). Ids share prefixes.
  const idOf = new Map<string, number>();
  const members: Array<Set<number>> = [];
  const ids = streams.map((tokens, p) => {
    const firstStar = tokens.indexOf(STAR);
    return Array.from({ length: tokens.length + 1 }, (_, index) => {
      const k = index - 1;
      const shared = firstStar === -1 || k <= firstStar;
      const key = shared ? `s:${tokens.slice(0, k + 1).join(",")}` : `p${p}:${k}`;
      let id = idOf.get(key);
      if (id === undefined) {
        id = members.length;
        idOf.set(key, id);
        members.push(new Set());
      }
      members[id]!.add(p);
      return id;
    });
  });
  const weight = (p: number, k: number): number => members[ids[p]![k + 1]!]!.size;
  const alphabet = new Set<number>([OTHER_BYTE]);
  for (const tokens of streams) for (const t of tokens) if (t !== STAR) alphabet.add(t);

  // A state is encoded as p * STRIDE + (k + 1), so sets are plain sorted number arrays.
  const STRIDE = 1 << 16;
  const step = (states: readonly number[], byte: number): number[] => {
    const next = new Set<number>();
    for (const state of states) {
      const p = Math.floor(state / STRIDE);
      const k = (state % STRIDE) - 1;
      const tokens = streams[p]!;
      if (k >= 0 && tokens[k] === STAR) next.add(state);
      const following = tokens[k + 1];
      if (following === byte) next.add(state + 1);
      else if (following === STAR) {
        next.add(state + 1);
        if (tokens[k + 2] === byte) next.add(state + 2);
      }
    }
    return [...next].sort((x, y) => x - y);
  };
  const measure = (states: readonly number[]): number => {
    const counted = new Set<number>();
    let total = 0;
    const count = (p: number, k: number) => {
      const id = ids[p]![k + 1]!;
      if (!counted.has(id)) {
        counted.add(id);
        total += weight(p, k);
      }
    };
    for (const state of states) {
      const p = Math.floor(state / STRIDE);
      const k = (state % STRIDE) - 1;
      count(p, k);
      if (streams[p]![k + 1] === STAR) count(p, k + 1);
    }
    return total;
  };

  let max = 0;
  const seen = new Set<string>();
  const pending: number[][] = [streams.map((_, p) => p * STRIDE)];
  let explored = 0;
  // The budget bounds validation time on adversarial patterns; stopping early can only accept.
  while (pending.length > 0 && explored < 5_000) {
    const states = pending.pop()!;
    explored++;
    for (const byte of alphabet) {
      const next = step(states, byte);
      if (next.length === 0) continue;
      max = Math.max(max, measure(next));
      if (max > WILDCARD_COMPLEXITY_LIMIT) return max;
      const key = next.join(",");
      if (!seen.has(key)) {
        seen.add(key);
        pending.push(next);
      }
    }
  }
  return max;
}
