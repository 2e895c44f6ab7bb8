/**
 * Dry-run descriptions of what a table mapping would do, the same for every SQL backend.
 *
 * @module
 */
import type { Envelope, PlannedAction } from "../../../src/sdk/index.ts";
import type { Cell } from "./cells.ts";
import { isRowAction, type RowAction, type TableMapping } from "./compile.ts";

/** `users(id=42)`, `orders(tenant=acme,id=7)`: where a row lives, for plans and messages. */
export function rowDestination(mapping: TableMapping, key: readonly Cell[]): string {
  const parts = mapping.keys.map((column, i) => `${column.name}=${formatCell(key[i] ?? null)}`);
  return `${mapping.table}(${parts.join(",")})`;
}

/** The row an upsert writes (column → cell), or the key of a delete. */
export function rowPreview(mapping: TableMapping, action: RowAction): Record<string, Cell> {
  const row: Record<string, Cell> = {};
  mapping.keys.forEach((column, i) => {
    row[column.name] = action.key[i] ?? null;
  });
  if (action.kind === "upsert") {
    mapping.values.forEach((column, i) => {
      row[column.name] = action.values[i] ?? null;
    });
  }
  return row;
}

/** Plans a batch: `upsert`/`delete` per event, `skip` (with the reason) for one without a key. */
export function planBatch(mapping: TableMapping, batch: readonly Envelope[]): PlannedAction[] {
  return batch.map((envelope, index) => {
    const result = mapping.actionFor(envelope, index);
    if (!isRowAction(result)) {
      return {
        index,
        action: "skip",
        destination: mapping.table,
        preview: `${result.code}: ${result.message}`,
      };
    }
    return {
      index,
      action: result.kind,
      destination: rowDestination(mapping, result.key),
      preview: rowPreview(mapping, result),
    };
  });
}

function formatCell(cell: Cell): string {
  return typeof cell === "string" && /^[\w.@:-]*$/.test(cell) ? cell : JSON.stringify(cell);
}
