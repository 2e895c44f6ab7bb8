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

/** A time value that cannot be a date (a number beyond the ±8.64e15 ms range of dates). */
export interface InvalidTime {
  invalid: string;
}

/**
 * Converts a time value to EventBridge's format (`2024-05-01T12:00:00Z`): ISO strings pass
 * through; numbers are epoch seconds (< 1e11) or epoch milliseconds. A number outside the range
 * of dates (`1e20`, `-1e300`) is reported, never turned into "Invalid Date".
 */
export function toEventTime(value: unknown): string | undefined | InvalidTime {
  if (typeof value === "string") return value;
  if (typeof value === "number" && Number.isFinite(value)) {
    const ms = Math.abs(value) < 1e11 ? value * 1000 : value;
    const date = new Date(ms);
    if (Number.isNaN(date.getTime()))
      return { invalid: `"time" ${value} is outside the range of dates (±8.64e15 ms from 1970)` };
    return date.toISOString().replace(/\.\d{3}Z$/, "Z");
  }
  return undefined;
}
