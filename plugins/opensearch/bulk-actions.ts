/**
 * From an envelope to one `_bulk` action (index, delete or tombstone) and from a batch of
 * actions to the NDJSON request bodies, with last-write-wins per document inside a batch.
 *
 * @module
 */
import type { Envelope, EventBridgeEvent, Host } from "../../src/sdk/index.ts";
import { isIntegerText, rawAt, simplePathSegments } from "./raw-json.ts";
import type { OpenSearchTargetConfig } from "./target-config.ts";

/** What one event does to the index. */
export interface BulkAction {
  kind: "index" | "delete" | "tombstone";
  id: string;
  routing?: string;
  /** The version as integer text (exact beyond 2^53), when a version guard is configured. */
  version?: string;
  /** The document's JSON text (not for deletes). */
  document?: string;
}

/** Why an event cannot be written (a non-retryable item failure). */
export interface ActionProblem {
  code: string;
  message: string;
}

/** Document ids longer than this are refused by OpenSearch. */
const MAX_ID_BYTES = 512;

/** Compiles the configuration into a function from an envelope to its action. */
export function compileActions(
  config: OpenSearchTargetConfig,
  host: Host,
): {
  toAction(envelope: Envelope): BulkAction | ActionProblem;
  rowKey(event: EventBridgeEvent): string | undefined;
} {
  const getId = host.jsonPath(config.id);
  const getRouting = config.routing ? host.jsonPath(config.routing) : undefined;
  const getVersion = config.version ? host.jsonPath(config.version) : undefined;
  const versionSegments = config.version ? simplePathSegments(config.version) : undefined;
  const deletes = config.deleteWhen === undefined ? undefined : host.matcher(config.deleteWhen);
  const fieldGetters = config.fields
    ? Object.entries(config.fields).map(([name, path]) => [name, host.jsonPath(path)] as const)
    : undefined;

  const idOf = (event: EventBridgeEvent): string | undefined => scalarText(getId(event));
  const routingOf = (event: EventBridgeEvent): string | undefined =>
    getRouting ? scalarText(getRouting(event)) : undefined;

  function versionOf(envelope: Envelope): string | ActionProblem {
    const value = getVersion!(envelope.event);
    if (typeof value === "number") {
      if (Number.isSafeInteger(value) && value >= 0) return String(value);
      // JSON.parse rounded it: take the digits from the original text when the source had it.
      if (Number.isInteger(value) && envelope.text !== undefined && versionSegments) {
        const raw = safeRawAt(envelope.text, versionSegments);
        if (raw !== undefined && isIntegerText(raw) && !raw.startsWith("-")) return raw;
      }
      return {
        code: "InvalidVersion",
        message: `${config.version} is ${value}: a version must be a non-negative integer (beyond 2^53 only when the event's original text is available)`,
      };
    }
    if (typeof value === "string") {
      if (isIntegerText(value) && !value.startsWith("-")) return value;
      const ms = Date.parse(value);
      if (/^\d{4}-\d\d-\d\d/.test(value) && Number.isFinite(ms) && ms >= 0) return String(ms);
      return {
        code: "InvalidVersion",
        message: `${config.version} is "${value.slice(0, 60)}": give an integer, digits, or an ISO time`,
      };
    }
    return { code: "MissingVersion", message: `${config.version} is missing or not a number` };
  }

  function documentOf(envelope: Envelope): string | ActionProblem {
    const event = envelope.event;
    if (fieldGetters) {
      const doc: Record<string, unknown> = {};
      for (const [name, get] of fieldGetters) {
        const value = get(event);
        if (value !== undefined) doc[name] = value;
      }
      return JSON.stringify(doc);
    }
    if (config.document === "detail") {
      const detail = event.detail;
      if (detail === null || typeof detail !== "object" || Array.isArray(detail)) {
        return { code: "InvalidDocument", message: "the event's detail is not an object (document: detail)" };
      }
      if (envelope.text !== undefined) {
        const raw = safeRawAt(envelope.text, ["detail"]);
        if (raw !== undefined) return raw;
      }
      return JSON.stringify(detail);
    }
    // The original bytes when the event is the record unchanged: exact numbers, no re-serialising.
    return envelope.text ?? JSON.stringify(event);
  }

  return {
    rowKey(event) {
      const id = idOf(event);
      if (id === undefined) return undefined;
      const routing = routingOf(event);
      return routing === undefined ? id : `${routing}\u0000${id}`;
    },
    toAction(envelope) {
      const event = envelope.event;
      const id = idOf(event);
      if (id === undefined || id === "") {
        return { code: "MissingId", message: `${config.id} is missing, empty or not a string/number` };
      }
      if (Buffer.byteLength(id) > MAX_ID_BYTES) {
        return { code: "IdTooLong", message: `${config.id} is longer than ${MAX_ID_BYTES} bytes` };
      }
      const action: BulkAction = { kind: "index", id };
      const routing = routingOf(event);
      if (config.routing) {
        if (routing === undefined) return { code: "MissingRouting", message: `${config.routing} is missing` };
        action.routing = routing;
      }
      if (getVersion) {
        const version = versionOf(envelope);
        if (typeof version !== "string") return version;
        action.version = version;
      }
      if (deletes?.(event)) {
        if (action.version === undefined) action.kind = "delete";
        else {
          // A delete forgets its version after index.gc_deletes (60 s): a tombstone keeps it.
          action.kind = "tombstone";
          action.document = JSON.stringify({ [config.tombstoneField]: true });
        }
        return action;
      }
      const document = documentOf(envelope);
      if (typeof document !== "string") return document;
      action.document = document;
      return action;
    },
  };
}

