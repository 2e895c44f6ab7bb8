/**
 * The compiled matcher: walks the event only along the paths the pattern names.
 *
 * Semantics (event-ruler's array-consistent matching): a node is matched against one value;
 * when that value is an array, one element must supply every present value the node uses, so
 * fields combined under a node always come from the same array element. Leaves match scalars;
 * a missing field, an object-valued field and an empty array all count as "no value" (only
 * `exists:false` matches them).
 */
import type { PatternNode } from "./ast.ts";
import { compileLeaf, type Scalar } from "./leaf.ts";

/** A node ready for matching. Arrays instead of maps: the hot loop indexes them. */
interface CompiledNode {
  tests: Array<(value: Scalar) => boolean>;
  /** Every leaf accepts "no value" (object-valued field or absence). */
  leavesAbsentOk: boolean;
  keys: string[];
  /** Per key: look it up as an own property (names that exist on Object.prototype). */
  ownOnly: boolean[];
  nodes: CompiledNode[];
  ors: CompiledNode[][];
  /** Dotted event keys (`"a.b"`) that can stand for a path below this node's children. */
  dotted: string[];
  /** The node holds when its value is missing. */
  absentOk: boolean;
  /** The children hold when the value is a scalar (they see no value). */
  childrenAbsentOk: boolean;
}

/** Compiles a normalized pattern tree. */
export function compileNode(node: PatternNode): CompiledNode {
  const leaves = node.leaves.map((leaf) => compileLeaf(leaf.matchers));
  const keys = [...node.children.keys()];
  const nodes = [...node.children.values()].map(compileNode);
  const ors = node.ors.map((group) => group.map(compileNode));
  const leavesAbsentOk = leaves.every((leaf) => leaf.absentOk);
  const childrenAbsentOk = nodes.every((child) => child.absentOk);
  const orsAbsentOk = ors.every((group) => group.some((branch) => branch.absentOk));
  return {
    tests: leaves.map((leaf) => leaf.test),
    leavesAbsentOk,
    keys,
    ownOnly: keys.map((key) => key in Object.prototype),
    nodes,
    ors,
    dotted: dottedKeys(node),
    absentOk: leavesAbsentOk && childrenAbsentOk && orsAbsentOk,
    childrenAbsentOk,
  };
}

/** Every `child.grandchild…` key an event could use instead of nesting. */
function dottedKeys(node: PatternNode): string[] {
  const out = new Set<string>();
  const below = (n: PatternNode, prefix: string): void => {
    for (const [key, child] of n.children) {
      out.add(`${prefix}.${key}`);
      below(child, `${prefix}.${key}`);
    }
    for (const group of n.ors) for (const branch of group) below(branch, prefix);
  };
  for (const [key, child] of node.children) below(child, key);
  return [...out];
}

/**
 * How a value can satisfy a node: {@link ABSENT} using only absence (`exists:false`, no value
 * of the pattern's paths involved), {@link POSITIVE} using at least one present value. The
 * difference matters under arrays: a positive match pins one element (event-ruler's array
 * membership), and `exists:false` is then judged inside that element; an absence-only match pins
 * nothing, so the field must be absent from every element, under one choice of `$or` branches
 * (as event-ruler, which checks absence against the array membership chosen so far).
 */
const ABSENT = 1;
const POSITIVE = 2;

/** Whether the event (a parsed JSON value) matches the compiled root. */
export function matchRoot(root: CompiledNode, event: unknown): boolean {
  return evalValue(root, event) !== 0;
}

/** `value` is the event value at the node's path, `undefined` when missing. */
function evalValue(node: CompiledNode, value: unknown): number {
  if (value === undefined) return node.absentOk ? ABSENT : 0;
  if (typeof value === "object") {
    if (value === null) return evalScalar(node, null);
    if (Array.isArray(value)) {
      if (value.length === 0) return node.absentOk ? ABSENT : 0;
      // A present value pins one element; everything the node uses comes from that element.
      let positive = 0;
      for (let i = 0; i < value.length && positive === 0; i++) {
        if (evalValue(node, value[i]) & POSITIVE) positive = POSITIVE;
      }
      // Absence alone pins nothing: one choice of `$or` branches must hold for all elements.
      return positive | (node.absentOk && absentEverywhere(node, [value]) ? ABSENT : 0);
    }
    return evalObject(node, value as Record<string, unknown>);
  }
  return evalScalar(node, value as Scalar);
}

function evalScalar(node: CompiledNode, value: Scalar): number {
  // A scalar has no fields: children see no value.
  if (!node.childrenAbsentOk) return 0;
  const tests = node.tests;
  for (let i = 0; i < tests.length; i++) if (!tests[i]!(value)) return 0;
  let positive = tests.length > 0;
  let allAbsent = tests.length === 0;
  const ors = node.ors;
  for (let g = 0; g < ors.length; g++) {
    const group = ors[g]!;
    // ABSENT only matters while the whole node can still be absence-only.
    const want = allAbsent && node.absentOk ? 3 : POSITIVE;
    let r = 0;
    for (let b = 0; b < group.length && (r & want) !== want; b++) r |= evalScalar(group[b]!, value);
    if (r === 0) return 0;
    if (r & POSITIVE) positive = true;
    if (!(r & ABSENT)) allAbsent = false;
  }
  return (positive ? POSITIVE : 0) | (allAbsent ? ABSENT : 0);
}

