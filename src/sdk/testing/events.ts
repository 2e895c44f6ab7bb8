import type { Envelope, EventBridgeEvent } from "../index.ts";
import { seededRandom } from "./random.ts";

/** Options of {@link conformanceEvents}. */
export interface ConformanceEventOptions {
  /** Distinct keys (`detail.key`); several events share each key, so order per key is tested. @default 7 */
  keys?: number;
  /** A seed for reproducible data. @default 1 */
  seed?: number;
}

/**
 * `count` EventBridge events, numbered in `detail.n` and `detail.version` (increasing in read
 * order), over a few keys in `detail.key`, with `id` `evt-<n>`: the data the kit's properties
 * run on. A plugin under test maps its row key from `detail.key`.
 */
export function conformanceEvents(count: number, options: ConformanceEventOptions = {}): EventBridgeEvent[] {
  const keys = options.keys ?? 7;
  const random = seededRandom(options.seed ?? 1);
  return Array.from({ length: count }, (_, n) => ({
    version: "0",
    id: `evt-${n}`,
    "detail-type": n % 5 === 4 ? "Item Deleted" : "Item Saved",
    source: "conformance.kit",
    account: "123456789012",
    time: new Date(Date.UTC(2024, 0, 1, 0, 0, n)).toISOString().replace(".000Z", "Z"),
    region: "us-east-1",
    resources: [],
    detail: { key: `k${Math.floor(random() * keys)}`, n, version: n + 1, value: `v${n}` },
  }));
}

/** Envelopes for events, as the engine builds them (read order in `seq`, text kept). */
export function envelopesOf(events: readonly EventBridgeEvent[], positionPrefix = "kit"): Envelope[] {
  return events.map((event, seq) => ({
    event,
    position: `${positionPrefix}:${seq + 1}`,
    seq,
    record: event,
    text: JSON.stringify(event),
  }));
}
