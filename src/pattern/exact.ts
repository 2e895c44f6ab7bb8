/**
 * Exact, slow matching in event-ruler's own terms, for the rare events the tree matcher cannot
 * represent: dotted keys (`"a.b"`) next to a nested array or scalar at the same path (`"a": [...]`).
 *
 * The pattern is expanded into plain rules (one per `$or` combination; at most 1000 by the
 * validation limit), the event is flattened into (dot-joined path, leaf value, array
 * membership) triples, and a rule matches when each field can take a value (or, for
 * `exists:false`, no value) without combining different elements of one array. Absence is
 * judged against the elements the rule's present values chose, as the tree matcher does.
 */
import type { PatternNode } from "./ast.ts";
import { type CompiledLeaf, compileLeaf, type Scalar } from "./leaf.ts";

interface Field {
  path: string;
  leaf: CompiledLeaf;
}

interface FlatValue {
  path: string;
  value: Scalar;
  /** Array id → element index, for every array on the way to the value. */
  membership: Map<number, number>;
}

function join(prefix: string, key: string): string {
  return prefix === "" ? key : `${prefix}.${key}`;
}

function product(a: Field[][], b: Field[][]): Field[][] {
  const out: Field[][] = [];
  for (const x of a) for (const y of b) out.push([...x, ...y]);
  return out;
}

function rulesOf(node: PatternNode, prefix: string): Field[][] {
  let rules: Field[][] = [node.leaves.map((leaf) => ({ path: prefix, leaf: compileLeaf(leaf.matchers) }))];
  for (const [key, child] of node.children) rules = product(rules, rulesOf(child, join(prefix, key)));
  for (const group of node.ors) {
    rules = product(
      rules,
      group.flatMap((branch) => rulesOf(branch, prefix)),
    );
  }
  return rules;
}

function flatten(
  value: unknown,
  path: string,
  membership: Map<number, number>,
  out: FlatValue[],
  next: { id: number },
): void {
  if (Array.isArray(value)) {
    const id = next.id++;
    for (let i = 0; i < value.length; i++) {
      flatten(value[i], path, new Map(membership).set(id, i), out, next);
    }
  } else if (typeof value === "object" && value !== null) {
    for (const [key, child] of Object.entries(value)) flatten(child, join(path, key), membership, out, next);
  } else if (path !== "" && value !== undefined) {
    out.push({ path, value: value as Scalar, membership });
  }
}

function consistent(chosen: Map<number, number>, membership: Map<number, number>): boolean {
  for (const [id, index] of membership) {
    const other = chosen.get(id);
    if (other !== undefined && other !== index) return false;
  }
  return true;
}

function ruleMatches(fields: readonly Field[], values: readonly FlatValue[]): boolean {
  const absent: string[] = [];
  const search = (i: number, chosen: Map<number, number>): boolean => {
    if (i === fields.length) {
      return absent.every((path) => !values.some((v) => v.path === path && consistent(chosen, v.membership)));
    }
    const field = fields[i]!;
    for (const v of values) {
      if (v.path === field.path && consistent(chosen, v.membership) && field.leaf.test(v.value)) {
        if (search(i + 1, new Map([...chosen, ...v.membership]))) return true;
      }
    }
    if (field.leaf.absentOk) {
      absent.push(field.path);
      const ok = search(i + 1, chosen);
      absent.pop();
      if (ok) return true;
    }
    return false;
  };
  return search(0, new Map());
}

/** Builds the exact matcher for a (validated) pattern tree. Rules are expanded on first use. */
export function exactMatcher(tree: PatternNode): (event: unknown) => boolean {
  let rules: Field[][] | undefined;
  return (event) => {
    rules ??= rulesOf(tree, "");
    const values: FlatValue[] = [];
    flatten(event, "", new Map(), values, { id: 0 });
    return rules.some((fields) => ruleMatches(fields, values));
  };
}
