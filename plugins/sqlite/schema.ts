/**
 * Read-only inspection of the destination table: does it exist, does it have the mapped
 * columns, and do the key columns form a PRIMARY KEY or UNIQUE index (which
 * `INSERT ... ON CONFLICT` needs). Uses the pragma table-valued functions so even the table
 * name is a bound parameter.
 *
 * @module
 */
import type { Database } from "bun:sqlite";
import type { TableMapping } from "../shared/table-mapping/compile.ts";

/** What {@link inspectTable} found. */
export interface TableInspection {
  /** Whether a table (or view) with the name exists. */
  exists: boolean;
  /** Facts that hold, one line each. */
  details: string[];
  /** What is wrong, one line each; empty when the table can be written as mapped. */
  problems: string[];
}

interface ColumnInfo {
  name: string;
  type: string;
  notnull: number;
  dflt_value: string | null;
  pk: number;
}

/** Inspects `mapping.table` in `db` without writing. */
export function inspectTable(db: Database, mapping: TableMapping): TableInspection {
  const table = mapping.table;
  const found = db
    .query<{ type: string; name: string }, [string]>(
      "SELECT type, name FROM sqlite_master WHERE type IN ('table', 'view') AND name = ? COLLATE NOCASE",
    )
    .get(table);
  if (found === null) return { exists: false, details: [], problems: [`table "${table}" does not exist`] };
  if (found.type === "view") {
    return {
      exists: true,
      details: [],
      problems: [`"${table}" is a view, not a table; upserts need a table`],
    };
  }

  const details = [`table "${table}" exists`];
  const problems: string[] = [];
  const columns = db.query<ColumnInfo, [string]>("SELECT * FROM pragma_table_info(?)").all(table);
  const byName = new Map(columns.map((c) => [c.name.toLowerCase(), c]));
  const mapped = [...mapping.keys, ...mapping.values];
  const missing = mapped.filter((c) => !byName.has(c.name.toLowerCase()));
  for (const column of missing) {
    problems.push(
      `column "${column.name}" (mapped from ${column.path}) does not exist in table "${table}"; ` +
        `its columns are: ${columns.map((c) => c.name).join(", ")}`,
    );
  }
  if (missing.length === 0) details.push(`columns exist: ${mapped.map((c) => c.name).join(", ")}`);

  const mappedNames = new Set(mapped.map((c) => c.name.toLowerCase()));
  const rowidAlias =
    columns.filter((c) => c.pk > 0).length === 1 &&
    columns.some((c) => c.pk > 0 && c.type.toUpperCase() === "INTEGER");
  for (const column of columns) {
    const autoRowid = rowidAlias && column.pk > 0;
    if (
      column.notnull &&
      column.dflt_value === null &&
      !autoRowid &&
      !mappedNames.has(column.name.toLowerCase())
    ) {
      problems.push(
        `column "${column.name}" of table "${table}" is NOT NULL without a default but is not mapped, so every insert would fail`,
      );
    }
  }

  const keyNames = mapping.keys.map((c) => c.name.toLowerCase());
  const keyList = mapping.keys.map((c) => c.name).join(", ");
  const primaryKey = columns
    .filter((c) => c.pk > 0)
    .sort((a, b) => a.pk - b.pk)
    .map((c) => c.name);
  if (sameSet(primaryKey, keyNames)) {
    details.push(`key (${keyList}) is the PRIMARY KEY`);
  } else {
    const index = uniqueIndexOn(db, table, keyNames);
    if (index !== undefined) details.push(`key (${keyList}) has UNIQUE index "${index}"`);
    else {
      problems.push(
        `key columns (${keyList}) are neither the PRIMARY KEY (${primaryKey.join(", ") || "none"}) nor a UNIQUE ` +
          `index of table "${table}"; upserts (INSERT ... ON CONFLICT) need one: ` +
          `CREATE UNIQUE INDEX ... ON "${table}" (${keyList})`,
      );
    }
  }
  return { exists: true, details, problems };
}

/** The name of a full (not partial) UNIQUE index on exactly `columns`, if there is one. */
function uniqueIndexOn(db: Database, table: string, columns: readonly string[]): string | undefined {
  const indexes = db
    .query<{ name: string; unique: number; partial: number }, [string]>("SELECT * FROM pragma_index_list(?)")
    .all(table);
  const info = db.query<{ name: string | null }, [string]>("SELECT name FROM pragma_index_info(?)");
  for (const index of indexes) {
    if (!index.unique || index.partial) continue;
    const names = info.all(index.name).map((c) => c.name ?? "");
    if (sameSet(names, columns)) return index.name;
  }
  return undefined;
}

function sameSet(names: readonly string[], lowerCaseNames: readonly string[]): boolean {
  if (names.length !== lowerCaseNames.length) return false;
  const set = new Set(names.map((n) => n.toLowerCase()));
  return lowerCaseNames.every((n) => set.has(n));
}