function safeRawAt(text: string, segments: ReadonlyArray<string | number>): string | undefined {
  try {
    return rawAt(text, segments);
  } catch {
    return undefined;
  }
}

function scalarText(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  if (typeof value === "bigint") return value.toString();
  return undefined;
}

/** A kept action with the batch indexes it stands for (itself and the ones it superseded). */
export interface CollapsedAction {
  action: BulkAction;
  /** Batch indexes this action settles: the last is the action's own. */
  indexes: number[];
}

/**
 * Last-write-wins per document inside a batch: one action per (routing, id), so a batch leaves
 * what applying its events one by one leaves. Under a version guard the winner is the highest
 * version (the last of equals, as `external_gte` would leave); otherwise the last in the batch.
 */
export function collapseActions(
  actions: ReadonlyArray<{ index: number; action: BulkAction }>,
): CollapsedAction[] {
  const byKey = new Map<string, CollapsedAction>();
  for (const { index, action } of actions) {
    const key = action.routing === undefined ? action.id : `${action.routing}\u0000${action.id}`;
    const kept = byKey.get(key);
    if (!kept) {
      byKey.set(key, { action, indexes: [index] });
      continue;
    }
    const newer =
      action.version === undefined || kept.action.version === undefined
        ? true
        : BigInt(action.version) >= BigInt(kept.action.version);
    if (newer) {
      kept.indexes.push(index);
      kept.action = action;
    } else {
      kept.indexes.unshift(index);
    }
  }
  return [...byKey.values()];
}

/** The NDJSON lines of one action (the action line, then the document line unless a delete). */
export function actionLines(index: string, action: BulkAction): string {
  const meta: string[] = [`"_index":${JSON.stringify(index)}`, `"_id":${JSON.stringify(action.id)}`];
  if (action.routing !== undefined) meta.push(`"routing":${JSON.stringify(action.routing)}`);
  // Written as text: a long beyond 2^53 stays exact.
  if (action.version !== undefined) meta.push(`"version":${action.version}`, `"version_type":"external_gte"`);
  const verb = action.kind === "delete" ? "delete" : "index";
  const head = `{"${verb}":{${meta.join(",")}}}\n`;
  return action.kind === "delete" ? head : `${head}${oneLine(action.document!)}\n`;
}

/** NDJSON needs one line per document: original texts may be pretty-printed. */
function oneLine(text: string): string {
  return text.includes("\n") || text.includes("\r") ? JSON.stringify(JSON.parse(text)) : text;
}

/** Splits collapsed actions into request bodies of at most `maxBytes` and `maxItems`. */
export function chunkRequests(
  index: string,
  actions: readonly CollapsedAction[],
  maxItems: number,
  maxBytes: number,
): Array<{ body: string; actions: CollapsedAction[] }> {
  const chunks: Array<{ body: string; actions: CollapsedAction[] }> = [];
  let parts: string[] = [];
  let bytes = 0;
  let members: CollapsedAction[] = [];
  for (const collapsed of actions) {
    const lines = actionLines(index, collapsed.action);
    const size = Buffer.byteLength(lines);
    if (members.length > 0 && (members.length >= maxItems || bytes + size > maxBytes)) {
      chunks.push({ body: parts.join(""), actions: members });
      parts = [];
      bytes = 0;
      members = [];
    }
    parts.push(lines);
    bytes += size;
    members.push(collapsed);
  }
  if (members.length > 0) chunks.push({ body: parts.join(""), actions: members });
  return chunks;
}
