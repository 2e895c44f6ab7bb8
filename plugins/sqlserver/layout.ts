/**
 * From the mapping and the table's column types to the stage layout and the staged rows: which
 * stage column holds which table column with which type, and each event's cells converted to
 * those types (an event whose value does not fit fails alone, before anything is sent).
 *
 * @module
 */
import type { ItemFailure } from "../../src/sdk/index.ts";
import type { Cell } from "../shared/table-mapping/cells.ts";
import type { RowAction, TableMapping } from "../shared/table-mapping/compile.ts";
import { rowDestination } from "../shared/table-mapping/describe.ts";
import { convertCell, parseSqlType, type SqlType, stageTypeOf } from "./column-types.ts";
import type { CreateColumn, StageColumn, StageLayout } from "./statements.ts";

/** The type of a column when the table is created: declared in `types`, or the default. */
export function declaredColumnType(mapping: TableMapping, column: string, isKey: boolean): SqlType {
  const declared = mapping.declaredType(column);
  const parsed = declared === undefined ? undefined : parseSqlType(declared);
  if (parsed !== undefined) return parsed;
  // nvarchar(450) is 900 bytes, SQL Server's key limit: composite keys share it.
  if (isKey) return { base: "nvarchar", length: Math.floor(450 / mapping.keys.length) };
  return { base: "nvarchar", length: "max" };
}

/** The columns `createTable` creates: keys NOT NULL, values nullable, the tombstone bit NOT NULL DEFAULT 0. */
export function createColumns(mapping: TableMapping): CreateColumn[] {
  const columns: CreateColumn[] = [
    ...mapping.keys.map((c) => ({
      name: c.name,
      type: declaredColumnType(mapping, c.name, true),
      notNull: true,
    })),
    ...mapping.values.map((c) => ({
      name: c.name,
      type: declaredColumnType(mapping, c.name, false),
      notNull: false,
    })),
  ];
  if (mapping.tombstoneColumn !== undefined)
    columns.push({ name: mapping.tombstoneColumn, type: { base: "bit" }, notNull: true, defaultZero: true });
  return columns;
}

/**
 * The stage layout for `mapping` on `[schema, table]`, with the table's column types by
 * lower-case name (from the catalog); columns the catalog did not describe use the declared
 * or default types.
 */
export function stageLayout(
  mapping: TableMapping,
  table: readonly [string, string],
  types: ReadonlyMap<string, SqlType>,
  deletes: boolean,
): StageLayout {
  const column = (name: string, stageName: string, isKey: boolean): StageColumn => {
    const type = types.get(name.toLowerCase()) ?? declaredColumnType(mapping, name, isKey);
    const staged = stageTypeOf(type);
    return { name: stageName, target: name, type: staged.type, kind: staged.kind };
  };
  const keys = mapping.keys.map((c, i) => column(c.name, `k${i}`, true));
  const values = mapping.values.map((c, i) => column(c.name, `v${i}`, false));
  const guard = mapping.versionGuard;
  return {
    table,
    keys,
    values,
    ...(guard !== undefined ? { version: values[guard.valueIndex]! } : {}),
    ...(mapping.tombstoneColumn !== undefined ? { tombstone: mapping.tombstoneColumn } : {}),
    deletes,
  };
}

/** One event ready for the stage. */
export interface StagedRow {
  /** The event's index in the batch (the stage's `__seq`). */
  readonly seq: number;
  readonly delete: boolean;
  /** Converted values in stage column order (keys, then values). */
  readonly cells: ReadonlyArray<string | number | boolean | null>;
  /** The key as the lanes and the lock order see it (see {@link normalizedKey}). */
  readonly sortKey: string;
  /** `users(id=42)`, for messages. */
  readonly destination: string;
}

/**
 * Converts an action to a staged row, or to a non-retryable `InvalidValue` failure naming the
 * column and the event's position. A delete without a version guard stages only its key.
 */
export function stageRow(
  mapping: TableMapping,
  layout: StageLayout,
  action: RowAction,
  position: string,
): StagedRow | ItemFailure {
  const cells: Array<string | number | boolean | null> = [];
  const convert = (cell: Cell, column: StageColumn): ItemFailure | undefined => {
    const converted = convertCell(cell, column.kind, column.type);
    if (converted.ok) {
      cells.push(converted.value);
      return undefined;
    }
    return {
      index: action.index,
      retryable: false,
      code: "InvalidValue",
      message: `event at ${position}: column "${column.target}" of table "${mapping.table}": ${converted.reason}`,
    };
  };
  for (const [i, column] of layout.keys.entries()) {
    const failure = convert(action.key[i] ?? null, column);
    if (failure) return failure;
  }
  const keyOnly = action.kind === "delete" && action.values.length === 0;
  for (const [i, column] of layout.values.entries()) {
    const failure = convert(keyOnly ? null : (action.values[i] ?? null), column);
    if (failure) return failure;
  }
  return {
    seq: action.index,
    delete: action.kind === "delete",
    cells,
    sortKey: normalizedKey(action.key),
    destination: rowDestination(mapping, action.key),
  };
}

/**
 * A key as SQL Server is likely to compare it: `42` and `"42"` alike, case and trailing spaces
 * ignored (the default collations are case-insensitive and pad). Grouping more keys together
 * than the server would only costs parallelism; grouping fewer would let two lanes write one row.
 */
export function normalizedKey(key: readonly Cell[]): string {
  const parts = key.map((cell) => (typeof cell === "string" ? cell.toLowerCase().trimEnd() : String(cell)));
  return parts.length === 1 ? parts[0]! : JSON.stringify(parts);
}
