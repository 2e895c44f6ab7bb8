/**
 * Validation of one matcher (an element of a field's array) with AWS's reason texts. The texts
 * and the order of checks follow event-ruler's `JsonRuleCompiler`, which AWS runs; the ones
 * recorded from real AWS (LocalStack snapshots) are reproduced exactly.
 */
import { closest } from "../util/suggest.ts";
import type { Matcher } from "./ast.ts";
import { parseCidr } from "./cidr.ts";
import { invalid } from "./errors.ts";
import { parseWildcard, type Wildcard } from "./wildcard.ts";

/** Operator names; `$or` branches whose keys are one of these are not treated as `$or`. */
export const OPERATOR_NAMES: ReadonlySet<string> = new Set([
  "prefix",
  "suffix",
  "equals-ignore-case",
  "wildcard",
  "anything-but",
  "numeric",
  "exists",
  "cidr",
]);

/** Collects the wildcards seen per field, for the complexity check. */
export type WildcardSink = (wildcard: Wildcard) => void;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** How event-ruler (Jackson) prints a token in messages. */
function tokenText(value: unknown): string {
  if (value === undefined) return "]";
  if (Array.isArray(value)) return "[";
  if (isPlainObject(value)) return "{";
  return typeof value === "string" ? value : String(value);
}

/** Parses one element of a field's matcher array. */
export function parseMatcher(element: unknown, onWildcard: WildcardSink): Matcher {
  if (element === null || typeof element === "string" || typeof element === "boolean") {
    return { kind: "exact", value: element };
  }
  if (typeof element === "number") return { kind: "exact", value: element };
  if (!isPlainObject(element)) invalid("Match value must be String, number, true, false, or null");
  const keys = Object.keys(element);
  const name = keys[0];
  if (name === undefined) invalid("Match expression name not found");
  const value = element[name];
  const matcher = parseOperator(name, value, onWildcard);
  if (keys.length > 1) {
    invalid(
      name === "numeric" || name === "anything-but"
        ? "Too many elements in numeric expression"
        : "Only one key allowed in match expression",
    );
  }
  return matcher;
}

function parseOperator(name: string, value: unknown, onWildcard: WildcardSink): Matcher {
  switch (name) {
    case "prefix":
    case "suffix":
      return parsePrefixOrSuffix(name, value);
    case "equals-ignore-case":
      if (typeof value !== "string") invalid("equals-ignore-case match pattern must be a string");
      return { kind: "equals-ignore-case", value };
    case "wildcard": {
      if (typeof value !== "string") invalid("wildcard match pattern must be a string");
      onWildcard(parseWildcard(value));
      return { kind: "wildcard", value };
    }
    case "numeric":
      return parseNumeric(value);
    case "anything-but":
      return parseAnythingBut(value, onWildcard);
    case "exists":
      if (typeof value !== "boolean") invalid("exists match pattern must be either true or false.");
      return { kind: "exists", value };
    case "cidr": {
      // AWS really answers "prefix match pattern must be a string" for a non-string cidr.
      if (typeof value !== "string") invalid("prefix match pattern must be a string");
      const range = parseCidr(value);
      return { kind: "cidr", version: range.version, low: range.low, high: range.high };
    }
    default:
      return invalid(`Unrecognized match type ${name}`, operatorHint(name));
  }
}

function parsePrefixOrSuffix(name: "prefix" | "suffix", value: unknown): Matcher {
  if (typeof value === "string") return { kind: name, value, ignoreCase: false };
  if (isPlainObject(value)) {
    const keys = Object.keys(value);
    const inner = value["equals-ignore-case"];
    if (keys[0] === "equals-ignore-case" && typeof inner === "string") {
      if (keys.length > 1) invalid("Only one key allowed in match expression");
      return { kind: name, value: inner, ignoreCase: true };
    }
  }
  return invalid(`${name} match pattern must be a string`);
}

