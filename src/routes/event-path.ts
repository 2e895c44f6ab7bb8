/**
 * The JSON path subset EventBridge accepts in a target's `InputPath` and in the values of an
 * input transformer's `InputPathsMap`.
 *
 * AWS documents the subset as: dot notation (`$.detail`), keys made of letters, digits, dashes,
 * underscores and forward slashes, array indices (`[0]`) and wildcards (`*`); "You must use JSON
 * dot notation, not bracket notation" (so no `['detail-type']`). This module parses exactly that
 * and rejects the rest with a message naming the path, because a path EventBridge would take but
 * resolve to nothing is a silent mistake in a replay.
 *
 * @module
 */

/** One step of a parsed path. */
export type EventPathStep =
  | { kind: "key"; key: string }
  | { kind: "index"; index: number }
  | { kind: "wildcard" };

/** A compiled path: the steps, and whether any of them fans out (then the result is a list). */
export interface EventPath {
  /** The path as written, for messages. */
  readonly text: string;
  readonly steps: readonly EventPathStep[];
  /** Whether a wildcard makes the result a list of every match. */
  readonly fansOut: boolean;
}

/** What a path selects in one event: nothing, or a value. */
export type PathResult = { found: false } | { found: true; value: unknown };

// AWS's own list, plus `@` and `:` which appear in real keys (emails, ARNs) and cannot confuse
// the parser: a key ends only at `.` or `[`.
const KEY_CHAR = /^[A-Za-z0-9_\-/@:$]$/;

/**
 * Parses a path such as `$.detail.items[0].sku` or `$.detail.items[*].sku`. Returns the problem
 * as a string (without the path, which the caller names with its field) when the path is not in
 * EventBridge's subset.
 */
export function parseEventPath(text: string): EventPath | string {
  if (!text.startsWith("$")) return "must start with $ (like $.detail.orderId)";
  const steps: EventPathStep[] = [];
  let i = 1;
  while (i < text.length) {
    const c = text[i]!;
    if (c === ".") {
      i++;
      if (text[i] === "*") {
        steps.push({ kind: "wildcard" });
        i++;
        continue;
      }
      const start = i;
      while (i < text.length && KEY_CHAR.test(text[i]!)) i++;
      if (i === start) {
        return i >= text.length
          ? "ends with a dot"
          : `has ${JSON.stringify(text[i])} at character ${i + 1}, which EventBridge does not allow in a key`;
      }
      steps.push({ kind: "key", key: text.slice(start, i) });
      continue;
    }
    if (c === "[") {
      const close = text.indexOf("]", i);
      if (close < 0) return `has an unclosed [ at character ${i + 1}`;
      const inner = text.slice(i + 1, close);
      if (inner === "*") steps.push({ kind: "wildcard" });
      else if (/^(0|[1-9][0-9]*)$/.test(inner)) steps.push({ kind: "index", index: Number(inner) });
      else {
        return `has [${inner}] at character ${i + 1}: only array indices ([0]) and [*] are allowed, use dot notation for keys`;
      }
      i = close + 1;
      continue;
    }
    return `has ${JSON.stringify(c)} at character ${i + 1} where a . or [ was expected`;
  }
  return { text, steps, fansOut: steps.some((step) => step.kind === "wildcard") };
}

/**
 * Evaluates a path against a value. Without a wildcard the result is the one value at the path,
 * or nothing when a step is missing. With a wildcard it is the list of every value the path
 * reaches (possibly empty), in document order: a wildcard over an object takes its values in
 * key order as written.
 */
export function evaluateEventPath(path: EventPath, root: unknown): PathResult {
  let current: unknown[] = [root];
  for (const step of path.steps) {
    const next: unknown[] = [];
    for (const value of current) {
      if (step.kind === "key") {
        if (isObject(value) && Object.hasOwn(value, step.key)) next.push(value[step.key]);
      } else if (step.kind === "index") {
        if (Array.isArray(value) && step.index < value.length) next.push(value[step.index]);
      } else if (Array.isArray(value)) next.push(...value);
      else if (isObject(value)) next.push(...Object.values(value));
    }
    current = next;
    if (!path.fansOut && current.length === 0) return { found: false };
  }
  if (path.fansOut) return { found: true, value: current };
  return current.length === 0 ? { found: false } : { found: true, value: current[0] };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
