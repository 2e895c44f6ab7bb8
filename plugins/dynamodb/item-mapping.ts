/**
 * Turns an event into the write it causes on the table: a put of the mapped item or a delete of
 * its key, or a reason why it cannot be written (a missing key value, a detail that is not an
 * object). Compiled once per target from the `key`, `attributes`, `deleteWhen` and `ifNewer`
 * config.
 *
 * @module
 */
import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import type { EventBridgeEvent, Host } from "../../src/sdk/index.ts";
import { toAttributeValue, toItem } from "./to-attribute-value.ts";

/** One write. */
export interface WriteAction {
  kind: "put" | "delete";
  /** The key attributes. */
  key: Record<string, AttributeValue>;
  /** A string identifying the key (same key ⇔ same string), for last-write-wins collapsing. */
  keyId: string;
  /** The item to put (with key attributes). */
  item?: Record<string, AttributeValue>;
  /** The `ifNewer` attribute's value, when the guard is on and the event has one. */
  version?: AttributeValue;
}

/** Why an event cannot become a write (not retryable). */
export interface MappingProblem {
  code: "KeyMissing" | "DetailNotAnObject" | "VersionMissing" | "InvalidValue";
  message: string;
}

/** Key attribute types from DescribeTable, used to coerce values (a number id into an S key). */
export type KeyTypes = Record<string, "S" | "N" | "B">;

/** Compiles the mapping; `keyTypes` may be filled in later (after DescribeTable). */
export function compileItemMapping(
  config: {
    key: Record<string, string>;
    attributes?: Record<string, string>;
    deleteWhen?: unknown;
    ifNewer?: string;
  },
  host: Host,
  keyTypes: () => KeyTypes | undefined,
): (event: EventBridgeEvent) => WriteAction | MappingProblem {
  const keyGetters = Object.entries(config.key).map(([attribute, path]) => ({
    attribute,
    path,
    get: host.jsonPath(path),
  }));
  const attributeGetters = config.attributes
    ? Object.entries(config.attributes).map(([attribute, path]) => ({
        attribute,
        path,
        get: host.jsonPath(path),
      }))
    : undefined;
  const deletes = config.deleteWhen === undefined ? undefined : host.matcher(config.deleteWhen);
  const versionAttribute = config.ifNewer;

  return (event) => {
    const types = keyTypes();
    const key: Record<string, AttributeValue> = {};
    const idParts: string[] = [];
    for (const { attribute, path, get } of keyGetters) {
      const raw = get(event);
      if (raw === undefined || raw === null || raw === "") {
        return {
          code: "KeyMissing",
          message: `key attribute "${attribute}": ${path} has no value in the event`,
        };
      }
      const value = coerceKey(raw, types?.[attribute]);
      if (!value) {
        return {
          code: "InvalidValue",
          message: `key attribute "${attribute}": ${path} is ${JSON.stringify(raw)}, not a ${types?.[attribute] ?? "string or number"}`,
        };
      }
      key[attribute] = value;
      idParts.push(
        value.S !== undefined ? `S${value.S}` : value.N !== undefined ? `N${Number(value.N)}` : `B${value.B}`,
      );
    }
    const keyId = JSON.stringify(idParts);
    if (deletes?.(event)) return { kind: "delete", key, keyId, ...versionOf(undefined) };

    let item: Record<string, AttributeValue>;
    try {
      if (attributeGetters) {
        item = {};
        for (const { attribute, get } of attributeGetters) {
          const value = get(event);
          if (value !== undefined) item[attribute] = toAttributeValue(value, attribute);
        }
      } else {
        const detail = event.detail;
        if (detail === null || typeof detail !== "object" || Array.isArray(detail)) {
          return {
            code: "DetailNotAnObject",
            message:
              "the event's detail is not an object, so it cannot be the item (map `attributes` instead)",
          };
        }
        item = toItem(detail as Record<string, unknown>, "detail");
      }
    } catch (error) {
      return { code: "InvalidValue", message: (error as Error).message };
    }
    Object.assign(item, key);
    return { kind: "put", key, keyId, item, ...versionOf(item) };

    function versionOf(from: Record<string, AttributeValue> | undefined): { version?: AttributeValue } {
      if (!versionAttribute) return {};
      const fromItem = from?.[versionAttribute];
      if (fromItem) return { version: fromItem };
      // A delete has no item: take the version from the same place a put would.
      const path = config.attributes?.[versionAttribute] ?? `$.detail.${versionAttribute}`;
      const raw = host.jsonPath(path)(event);
      if (raw === undefined || raw === null) return {};
      try {
        return { version: toAttributeValue(raw, versionAttribute) };
      } catch {
        return {};
      }
    }
  };
}

/** Converts a key value to the table's declared type (numbers ↔ numeric strings). */
function coerceKey(raw: unknown, type: "S" | "N" | "B" | undefined): AttributeValue | undefined {
  if (type === "N") {
    if (typeof raw === "number" && Number.isFinite(raw)) return { N: String(raw) };
    if (typeof raw === "string" && /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(raw)) return { N: raw };
    return undefined;
  }
  if (type === "B") return typeof raw === "string" ? { B: Buffer.from(raw, "base64") } : undefined;
  if (typeof raw === "string") return { S: raw };
  if (typeof raw === "number" || typeof raw === "boolean") return { S: String(raw) };
  return undefined;
}

/** `users(pk=42, sk=a)` for plans and messages. */
export function describeKey(table: string, key: Record<string, AttributeValue>): string {
  const parts = Object.entries(key).map(
    ([name, value]) =>
      `${name}=${value.S ?? value.N ?? (value.B ? Buffer.from(value.B).toString("base64") : "?")}`,
  );
  return `${table}(${parts.join(", ")})`;
}

/**
 * The row identity of an event (its key values), cheaply, without building the item: what the
 * engine orders this target's lanes by. `undefined` when a key value is missing (the write then
 * fails the event with its reason).
 */
export function compileRowKey(
  key: Record<string, string>,
  host: Host,
): (event: EventBridgeEvent) => string | undefined {
  const getters = Object.values(key).map((path) => host.jsonPath(path));
  return (event) => {
    const parts: string[] = [];
    for (const get of getters) {
      const raw = get(event);
      if (raw === undefined || raw === null || raw === "") return undefined;
      parts.push(typeof raw === "object" ? JSON.stringify(raw) : String(raw));
    }
    return parts.length === 1 ? parts[0] : JSON.stringify(parts);
  };
}