function parseNumeric(value: unknown): Matcher {
  if (!Array.isArray(value)) invalid("Value of numeric must be an array.");
  const [op, first, op2, second] = value as unknown[];
  if (typeof op !== "string") invalid(`Invalid member in numeric match: ${tokenText(op)}`);
  const numberOf = (v: unknown, operator: string): number => {
    if (typeof v !== "number") invalid(`Value of ${operator} must be numeric`);
    return v;
  };
  switch (op) {
    case "=": {
      const v = numberOf(first, "equals");
      if (value.length > 2) invalid("Too many elements in numeric expression");
      return { kind: "numeric", low: v, lowOpen: false, high: v, highOpen: false };
    }
    case "<":
    case "<=": {
      const v = numberOf(first, op);
      if (value.length > 2) invalid("Too many elements in numeric expression");
      return { kind: "numeric", low: -Infinity, lowOpen: true, high: v, highOpen: op === "<" };
    }
    case ">":
    case ">=": {
      const low = numberOf(first, op);
      if (value.length === 2) {
        return { kind: "numeric", low, lowOpen: op === ">", high: Infinity, highOpen: true };
      }
      if (typeof op2 !== "string") invalid(`Bad value in numeric range: ${tokenText(op2)}`);
      if (op2 !== "<" && op2 !== "<=") invalid(`Bad numeric range operator: ${op2}`);
      const high = numberOf(second, op2);
      if (value.length > 4) invalid("Too many terms in numeric range expression");
      if (!(low < high)) invalid("Bottom must be less than top");
      return { kind: "numeric", low, lowOpen: op === ">", high, highOpen: op2 === "<" };
    }
    default:
      return invalid(`Unrecognized numeric range operator: ${op}`);
  }
}

const ANYTHING_BUT_SHAPE = "Value of anything-but must be an array or single string/number value.";
const ANYTHING_BUT_LIST = "Inside anything but list, start|null|boolean is not supported.";
const ANYTHING_BUT_IGNORE_CASE =
  "Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.";

function parseAnythingBut(value: unknown, onWildcard: WildcardSink): Matcher {
  if (isPlainObject(value)) return parseAnythingButObject(value, onWildcard);
  if (typeof value === "string") return { kind: "anything-but", strings: [value], numbers: [] };
  if (typeof value === "number") return { kind: "anything-but", strings: [], numbers: [value] };
  if (!Array.isArray(value)) invalid(ANYTHING_BUT_SHAPE);
  const strings: string[] = [];
  const numbers: number[] = [];
  for (const item of value) {
    if (typeof item === "string") strings.push(item);
    else if (typeof item === "number") numbers.push(item);
    else invalid(ANYTHING_BUT_LIST);
  }
  if (strings.length > 0 === numbers.length > 0) {
    invalid("Inside anything but list, either all values are number or string, mixed type is not supported");
  }
  return { kind: "anything-but", strings, numbers };
}

function parseAnythingButObject(object: Record<string, unknown>, onWildcard: WildcardSink): Matcher {
  const keys = Object.keys(object);
  const op = keys[0];
  if (op === undefined) invalid("Anything-But expression name not found");
  const value = object[op];
  let matcher: Matcher;
  switch (op) {
    case "prefix":
    case "suffix": {
      // AWS: a nested object ({"prefix":{"equals-ignore-case":…}}) is rejected with the shape message.
      if (isPlainObject(value)) invalid(ANYTHING_BUT_SHAPE);
      const values = stringList(value, "prefix/suffix match pattern must be a string");
      if (values.some((v) => v === "")) invalid("Null prefix/suffix not allowed");
      matcher = { kind: op === "prefix" ? "anything-but-prefix" : "anything-but-suffix", values };
      break;
    }
    case "equals-ignore-case":
      matcher = { kind: "anything-but-ignore-case", values: stringList(value, ANYTHING_BUT_IGNORE_CASE) };
      break;
    case "wildcard": {
      const values = stringList(value, "wildcard match pattern must be a string");
      for (const v of values) onWildcard(parseWildcard(v));
      matcher = { kind: "anything-but-wildcard", values };
      break;
    }
    default:
      return invalid(`Unsupported anything-but pattern: ${op}`);
  }
  if (keys.length > 1) invalid("Only one key allowed in match expression");
  return matcher;
}

/** A string or a non-empty list of strings; anything else fails with `reason`. */
function stringList(value: unknown, reason: string): string[] {
  if (typeof value === "string") return [value];
  if (!Array.isArray(value)) invalid(reason);
  if (value.length === 0) invalid("Empty arrays are not allowed");
  for (const item of value) if (typeof item !== "string") invalid(reason);
  return value as string[];
}

/** `did you mean "prefix"?` for `prefx` or `PREFIX` (operators are case-sensitive). */
function operatorHint(name: string): string | undefined {
  const match = closest(name, OPERATOR_NAMES);
  return match ? `did you mean "${match}"?` : undefined;
}
