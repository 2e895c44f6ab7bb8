/**
 * DynamoDB `AttributeValue`s ↔ plain JSON.
 *
 * Reading converts in one pass (instead of util-dynamodb's `unmarshall` plus a second walk)
 * because the result must be JSON: sets become arrays, binary becomes base64 text, and numbers
 * that a JavaScript number cannot hold exactly stay exact as decimal strings.
 *
 * @module
 */
import type { AttributeValue } from "@aws-sdk/client-dynamodb";

/** A plain JSON value. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/**
 * Converts a DynamoDB number (its exact decimal text) to a JSON number when the number
 * represents it exactly, and otherwise keeps the exact text as a string: `"12345678901234567890"`
 * stays a string, `"42"` and `"0.1"` become numbers (`0.1` prints back as `0.1`).
 */
export function exactNumber(text: string): number | string {
  const n = Number(text);
  if (!Number.isFinite(n)) return text;
  return canonicalDecimal(String(n)) === canonicalDecimal(text) ? n : text;
}

/**
 * The canonical form of a decimal literal (`-0012.500e1` → `-125`), so two spellings of the same
 * value compare equal: sign, significant digits without leading/trailing zeros, exponent.
 */
export function canonicalDecimal(text: string): string {
  const match = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text.trim());
  if (!match) return text;
  const [, sign, intPart = "", fracPart = "", exp = "0"] = match;
  let digits = intPart + fracPart;
  let exponent = Number(exp) - fracPart.length;
  digits = digits.replace(/^0+/, "");
  if (digits === "") return "0";
  const trailing = /0+$/.exec(digits)?.[0].length ?? 0;
  digits = digits.slice(0, digits.length - trailing);
  exponent += trailing;
  return `${sign === "-" ? "-" : ""}${digits}e${exponent}`;
}

/** Converts one attribute value to JSON (see the module note for sets, binary and numbers). */
export function attributeToJson(value: AttributeValue): Json {
  if (value.S !== undefined) return value.S;
  if (value.N !== undefined) return exactNumber(value.N);
  if (value.BOOL !== undefined) return value.BOOL;
  if (value.NULL !== undefined) return null;
  if (value.M !== undefined) return itemToJson(value.M);
  if (value.L !== undefined) return value.L.map(attributeToJson);
  if (value.SS !== undefined) return [...value.SS];
  if (value.NS !== undefined) return value.NS.map(exactNumber);
  if (value.B !== undefined) return Buffer.from(value.B).toString("base64");
  if (value.BS !== undefined) return value.BS.map((b) => Buffer.from(b).toString("base64"));
  return null;
}

/** Converts a whole item (attribute name → value) to a JSON object. */
export function itemToJson(item: Record<string, AttributeValue>): { [key: string]: Json } {
  const out: { [key: string]: Json } = {};
  for (const name in item) out[name] = attributeToJson(item[name]!);
  return out;
}

/** The text of a key attribute for positions (`table#pk#sk`): strings as-is, numbers exact. */
export function keyText(value: AttributeValue | undefined): string {
  if (!value) return "";
  if (value.S !== undefined) return value.S;
  if (value.N !== undefined) return value.N;
  if (value.B !== undefined) return Buffer.from(value.B).toString("base64");
  return JSON.stringify(attributeToJson(value));
}
