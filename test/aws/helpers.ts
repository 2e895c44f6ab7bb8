/**
 * Small builders shared by the AWS target tests: envelopes and a real host.
 *
 * @module
 */

import type { Envelope, EventBridgeEvent, Host } from "../../src/sdk/index.ts";
import { testHost as kitHost } from "../../src/sdk/testing/index.ts";

/** An EventBridge event numbered `n`, with an optional key in `detail.key`. */
export function makeEvent(n: number, overrides: Partial<EventBridgeEvent> = {}): EventBridgeEvent {
  return {
    version: "0",
    id: `evt-${n}`,
    "detail-type": "OrderPlaced",
    source: "shop.orders",
    account: "123456789012",
    time: new Date(Date.UTC(2024, 0, 1, 0, 0, n)).toISOString().replace(".000Z", "Z"),
    region: "us-east-1",
    resources: [],
    detail: { n, orderId: `o-${n}` },
    ...overrides,
  };
}

/** Wraps an event into an envelope at read position `seq`. */
export function makeEnvelope(
  event: EventBridgeEvent,
  seq: number,
  extra: { text?: string; orderKey?: string } = {},
): Envelope {
  return { event, position: `events.ndjson:${seq + 1}`, seq, record: event, ...extra };
}

/** A real host for plugin tests; log lines go to `logs`. */
export function testHost(options: { dryRun?: boolean; baseDir?: string; region?: string } = {}): {
  host: Host;
  logs: string[];
} {
  const logs: string[] = [];
  return { host: kitHost({ ...options, logs }), logs };
}
