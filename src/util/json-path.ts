import { PluginError } from "../sdk/index.ts";

/**
 * Compiles the small JSON path dialect used in mappings and `--order-key`:
 * `$.detail.orderId`, `detail.orderId` (the `$.` is optional), `$['detail-type']`,
 * `items[0].sku`. Returns a getter that yields `undefined` when any step is missing.
 *
 * Deliberately not full JSONPath (no filters, wildcards or recursion): a mapping names one
 * value, and a getter that cannot fan out keeps per-event cost at a few property reads.
 */
export function compileJsonPath(path: string): (value: unknown) => unknown {
  const steps = parseJsonPath(path);
  if (steps.length === 0) return (value) => value;
  return (value) => {
    let current: unknown = value;
    for (const step of steps) {
      if (current === null || typeof current !== "object") return undefined;
      current = (current as Record<string | number, unknown>)[step];
      if (current === undefined) return undefined;
    }
    return current;
  };
}

/** Splits a path into property names and array indexes. Throws a PluginError naming the path. */
export function parseJsonPath(path: string): Array<string | number> {
  const fail = (why: string): never => {
    throw new PluginError(`invalid JSON path ${JSON.stringify(path)}: ${why}`);
  };
  let rest = path.trim();
  if (rest === "") fail("it is empty");
  if (rest === "$") return [];
  if (rest.startsWith("$")) rest = rest.slice(1);
  else rest = "." + rest;
  const steps: Array<string | number> = [];
  let i = 0;
  while (i < rest.length) {
    const c = rest[i];
    if (c === ".") {
      let j = i + 1;
      while (j < rest.length && rest[j] !== "." && rest[j] !== "[") j++;
      const name = rest.slice(i + 1, j);
      if (name === "") fail(`empty name at character ${i + 1}`);
      steps.push(name);
      i = j;
    } else if (c === "[") {
      const close = rest.indexOf("]", i);
      if (close < 0) fail("unclosed '['");
      const inner = rest.slice(i + 1, close).trim();
      if (/^\d+$/.test(inner)) steps.push(Number(inner));
      else if (/^'.*'$/.test(inner) || /^".*"$/.test(inner)) steps.push(inner.slice(1, -1));
      else fail(`expected an index or a quoted name inside [ ], got ${JSON.stringify(inner)}`);
      i = close + 1;
    } else {
      fail(`unexpected ${JSON.stringify(c)} at character ${i + 1}`);
    }
  }
  return steps;
}
