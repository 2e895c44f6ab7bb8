/**
 * What the catalog says about the destination table, judged against the mapping: the table
 * exists, the caller may write it, the key columns are the PRIMARY KEY or a unique unfiltered
 * index and fit SQL Server's 900-byte key limit, mapped columns exist with writable types (not
 * identity, not computed), and no unmapped NOT NULL column lacks a default. Pure: it reads the
 * rows of {@link CATALOG_SQL}, so tests feed it rows.
 *
 * @module
 */
import { catalogType, formatSqlType, keyBytes, type SqlType } from "./column-types.ts";
import { MAX_KEY_BYTES } from "./statements.ts";

/** Row 1 of the catalog query. */
export interface CatalogObjectRow {
  object_id: number | null;
  any_object_id: number | null;
  can_insert: number | null;
  can_update: number | null;
  can_delete: number | null;
  can_select: number | null;
}

/** A row of the catalog's column query. */
export interface CatalogColumnRow {
  name: string;
  type: string;
  max_length: number;
  precision: number;
  scale: number;
  is_nullable: boolean;
  is_identity: boolean;
  is_computed: boolean;
  collation_name: string | null;
  has_default: boolean;
}

/** A row of the catalog's unique-index query. */
export interface CatalogIndexRow {
  index_name: string;
  is_primary_key: boolean;
  column_name: string;
}

/** The catalog query's three result sets. */
export interface CatalogRows {
  object: CatalogObjectRow | undefined;
  columns: readonly CatalogColumnRow[];
  indexes: readonly CatalogIndexRow[];
}

/** What the mapping needs of the table. */
export interface MappedTable {
  /** `schema.table`, for messages. */
  readonly display: string;
  /** Key column names. */
  readonly keys: readonly string[];
  /** Value column names (with the JSON paths they come from, for messages). */
  readonly values: ReadonlyArray<{ name: string; path: string }>;
  /** The tombstone column, under a version guard with deletes. */
  readonly tombstone?: string;
  /** Whether events may delete rows (needs DELETE permission without a guard). */
  readonly deletes: boolean;
  readonly guarded: boolean;
}

/** What {@link inspectCatalog} found. */
export interface TableInspection {
  exists: boolean;
  details: string[];
  problems: string[];
  /** The table's column types by lower-case name, for the stage (only writable types). */
  types: Map<string, SqlType>;
}

/** Judges the table described by `rows` against `table`. */
export function inspectCatalog(table: MappedTable, rows: CatalogRows): TableInspection {
  const types = new Map<string, SqlType>();
  const name = table.display;
  if (rows.object?.object_id === null || rows.object?.object_id === undefined) {
    const problem =
      rows.object?.any_object_id != null
        ? `"${name}" exists but is not a table (a view or synonym); this target writes tables`
        : `table "${name}" does not exist, or this login cannot see it`;
    return { exists: false, details: [], problems: [problem], types };
  }
  const details = [`table "${name}" exists`];
  const problems: string[] = [];

  const needed: Array<[keyof CatalogObjectRow, string]> = [
    ["can_select", "SELECT"],
    ["can_insert", "INSERT"],
    ["can_update", "UPDATE"],
  ];
  if (table.deletes && !table.guarded) needed.push(["can_delete", "DELETE"]);
  const missing = needed.filter(([field]) => rows.object?.[field] !== 1).map(([, p]) => p);
  if (missing.length > 0) problems.push(`this login lacks ${missing.join(", ")} permission on "${name}"`);
  else details.push(`permissions: ${needed.map(([, p]) => p).join(", ")}`);

  const byName = new Map(rows.columns.map((c) => [c.name.toLowerCase(), c]));
  const mapped = [
    ...table.keys.map((k) => ({ name: k, path: "key" })),
    ...table.values,
    ...(table.tombstone !== undefined ? [{ name: table.tombstone, path: "tombstoneColumn" }] : []),
  ];
  const present: string[] = [];
  for (const column of mapped) {
    const row = byName.get(column.name.toLowerCase());
    if (row === undefined) {
      problems.push(
        `column "${column.name}" (mapped from ${column.path}) does not exist in table "${name}"; its columns are: ` +
          rows.columns.map((c) => c.name).join(", "),
      );
      continue;
    }
    const type = catalogType(row);
    if (type === undefined) {
      problems.push(`column "${row.name}" has type ${row.type}, which this target cannot write`);
      continue;
    }
    if (row.is_identity)
      problems.push(`column "${row.name}" is an IDENTITY column; it cannot be written (map another column)`);
    if (row.is_computed) problems.push(`column "${row.name}" is computed; it cannot be written`);
    if (column.path === "tombstoneColumn" && type.base !== "bit")
      problems.push(`tombstone column "${row.name}" must be bit, not ${formatSqlType(type)}`);
    types.set(row.name.toLowerCase(), type);
    present.push(`${row.name} ${formatSqlType(type)}`);
  }
  if (present.length === mapped.length) details.push(`columns: ${present.join(", ")}`);

  const mappedNames = new Set(mapped.map((c) => c.name.toLowerCase()));
  for (const row of rows.columns) {
    const automatic = row.is_identity || row.is_computed || row.has_default || row.type === "timestamp";
    if (!row.is_nullable && !automatic && !mappedNames.has(row.name.toLowerCase())) {
      problems.push(
        `column "${row.name}" of table "${name}" is NOT NULL without a default but is not mapped, so every insert would fail`,
      );
    }
  }

  const keyNames = table.keys.map((k) => k.toLowerCase());
  const keyList = table.keys.join(", ");
  const indexes = new Map<string, { primary: boolean; columns: string[] }>();
  for (const row of rows.indexes) {
    const index = indexes.get(row.index_name) ?? { primary: row.is_primary_key, columns: [] };
    index.columns.push(row.column_name.toLowerCase());
    indexes.set(row.index_name, index);
  }
  const match = [...indexes.entries()]
    .filter(([, index]) => sameSet(index.columns, keyNames))
    .sort(([, a], [, b]) => Number(b.primary) - Number(a.primary))[0];
  if (match === undefined) {
    problems.push(
      `key columns (${keyList}) are neither the PRIMARY KEY nor a unique unfiltered index of "${name}"; MERGE needs ` +
        `one key per row: CREATE UNIQUE INDEX … ON ${name} (${keyList})`,
    );
  } else {
    details.push(
      `key (${keyList}) is ${match[1].primary ? "the PRIMARY KEY" : `unique index "${match[0]}"`}`,
    );
  }
  const keyTypes = table.keys.map((k) => types.get(k.toLowerCase()));
  if (keyTypes.every((t) => t !== undefined)) {
    const bytes = keyTypes.reduce((sum, t) => sum + keyBytes(t!), 0);
    if (bytes > MAX_KEY_BYTES) {
      problems.push(
        `key columns (${keyList}) take up to ${Number.isFinite(bytes) ? bytes : "unlimited"} bytes; SQL Server index keys ` +
          `hold at most ${MAX_KEY_BYTES} bytes (use shorter types, e.g. nvarchar(450))`,
      );
    }
  }
  return { exists: true, details, problems, types };
}

function sameSet(names: readonly string[], lowerCaseNames: readonly string[]): boolean {
  if (names.length !== lowerCaseNames.length) return false;
  const set = new Set(names);
  return lowerCaseNames.every((n) => set.has(n));
}
