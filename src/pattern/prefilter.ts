/**
 * A sound text prefilter: from a pattern, the string literals an event must contain as JSON
 * string content, so a raw record that contains none of them cannot match.
 *
 * Only string VALUES are used, never key names. Rules:
 * - A leaf yields a set of literals when every matcher in its list needs one: an exact string
 *   that is not an IP literal (`"value"` with its quotes), a case-sensitive `prefix`
 *   (`"prefix`) or `suffix` (`suffix"`), a `wildcard` (its longest literal piece,
 *   quote-anchored at the ends). Any other matcher (numbers, booleans, null, anything-but,
 *   exists, numeric, cidr, equals-ignore-case) makes the leaf yield nothing.
 * - A node needs every leaf's and child's sets (AND). A `$or` group yields the union of one set
 *   from each branch, and nothing if any branch yields nothing.
 * - A literal that JSON would escape, or the empty string, drops its whole set (no constraint).
 * - Text that contains a backslash anywhere always passes: escapes (`\u0041`, `\/`) can hide a
 *   literal.
 */
import type { Leaf, PatternNode } from "./ast.ts";
import { parseIp } from "./cidr.ts";
import { parseWildcard } from "./wildcard.ts";

/** AND of OR-sets of literals. */
type Requirements = string[][];

/** Whether JSON writes `text` as is inside a string (no escapes needed). */
function plain(text: string): boolean {
  return JSON.stringify(text) === `"${text}"`;
}

/**
 * The text a matching value must put in the raw JSON. The quotes of the JSON string anchor the
 * literal where the value is anchored: an exact value is `"value"`, a prefix `"prefix`, a suffix
 * `suffix"`.
 */
function leafLiterals(leaf: Leaf): string[] | undefined {
  const out = new Set<string>();
  for (const m of leaf.matchers) {
    let literal: string;
    if (m.kind === "exact" && typeof m.value === "string") {
      // An IP literal also matches other spellings of the address (see leaf.ts).
      if (m.value === "" || !plain(m.value) || parseIp(m.value)) return undefined;
      literal = `"${m.value}"`;
    } else if ((m.kind === "prefix" || m.kind === "suffix") && !m.ignoreCase) {
      if (m.value === "" || !plain(m.value)) return undefined;
      literal = m.kind === "prefix" ? `"${m.value}` : `${m.value}"`;
    } else if (m.kind === "wildcard") {
      const segments = parseWildcard(m.value).segments;
      const candidates = segments
        .map((segment, i) => ({ segment, i }))
        .filter(({ segment }) => segment !== "" && plain(segment))
        .map(({ segment, i }) =>
          i === 0 ? `"${segment}` : i === segments.length - 1 ? `${segment}"` : segment,
        );
      if (candidates.length === 0) return undefined;
      literal = candidates.reduce((a, b) => (b.length > a.length ? b : a));
    } else return undefined;
    out.add(literal);
  }
  return [...out];
}

/** The literal pieces of a wildcard, the first and last anchored by the JSON quotes. */
function wildcardPieces(pattern: string): string[] {
  const segments = parseWildcard(pattern).segments;
  return segments
    .map((segment, i) => ({ segment, i }))
    .filter(({ segment }) => segment !== "" && plain(segment))
    .map(({ segment, i }) => (i === 0 ? `"${segment}` : i === segments.length - 1 ? `${segment}"` : segment));
}

/** A leaf's requirements: one OR-set, or every piece of a lone wildcard (all must appear). */
function leafRequirements(leaf: Leaf): Requirements {
  const only = leaf.matchers.length === 1 ? leaf.matchers[0]! : undefined;
  if (only?.kind === "wildcard") return wildcardPieces(only.value).map((piece) => [piece]);
  const literals = leafLiterals(leaf);
  return literals ? [literals] : [];
}

/** Shortest literal of a set: a longer shortest literal is a more selective test. */
function strength(set: readonly string[]): number {
  return Math.min(...set.map((s) => s.length)) / set.length;
}

/** The literal sets (ANDed; each an OR of literals) a node requires of matching text. */
export function requirements(node: PatternNode): Requirements {
  const out: Requirements = [];
  for (const leaf of node.leaves) out.push(...leafRequirements(leaf));
  for (const child of node.children.values()) out.push(...requirements(child));
  for (const group of node.ors) {
    const union = new Set<string>();
    let complete = true;
    for (const branch of group) {
      const sets = requirements(branch);
      if (sets.length === 0) {
        complete = false;
        break;
      }
      const best = sets.reduce((a, b) => (strength(b) > strength(a) ? b : a));
      for (const literal of best) union.add(literal);
    }
    if (complete) out.push([...union]);
  }
  return out;
}

/**
 * The literal sets a pattern requires (ANDed; each an OR of literals), most selective first, or
 * `undefined` when it requires none. Plain data, so it can be sent to worker threads.
 */
export function prefilterLiterals(node: PatternNode): string[][] | undefined {
  const sets = requirements(node).sort((a, b) => strength(b) - strength(a));
  return sets.length === 0 ? undefined : sets;
}

/** The strongest single set of a requirement list (what an OR of patterns can keep of each). */
export function strongestSet(sets: readonly (readonly string[])[]): readonly string[] {
  return sets.reduce((a, b) => (strength(b) > strength(a) ? b : a));
}

/** Builds the text test for literal sets (see {@link prefilterLiterals}). */
export function prefilterFromLiterals(sets: ReadonlyArray<readonly string[]>): (text: string) => boolean {
  const checks = sets.map((set): ((text: string) => boolean) => {
    if (set.length === 1) {
      const only = set[0]!;
      return (text) => text.includes(only);
    }
    return (text) => set.some((literal) => text.includes(literal));
  });
  return (text) => {
    if (text.includes("\\")) return true;
    for (const check of checks) if (!check(text)) return false;
    return true;
  };
}

/** Builds the prefilter, or `undefined` when the pattern requires no literal. */
export function buildPrefilter(node: PatternNode): ((text: string) => boolean) | undefined {
  const sets = prefilterLiterals(node);
  return sets ? prefilterFromLiterals(sets) : undefined;
}
