/**
 * A slow, independent reference matcher for differential tests, written the way event-ruler
 * describes its own semantics: the pattern is expanded into plain rules (one per `$or`
 * combination), the event is flattened into (dot-joined path, leaf value, array membership)
 * triples, and a rule matches when every field can pick a value (or, for `exists:false`,
 * no value) without combining different elements of one array. Absence is checked against
 * the final choice of elements. Operator semantics come from the engine's leaf compiler,
 * which the per-operator tables test separately.
 */
import type { Matcher } from "../../src/pattern/ast.ts";
import { compileLeaf, type Scalar } from "../../src/pattern/leaf.ts";
import { OPERATOR_NAMES, parseMatcher } from "../../src/pattern/operators.ts";

/** Path → leaves (ANDed), each a list of matchers (ORed) tagged with the object scope that set it. */
type Rule = Map<string, Array<{ scope: number; leaf: Matcher[] }>>;

interface Flat {
  path: string;
  value: Scalar;
  membership: Map<number, number>;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function isOr(value: unknown): value is Record<string, unknown>[] {
  return (
    Array.isArray(value) &&
    value.length >= 2 &&
    value.every((b) => isObject(b) && !Object.keys(b).some((k) => OPERATOR_NAMES.has(k)))
  );
}

function cloneRule(rule: Rule): Rule {
  return new Map([...rule].map(([k, v]) => [k, [...v]]));
}

let scopes = 0;

/**
 * Expands an object pattern at `prefix` into the rules, extending each of `rules`. A path given
 * twice within one object (`"a.b"` and `"a":{"b"}`) keeps the later one, like a duplicate key;
 * a path named both in a `$or` branch and next to it must satisfy both (the documented choice).
 */
function expand(object: Record<string, unknown>, prefix: string, rules: Rule[], scope = ++scopes): Rule[] {
  let current = rules;
  for (const [key, value] of Object.entries(object)) {
    if (key === "$or" && isOr(value)) {
      const next: Rule[] = [];
      for (const branch of value) next.push(...expand(branch, prefix, current.map(cloneRule)));
      current = next;
      continue;
    }
    const path = prefix === "" ? key : `${prefix}.${key}`;
    if (Array.isArray(value)) {
      const leaf = value.map((m) => parseMatcher(m, () => {}));
      for (const rule of current) {
        rule.set(path, [...(rule.get(path) ?? []).filter((entry) => entry.scope !== scope), { scope, leaf }]);
      }
    } else if (isObject(value)) {
      current = expand(value, path, current, scope);
    }
  }
  return current;
}

function flatten(
  value: unknown,
  path: string,
  membership: Map<number, number>,
  out: Flat[],
  ids: { n: number },
): void {
  if (Array.isArray(value)) {
    const id = ids.n++;
    value.forEach((element, index) => {
      flatten(element, path, new Map([...membership, [id, index]]), out, ids);
    });
  } else if (isObject(value)) {
    for (const [key, child] of Object.entries(value)) {
      flatten(child, path === "" ? key : `${path}.${key}`, membership, out, ids);
    }
  } else if (path !== "") {
    out.push({ path, value: value as Scalar, membership });
  }
}

function consistent(a: Map<number, number>, b: Map<number, number>): boolean {
  for (const [id, index] of b) {
    const other = a.get(id);
    if (other !== undefined && other !== index) return false;
  }
  return true;
}

function merged(a: Map<number, number>, b: Map<number, number>): Map<number, number> {
  return new Map([...a, ...b]);
}

/** Builds a reference predicate for a (valid) pattern. */
export function referenceMatcher(pattern: Record<string, unknown>): (event: unknown) => boolean {
  const rules = expand(pattern, "", [new Map()]);
  const compiled = rules.map((rule) =>
    [...rule].map(([path, leaves]) => ({ path, leaves: leaves.map((entry) => compileLeaf(entry.leaf)) })),
  );
  return (event) => {
    const flat: Flat[] = [];
    flatten(event, "", new Map(), flat, { n: 0 });
    return compiled.some((fields) => {
      const absentFields: string[] = [];
      const search = (i: number, membership: Map<number, number>): boolean => {
        if (i === fields.length) {
          return absentFields.every(
            (path) => !flat.some((f) => f.path === path && consistent(membership, f.membership)),
          );
        }
        const field = fields[i]!;
        // Each leaf of the field is a separate requirement on the same path.
        const pick = (leafIndex: number, m: Map<number, number>): boolean => {
          if (leafIndex === field.leaves.length) return search(i + 1, m);
          const leaf = field.leaves[leafIndex]!;
          for (const f of flat) {
            if (f.path === field.path && consistent(m, f.membership) && leaf.test(f.value)) {
              if (pick(leafIndex + 1, merged(m, f.membership))) return true;
            }
          }
          if (leaf.absentOk) {
            absentFields.push(field.path);
            const ok = pick(leafIndex + 1, m);
            absentFields.pop();
            if (ok) return true;
          }
          return false;
        };
        return pick(0, membership);
      };
      return search(0, new Map());
    });
  };
}
