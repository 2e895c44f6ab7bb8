/**
 * Helpers for the table-mapping tests and the SQL targets' tests (sqlite, postgres, sqlserver):
 * the user events they all write, and envelopes as the engine builds them. Not used by any plugin.
 *
 * @module
 */
import type { Envelope, EventBridgeEvent, Host } from "../../../src/sdk/index.ts";
import { testHost } from "../../../src/sdk/testing/index.ts";

/** A real host, as the engine builds it, for the JSON path and pattern compilers. */
export function mappingTestHost(): Host {
  return testHost({ baseDir: "/tmp" });
}

/**
 * An EventBridge event for user `userId`. Its id is `evt-<userId>`, or with `uniqueId` a fresh
 * one per call (for tests that write several events of one user).
 */
export function userEvent(
  userId: unknown,
  detail: Record<string, unknown> = {},
  detailType = "UserUpdated",
  options: { uniqueId?: boolean } = {},
): EventBridgeEvent {
  const suffix = options.uniqueId ? `-${Math.random().toString(36).slice(2, 8)}` : "";
  return {
    version: "0",
    id: `evt-${String(userId)}${suffix}`,
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
