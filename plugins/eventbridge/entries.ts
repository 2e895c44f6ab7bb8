/**
 * Envelope → PutEvents entry, with the isolation options and AWS's entry-size arithmetic.
 *
 * @module
 */
import type { PutEventsRequestEntry } from "@aws-sdk/client-eventbridge";
import type { Envelope } from "../../src/sdk/index.ts";

/** How replayed events are told apart from live traffic. */
export interface IsolationOptions {
  /** A replay name; when set, every entry is marked with it. */
  markReplay?: string;
  /** Where the mark goes. */
  markReplayIn: "detail" | "resources";
  /** Prepended to `source` (`replay.` turns `orders` into `replay.orders`). */
  sourcePrefix?: string;
}

/** The `detail` key that carries the replay name when `markReplayIn` is `detail`. */
export const REPLAY_DETAIL_KEY = "rehydrate-replay";
/** The prefix of the `resources` entry that carries the replay name. */
export const REPLAY_RESOURCE_PREFIX = "rehydrate:replay/";

/** A built entry and its size as EventBridge counts it. */
export interface BuiltEntry {
  entry: PutEventsRequestEntry;
  size: number;
}

/** Why an event cannot become an entry (never worth retrying). */
export interface EntryProblem {
  code: string;
  message: string;
}

/**
 * Builds the PutEvents entry for an envelope. `time` becomes `Time` (so the original time is
 * kept), `source`, `detail-type`, `resources` and `detail` (as JSON text) are copied, then the
 * isolation options are applied. `id`, `account` and `region` cannot be set through PutEvents:
 * EventBridge assigns them.
 */
export function buildEntry(
  envelope: Envelope,
  busName: string,
  isolation: IsolationOptions,
): BuiltEntry | EntryProblem {
  const event = envelope.event;
  const where = `event ${JSON.stringify(event.id)} at ${envelope.position}`;
  if (typeof event.source !== "string" || event.source === "") {
    return { code: "InvalidArgument", message: `${where}: "source" must be a non-empty string` };
  }
  if (typeof event["detail-type"] !== "string" || event["detail-type"] === "") {
    return { code: "InvalidArgument", message: `${where}: "detail-type" must be a non-empty string` };
  }
  const source = (isolation.sourcePrefix ?? "") + event.source;
  if (source.startsWith("aws.")) {
    // PutEvents refuses `aws.*` sources (NotAuthorizedForSourceException); say how to fix it
    // here rather than letting every such event fail at AWS with a terse code.
    return {
      code: "NotAuthorizedForSourceException",
      message: `${where}: source "${source}" is reserved for AWS services; set sourcePrefix (e.g. "replay.") to replay it`,
    };
  }

  let time: Date | undefined;
  if (event.time !== undefined && event.time !== null && event.time !== "") {
    time = new Date(String(event.time));
    if (Number.isNaN(time.getTime())) {
      return {
        code: "InvalidArgument",
        message: `${where}: "time" ${JSON.stringify(event.time)} is not a timestamp`,
      };
    }
  }

  let detail: unknown = event.detail ?? {};
  if (typeof detail !== "object" || Array.isArray(detail) || detail === null) {
    return {
      code: "MalformedDetail",
      message: `${where}: "detail" must be a JSON object for PutEvents (got ${Array.isArray(detail) ? "an array" : typeof detail})`,
    };
  }
  if (event.resources !== undefined && event.resources !== null && !Array.isArray(event.resources)) {
    return {
      code: "InvalidArgument",
      message: `${where}: "resources" must be a list of ARNs, got ${JSON.stringify(event.resources)}`,
    };
  }
  let resources = Array.isArray(event.resources) ? event.resources.map(String) : [];
  if (isolation.markReplay !== undefined) {
    if (isolation.markReplayIn === "detail")
      detail = { ...detail, [REPLAY_DETAIL_KEY]: isolation.markReplay };
    else resources = [...resources, REPLAY_RESOURCE_PREFIX + isolation.markReplay];
  }

  const entry: PutEventsRequestEntry = {
    Source: source,
    DetailType: event["detail-type"],
    Detail: JSON.stringify(detail),
    Resources: resources,
    EventBusName: busName,
  };
  if (time) entry.Time = time;
  return { entry, size: entrySize(entry) };
}

/**
 * An entry's size the way EventBridge computes it ("Calculating PutEvents event entry size"):
 * 14 bytes for `Time` when present, plus the UTF-8 bytes of `Source`, `DetailType`, `Detail`
 * and each of `Resources`.
 */
export function entrySize(entry: PutEventsRequestEntry): number {
  let size = entry.Time ? 14 : 0;
  size += utf8Length(entry.Source) + utf8Length(entry.DetailType) + utf8Length(entry.Detail);
  for (const resource of entry.Resources ?? []) size += utf8Length(resource);
  return size;
}

function utf8Length(text: string | undefined): number {
  return text === undefined ? 0 : Buffer.byteLength(text, "utf8");
}

/**
 * Splits items (in order) into consecutive requests of at most `maxEntries` entries and
 * `maxBytes` bytes. Every item must already fit `maxBytes` on its own.
 */
export function chunkBySize<T extends { size: number }>(
  items: T[],
  maxEntries: number,
  maxBytes: number,
): T[][] {
  const chunks: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const item of items) {
    if (current.length > 0 && (current.length >= maxEntries || bytes + item.size > maxBytes)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += item.size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}
