import type { Envelope } from "../../sdk/index.ts";
import type { ItemQueue } from "./item-queue.ts";
import type { QueuedItem } from "./queued.ts";

/** The limits one `write` call must respect. */
export interface BatchLimits {
  maxItems: number;
  /** UTF-8 bytes of the events' JSON; `Infinity` when the target sets none. */
  maxBytes: number;
  /**
   * Whether two events of one key may share a batch. False for targets whose items are delivered
   * independently (a retried earlier event could be overtaken by a later one of the same request).
   */
  sameKeyInBatch: boolean;
}

/**
 * Takes the next batch from the head of a lane: at most `maxItems` events and `maxBytes` bytes
 * (a single larger event still goes alone, for the target to refuse), stopping before the
 * first event whose key is already in the batch when keys may not share one. The lane's order is
 * never changed: the batch is always a prefix of the queue.
 */
export function takeBatch(queue: ItemQueue<QueuedItem>, limits: BatchLimits): QueuedItem[] {
  if (limits.maxBytes === Number.POSITIVE_INFINITY && limits.sameKeyInBatch)
    return queue.take(limits.maxItems);
  let count = 0;
  let bytes = 0;
  const keys = limits.sameKeyInBatch ? undefined : new Set<string>();
  while (count < limits.maxItems) {
    const next = queue.peek(count);
    if (!next) break;
    if (keys) {
      if (keys.has(next.key)) break;
      keys.add(next.key);
    }
    if (limits.maxBytes !== Number.POSITIVE_INFINITY) {
      const size = utf8Size(next.item.envelope);
      if (count > 0 && bytes + size > limits.maxBytes) break;
      bytes += size;
    }
    count++;
  }
  return queue.take(Math.max(count, 1));
}

/**
 * The UTF-8 size of an event's JSON, as services count request bytes. An event too deeply nested
 * to serialise counts as infinitely large, so it goes alone and fails on its own.
 */
export function utf8Size(envelope: Envelope): number {
  const bytes = envelope.bytes;
  if (bytes !== undefined) return bytes.byteLength;
  if (envelope.text !== undefined) return Buffer.byteLength(envelope.text, "utf8");
  try {
    return Buffer.byteLength(JSON.stringify(envelope.event), "utf8");
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}
