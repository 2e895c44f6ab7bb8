/**
 * Rewrites `$or` groups so the tree matcher keeps event-ruler's array consistency.
 *
 * The matcher evaluates a node against one array element at a time, so everything below a
 * node comes from the same element. A `$or` branch that names the same first field as a
 * sibling (or as another `$or` at the same node) could otherwise take that field from a
 * different element than the sibling does, which event-ruler (which expands `$or` into plain
 * rules) does not allow. For such nodes the groups are expanded into alternatives, each a
 * merged plain node; everywhere else `$or` is evaluated in place, which is equivalent.
 */
import { emptyNode, type PatternNode } from "./ast.ts";

/** Returns an equivalent tree where no `$or` branch shares a first field with its siblings. */
export function normalize(node: PatternNode): PatternNode {
  const children = new Map<string, PatternNode>();
  for (const [key, child] of node.children) children.set(key, normalize(child));
  const ors = node.ors.map((group) => group.map(normalize));
  const result: PatternNode = { leaves: node.leaves, children, ors };
  if (ors.length === 0 || !overlaps(result)) return result;
  let alternatives: PatternNode[] = [{ leaves: node.leaves, children, ors: [] }];
  for (const group of ors) {
    const next: PatternNode[] = [];
    for (const alternative of alternatives) for (const branch of group) next.push(merge(alternative, branch));
    alternatives = next;
  }
  const out = emptyNode();
  out.ors.push(alternatives.map(normalize));
  return out;
}

/** First path atoms a node's requirements go through (children and, recursively, `$or` branches). */
function firstAtoms(node: PatternNode, into: Set<string>): Set<string> {
  for (const key of node.children.keys()) into.add(key);
  for (const group of node.ors) for (const branch of group) firstAtoms(branch, into);
  return into;
}

function overlaps(node: PatternNode): boolean {
  const seen = new Set(node.children.keys());
  for (const group of node.ors) {
    const atoms = new Set<string>();
    for (const branch of group) firstAtoms(branch, atoms);
    for (const atom of atoms) if (seen.has(atom)) return true;
    for (const atom of atoms) seen.add(atom);
  }
  return false;
}

/** The AND of two nodes at the same path. */
function merge(a: PatternNode, b: PatternNode): PatternNode {
  const children = new Map(a.children);
  for (const [key, child] of b.children) {
    const existing = children.get(key);
    children.set(key, existing ? merge(existing, child) : child);
  }
  return { leaves: [...a.leaves, ...b.leaves], children, ors: [...a.ors, ...b.ors] };
}
