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
 * weight of automaton states that one input can keep active at once, over all wildcard
 * patterns on one field. States before a pattern's first `*` are shared between patterns
 * with the same prefix (weight = number of patterns sharing them). The limit below was
 * calibrated so that AWS-rejected inputs (six stars separated by colons, `...:event-bus/STAR`; four `STAR.ext` wildcards on one
 * field) fail while two `STAR/datasync/STAR.ext` wildcards on one field (AWS-accepted) and every wildcard in
 * the public conformance corpus pass. Patterns rejected above the limit: see docs/patterns.md.
 */
export const WILDCARD_COMPLEXITY_LIMIT = 10;

const STAR = -1;

/** The worst-case number of simultaneously active wildcard states for these patterns on one field. */
export function wildcardComplexity(patterns: readonly Wildcard[]): number {
  // Token streams with the enclosing quotes event-ruler's byte machines also see.
  const streams = patterns.map((w) => {
    const tokens: number[] = [34];
    w.segments.forEach((segment, index) => {
      if (index > 0) tokens.push(STAR);
      for (const byte of new TextEncoder().encode(segment)) tokens.push(byte);
    });
    tokens.push(34);
    return tokens;
  });
  // State ids: a deterministic prefix (before and including the first star) is shared by text.
  const stateId = new Map<string, number>();
  const weights: number[] = [];
  const ids: number[][] = streams.map((tokens, p) => {
    const firstStar = tokens.indexOf(STAR);
    const out: number[] = [];
    for (let i = 0; i <= tokens.length; i++) {
      const shared = firstStar === -1 || i <= firstStar;
      const key = shared ? `s:${tokens.slice(0, i).join(",")}` : `p${p}:${i}`;
      let id = stateId.get(key);
      if (id === undefined) {
        id = weights.length;
        stateId.set(key, id);
        weights.push(0);
      }
      out.push(id);
    }
    return out;
  });
  // Weight: the number of patterns passing through a state.
  const passes = weights.map(() => new Set<number>());
  ids.forEach((list, p) => {
    for (const id of list) passes[id]!.add(p);
  });
  passes.forEach((set, id) => {
    weights[id] = set.size;
  });
  type Pos = { p: number; i: number };
  const alphabet = new Set<number>([256]);
  for (const tokens of streams) for (const t of tokens) if (t !== STAR) alphabet.add(t);
  const closure = (positions: Pos[]): Pos[] => {
    const out: Pos[] = [];
    const seen = new Set<string>();
    const stack = [...positions];
    while (stack.length > 0) {
      const pos = stack.pop()!;
      const key = `${pos.p}:${pos.i}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(pos);
      if (streams[pos.p]![pos.i] === STAR) stack.push({ p: pos.p, i: pos.i + 1 });
    }
    return out;
  };
  const measure = (positions: Pos[]): number => {
    const active = new Set<number>();
    for (const pos of positions) active.add(ids[pos.p]![pos.i]!);
    let total = 0;
    for (const id of active) total += weights[id]!;
    return total;
  };
  let max = 0;
  const start = closure(streams.map((_, p) => ({ p, i: 0 })));
  const seenSets = new Set<string>();
  const queue: Pos[][] = [start];
  let explored = 0;
  while (queue.length > 0 && explored < 20_000) {
    const positions = queue.pop()!;
    explored++;
    for (const byte of alphabet) {
      const next: Pos[] = [];
      for (const pos of positions) {
        const token = streams[pos.p]![pos.i];
        if (token === STAR) next.push(pos);
        else if (token === byte) next.push({ p: pos.p, i: pos.i + 1 });
      }
      if (next.length === 0) continue;
      const closed = closure(next);
      const size = measure(closed);
      if (size > max) max = size;
      if (max > WILDCARD_COMPLEXITY_LIMIT) return max;
      const key = closed
        .map((pos) => `${pos.p}:${pos.i}`)
        .sort()
        .join("|");
      if (!seenSets.has(key)) {
        seenSets.add(key);
        queue.push(closed);
      }
    }
  }
  return max;
}