/** `object` with its dotted keys that stand for paths below the node's children expanded. */
function withDots(node: CompiledNode, object: Record<string, unknown>): Record<string, unknown> {
  const dotted = node.dotted;
  for (let i = 0; i < dotted.length; i++) {
    if (object[dotted[i]!] !== undefined) return expandDots(object, node.keys);
  }
  return object;
}

function lookup(node: CompiledNode, object: Record<string, unknown>, i: number): unknown {
  const key = node.keys[i]!;
  return node.ownOnly[i] ? (Object.hasOwn(object, key) ? object[key] : undefined) : object[key];
}

/**
 * Whether the node holds with absence only, for all `values` at its path at once (arrays
 * flattened): no leaf value may be present anywhere, and each `$or` group needs one branch
 * that holds for all of them.
 */
function absentEverywhere(node: CompiledNode, values: readonly unknown[]): boolean {
  if (!node.absentOk) return false;
  const items: unknown[] = [];
  const collect = (v: unknown): void => {
    if (Array.isArray(v)) for (const e of v) collect(e);
    else if (v !== undefined) items.push(v);
  };
  for (const v of values) collect(v);
  const objects: Record<string, unknown>[] = [];
  for (const item of items) {
    if (isPlainObject(item)) objects.push(withDots(node, item));
    else if (node.tests.length > 0) return false; // a scalar is a value of this path's leaves
  }
  for (let i = 0; i < node.keys.length; i++) {
    if (
      !absentEverywhere(
        node.nodes[i]!,
        objects.map((o) => lookup(node, o, i)),
      )
    )
      return false;
  }
  for (const group of node.ors) {
    if (!group.some((branch) => absentEverywhere(branch, items))) return false;
  }
  return true;
}

function evalObject(node: CompiledNode, input: Record<string, unknown>): number {
  // An object-valued field is "no value" for the leaves at this path.
  if (!node.leavesAbsentOk) return 0;
  const object = withDots(node, input);
  let positive = false;
  let allAbsent = true;
  const keys = node.keys;
  const nodes = node.nodes;
  for (let i = 0; i < keys.length; i++) {
    const r = evalValue(nodes[i]!, lookup(node, object, i));
    if (r === 0) return 0;
    if (r & POSITIVE) positive = true;
    if (!(r & ABSENT)) allAbsent = false;
  }
  const ors = node.ors;
  for (let g = 0; g < ors.length; g++) {
    const group = ors[g]!;
    const want = allAbsent && node.absentOk ? 3 : POSITIVE;
    let r = 0;
    for (let b = 0; b < group.length && (r & want) !== want; b++) r |= evalObject(group[b]!, object);
    if (r === 0) return 0;
    if (r & POSITIVE) positive = true;
    if (!(r & ABSENT)) allAbsent = false;
  }
  return (positive ? POSITIVE : 0) | (allAbsent ? ABSENT : 0);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Thrown (and caught in {@link matchRoot}'s caller) when an event's dotted keys collide with a
 * nested array or scalar at the same path: the tree cannot represent a value that belongs to no
 * array next to one that does, so the caller falls back to the exact matcher (exact.ts).
 */
export const NEEDS_EXACT_MATCH: unique symbol = Symbol("rehydrate.pattern.needs-exact-match");

/**
 * The path for events that use dotted keys (`{"detail.state": "x"}`), which EventBridge treats
 * like nesting. Moves each `head.rest` key under `head` as a `rest` key (the next level repeats
 * this for deeper dots), merging with nested objects. Collisions with arrays or scalars throw
 * {@link NEEDS_EXACT_MATCH}.
 */
function expandDots(object: Record<string, unknown>, heads: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = { ...object };
  for (const key of Object.keys(object)) {
    const dot = key.indexOf(".");
    if (dot === -1) continue;
    const head = key.slice(0, dot);
    if (!heads.includes(head)) continue;
    delete out[key];
    const current = Object.hasOwn(out, head) ? out[head] : undefined;
    let target: Record<string, unknown>;
    if (current === undefined) target = {};
    else if (isPlainObject(current)) target = { ...current };
    else throw NEEDS_EXACT_MATCH;
    mergeInto(target, key.slice(dot + 1), object[key]);
    setOwn(out, head, target);
  }
  return out;
}

/** Adds `key: value` to `target` (a fresh copy), merging plain objects; other clashes need the exact path. */
function mergeInto(target: Record<string, unknown>, key: string, value: unknown): void {
  if (!Object.hasOwn(target, key)) {
    setOwn(target, key, value);
    return;
  }
  const existing = target[key];
  if (!isPlainObject(existing) || !isPlainObject(value)) throw NEEDS_EXACT_MATCH;
  const merged = { ...existing };
  for (const [k, v] of Object.entries(value)) mergeInto(merged, k, v);
  setOwn(target, key, merged);
}

/** defineProperty, not assignment: a `__proto__` key must stay a plain own field. */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

export type { CompiledNode };
