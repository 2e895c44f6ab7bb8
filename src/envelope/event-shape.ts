import type { EventBridgeEvent } from "../sdk/index.ts";

/**
 * Whether a record is already an EventBridge event: an object with string `source` and
 * `detail-type` and a `detail`. Such records pass through unchanged (missing optional fields
 * such as `account` are not invented, so their bytes can pass through too).
 */
export function isEventBridgeEvent(record: unknown): record is EventBridgeEvent {
  if (record === null || typeof record !== "object" || Array.isArray(record)) return false;
  const r = record as Record<string, unknown>;
  return typeof r.source === "string" && typeof r["detail-type"] === "string" && "detail" in r;
}

/**
 * Converts a time value to EventBridge's format (`2024-05-01T12:00:00Z`): ISO strings pass
 * through; numbers are epoch seconds (< 1e11) or epoch milliseconds.
 */
export function toEventTime(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (typeof value === "number" && Number.isFinite(value)) {
    const ms = Math.abs(value) < 1e11 ? value * 1000 : value;
    return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
  }
  return undefined;
}
