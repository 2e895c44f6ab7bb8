import type { WriteAction } from "./item-mapping.ts";

/** One write that stands for several events of a batch with the same key. */
export interface CollapsedAction {
  action: WriteAction;
  /** Batch indexes of every event it stands for (the last one's action is kept). */
  indexes: number[];
}

/**
 * Last write wins per key, in order: a BatchWriteItem must not name a key twice, and the final
 * state after applying a batch's events one by one is the last event's put or delete. The
 * earlier events' writes are superseded, so they succeed or fail with the kept one.
 */
export function collapseByKey(
  actions: ReadonlyArray<{ index: number; action: WriteAction }>,
): CollapsedAction[] {
  const byKey = new Map<string, CollapsedAction>();
  for (const { index, action } of actions) {
    const existing = byKey.get(action.keyId);
    if (existing) {
      existing.action = action;
      existing.indexes.push(index);
    } else {
      byKey.set(action.keyId, { action, indexes: [index] });
    }
  }
  return [...byKey.values()];
}
