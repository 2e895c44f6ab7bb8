import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { PluginError } from "../../src/sdk/index.ts";

/**
 * Converts a JSON value to a DynamoDB attribute value: strings → S, numbers → N, booleans →
 * BOOL, null → NULL, arrays → L, objects → M. `undefined` members of objects are left out.
 * Strings are never guessed to be numbers: a big number kept exact as a string stays S.
 */
export function toAttributeValue(value: unknown, where: string): AttributeValue {
  switch (typeof value) {
    case "string":
      return { S: value };
    case "number":
      if (!Number.isFinite(value)) throw new PluginError(`${value} cannot be stored in DynamoDB`, where);
      return { N: String(value) };
    case "bigint":
      return { N: value.toString() };
    case "boolean":
      return { BOOL: value };
    case "object": {
      if (value === null) return { NULL: true };
      if (Array.isArray(value)) return { L: value.map((v, i) => toAttributeValue(v, `${where}[${i}]`)) };
      return { M: toItem(value as Record<string, unknown>, where) };
    }
    default:
      throw new PluginError(`a ${typeof value} cannot be stored in DynamoDB`, where);
  }
}

/** Converts a JSON object to an item (attribute name → value), leaving out `undefined` members. */
export function toItem(value: Record<string, unknown>, where: string): Record<string, AttributeValue> {
  const item: Record<string, AttributeValue> = {};
  for (const key in value) {
    const member = value[key];
    if (member === undefined) continue;
    item[key] = toAttributeValue(member, `${where}.${key}`);
  }
  return item;
}
