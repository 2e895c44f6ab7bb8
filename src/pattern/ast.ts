/**
 * The parsed form of a pattern: a trie over dot-split field names. `{"a.b":[1]}` and
 * `{"a":{"b":[1]}}` give the same tree, which is how EventBridge treats them.
 */

/** One matcher of a field's OR-list, already validated. */
export type Matcher =
  | { kind: "exact"; value: string | number | boolean | null }
  | { kind: "prefix"; value: string; ignoreCase: boolean }
  | { kind: "suffix"; value: string; ignoreCase: boolean }
  | { kind: "equals-ignore-case"; value: string }
  | { kind: "wildcard"; value: string }
  | { kind: "anything-but"; strings: string[]; numbers: number[] }
  | { kind: "anything-but-prefix"; values: string[] }
  | { kind: "anything-but-suffix"; values: string[] }
  | { kind: "anything-but-ignore-case"; values: string[] }
  | { kind: "anything-but-wildcard"; values: string[] }
  | { kind: "numeric"; low: number; lowOpen: boolean; high: number; highOpen: boolean }
  | { kind: "cidr"; version: 4 | 6; low: bigint; high: bigint }
  | { kind: "exists"; value: boolean };

/** A leaf: the matchers listed for one field (OR). */
export interface Leaf {
  matchers: Matcher[];
}

/**
 * A pattern object at one path. Requirements are ANDed: every leaf (usually zero or one),
 * every child and every `$or` group (one of its branches) must hold.
 */
export interface PatternNode {
  leaves: Leaf[];
  children: Map<string, PatternNode>;
  ors: PatternNode[][];
}

/** A fresh empty node (matches anything). */
export function emptyNode(): PatternNode {
  return { leaves: [], children: new Map(), ors: [] };
}
