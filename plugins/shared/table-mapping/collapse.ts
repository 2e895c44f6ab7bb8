/**
 * Last-write-wins inside a batch, the same for every SQL backend.
 *
 * Writing only the final action per key is what lets a backend send a batch as few statements
 * (PostgreSQL refuses a multi-row `ON CONFLICT DO UPDATE` that touches a row twice), while the
 * table ends up exactly as if every event had been applied one by one.
 *
 * @module
 */
import type { RowAction } from "./compile.ts";

/**
 * The net effect of a batch's events on one key:
 * - `upsert`: insert the row, or update its mapped columns;
 * - `delete`: delete the row;
 * - `replace`: delete, then insert. An earlier delete in the batch removed the row, so columns
 *   the mapping does not set must go back to their defaults, which a plain upsert would not do.
 */
export interface CollapsedWrite {
  readonly kind: "upsert" | "delete" | "replace";
  /** The key's last action in the batch: its key and values are what gets written. */
  readonly last: RowAction;
  /** Batch indexes of every event folded into this write, in order. */
  readonly indexes: readonly number[];
}

/**
 * Folds actions (in batch order) into one write per key, ordered by each key's last event.
 *
 * Keys are compared type-exactly (`42` ≠ `"42"`) because whether the database treats them as one
 * row depends on column affinity; distinct key ids are all written, in order, so nothing is lost.
 * Rows of different keys are independent unless the table has other UNIQUE constraints across
 * rows: then the order of writes may matter, and the last-occurrence order is used.
 */
export function collapseByKey(actions: readonly RowAction[]): CollapsedWrite[] {
  const groups = new Map<string, { last: RowAction; indexes: number[]; deleted: boolean }>();
  for (const action of actions) {
    const group = groups.get(action.keyId);
    if (group === undefined) {
      groups.set(action.keyId, { last: action, indexes: [action.index], deleted: action.kind === "delete" });
      continue;
    }
    group.last = action;
    group.indexes.push(action.index);
    if (action.kind === "delete") group.deleted = true;
    // Re-insert so the Map's order is the order of each key's last event.
    groups.delete(action.keyId);
    groups.set(action.keyId, group);
  }
  const writes: CollapsedWrite[] = [];
  for (const { last, indexes, deleted } of groups.values()) {
    const kind = last.kind === "delete" ? "delete" : deleted ? "replace" : "upsert";
    writes.push({ kind, last, indexes });
  }
  return writes;
}
