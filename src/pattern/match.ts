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
 * nothing, so the field must be absent from every element (as event-ruler, which checks absence
 * against the array membership chosen so far).
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
      let positive = 0;
      let allAbsent = node.absentOk;
      for (let i = 0; i < value.length; i++) {
        const r = evalValue(node, value[i]);
        if (r & POSITIVE) positive = POSITIVE;
        if (!(r & ABSENT)) allAbsent = false;
        if (positive && !allAbsent) break;
      }
      return positive | (allAbsent ? ABSENT : 0);
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

function evalObject(node: CompiledNode, input: Record<string, unknown>): number {
  // An object-valued field is "no value" for the leaves at this path.
  if (!node.leavesAbsentOk) return 0;
  let object = input;
  const dotted = node.dotted;
  for (let i = 0; i < dotted.length; i++) {
    if (object[dotted[i]!] !== undefined) {
      object = expandDots(object, node.keys);
      break;
    }
  }
  let positive = false;
  let allAbsent = true;
  const keys = node.keys;
  const nodes = node.nodes;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    const value = node.ownOnly[i] ? (Object.hasOwn(object, key) ? object[key] : undefined) : object[key];
    const r = evalValue(nodes[i]!, value);
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
 * The slow path for events that use dotted keys (`{"detail.state": "x"}`), which EventBridge
 * treats like nesting. Moves each `head.rest` key under `head` as a `rest` key (the next level
 * repeats this for deeper dots). Where a nested value exists too, the two are combined: a value
 * that is not inside any array is consistent with every element, so it is added to each object
 * element of an array; clashing scalars become a two-element array (approximation, see docs).
 */
function expandDots(object: Record<string, unknown>, heads: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = { ...object };
  for (const key of Object.keys(object)) {
    const dot = key.indexOf(".");
    if (dot === -1) continue;
    const head = key.slice(0, dot);
    if (!heads.includes(head)) continue;
    const rest = key.slice(dot + 1);
    const value = object[key];
    delete out[key];
    // defineProperty, not assignment: a `__proto__` head must stay a plain own field.
    const current = Object.hasOwn(out, head) ? out[head] : undefined;
    Object.defineProperty(out, head, {
      value: attach(current, rest, value),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

function combine(existing: unknown, value: unknown): unknown {
  return existing === undefined ? value : [existing, value];
}

function attach(target: unknown, key: string, value: unknown): unknown {
  if (target === undefined) return { [key]: value };
  if (isPlainObject(target)) return { ...target, [key]: combine(target[key], value) };
  if (Array.isArray(target)) {
    if (target.some(isPlainObject)) {
      return target.map((element) =>
        isPlainObject(element) ? { ...element, [key]: combine(element[key], value) } : element,
      );
    }
    return [...target, { [key]: value }];
  }
  return [target, { [key]: value }];
}

export type { CompiledNode };
