/**
 * Helpers for the table-mapping tests (not used by any plugin).
 *
 * @module
 */
import { createHost } from "../../../src/host/create-host.ts";
import type { Envelope, EventBridgeEvent, Host } from "../../../src/sdk/index.ts";

/** A real host, as the engine builds it, for the JSON path and pattern compilers. */
export function mappingTestHost(): Host {
  return createHost({
    pluginName: "table-mapping",
    dryRun: false,
    signal: new AbortController().signal,
    baseDir: "/tmp",
    aws: {},
    stderr: { write: () => {} },
  });
}

/** An EventBridge event for user `userId`. */
export function userEvent(
  userId: unknown,
  detail: Record<string, unknown> = {},
  detailType = "UserUpdated",
): EventBridgeEvent {
  return {
    version: "0",
    id: `evt-${String(userId)}`,
    "detail-type": detailType,
    source: "users",
    account: "123456789012",
    time: "2026-01-01T00:00:00Z",
    region: "eu-west-1",
    resources: [],
    detail: { userId, ...detail },
  };
}

/** Wraps events into envelopes the way the engine does (positions `events.ndjson:<line>`). */
export function envelopes(events: readonly EventBridgeEvent[], firstSeq = 0): Envelope[] {
  return events.map((event, i) => ({
    event,
    position: `events.ndjson:${firstSeq + i + 1}`,
    seq: firstSeq + i,
    record: event,
  }));
}
