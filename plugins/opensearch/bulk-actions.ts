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
  // Written by hand, not JSON.stringify of an object: this runs once per event.
  let meta = `"_index":${quote(index)},"_id":${quote(action.id)}`;
  if (action.routing !== undefined) meta += `,"routing":${quote(action.routing)}`;
  // Written as text: a long beyond 2^53 stays exact.
  if (action.version !== undefined) meta += `,"version":${action.version},"version_type":"external_gte"`;
  if (action.kind === "delete") return `{"delete":{${meta}}}\n`;
  return `{"index":{${meta}}}\n${oneLine(action.document!)}\n`;
}

/** JSON string literal; the common case (no quote, backslash or control character) without JSON.stringify. */
function quote(value: string): string {
  return /["\\\u0000-\u001f\u2028\u2029]/.test(value) ? JSON.stringify(value) : `"${value}"`;
}

/** NDJSON needs one line per document: original texts may be pretty-printed. */
function oneLine(text: string): string {
  return text.includes("\n") || text.includes("\r") ? JSON.stringify(JSON.parse(text)) : text;
}

/**
 * Splits collapsed actions into request bodies of at most `maxBytes` and `maxItems`. UTF-8 bytes
 * are counted only once the cheap bound (3 bytes per UTF-16 unit) could pass the limit: a body
 * of a thousand 1 KB documents under a 5 MiB limit never pays for counting.
 */
export function chunkRequests(
  index: string,
  actions: readonly CollapsedAction[],
  maxItems: number,
  maxBytes: number,
): Array<{ body: string; actions: CollapsedAction[] }> {
  const chunks: Array<{ body: string; actions: CollapsedAction[] }> = [];
  let body = "";
  let chars = 0;
  /** Exact UTF-8 bytes of `body`, once counting started. */
  let bytes: number | undefined;
  let members: CollapsedAction[] = [];
  for (const collapsed of actions) {
    const lines = actionLines(index, collapsed.action);
    if (bytes === undefined && (chars + lines.length) * 3 > maxBytes) bytes = Buffer.byteLength(body);
    let size = bytes === undefined ? 0 : Buffer.byteLength(lines);
    if (
      members.length > 0 &&
      (members.length >= maxItems || (bytes !== undefined && bytes + size > maxBytes))
    ) {
      chunks.push({ body, actions: members });
      body = "";
      chars = 0;
      members = [];
      bytes = lines.length * 3 > maxBytes ? 0 : undefined;
      if (bytes !== undefined) size = Buffer.byteLength(lines);
    }
    body += lines;
    chars += lines.length;
    if (bytes !== undefined) bytes += size;
    members.push(collapsed);
  }
  if (members.length > 0) chunks.push({ body, actions: members });
  return chunks;
}
