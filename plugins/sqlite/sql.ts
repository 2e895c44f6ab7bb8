/**
 * The SQLite statements of the target. Identifiers are always quoted and values always bound
 * as parameters, so neither a table/column name nor an event value can change a statement.
 *
 * @module
 */
import type { TableMapping } from "../shared/table-mapping/compile.ts";
import { JSON_TYPE } from "../shared/table-mapping/config.ts";

/** Declared types accepted in `types`. `JSON` is created as `TEXT` holding JSON text. */
export const SQLITE_TYPES = ["TEXT", "INTEGER", "REAL", "BLOB", JSON_TYPE] as const;

/** Quotes an identifier for SQLite: wrapped in `"`, inner `"` doubled. */
export function quoteIdentifier(name: string): string {
  // A NUL would end the identifier early inside SQLite's C string handling.
  if (name.includes("\0")) throw new Error(`identifier ${JSON.stringify(name)} contains a NUL character`);
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * `INSERT ... ON CONFLICT (key) DO UPDATE SET ...`: the last event for a key wins. Parameters:
 * key cells, then value cells, in mapping order. With no value columns there is nothing to
 * update, so a conflict is `DO NOTHING`.
 */
export function upsertSql(mapping: TableMapping): string {
  const keys = mapping.keys.map((c) => quoteIdentifier(c.name));
  const values = mapping.values.map((c) => quoteIdentifier(c.name));
  const all = [...keys, ...values];
  const update =
    values.length === 0
      ? "DO NOTHING"
      : `DO UPDATE SET ${values.map((v) => `${v} = excluded.${v}`).join(", ")}`;
  return (
    `INSERT INTO ${quoteIdentifier(mapping.table)} (${all.join(", ")}) ` +
    `VALUES (${all.map(() => "?").join(", ")}) ON CONFLICT (${keys.join(", ")}) ${update}`
  );
}

/** `DELETE FROM "t" WHERE "k1" = ? AND ...`; parameters: key cells in mapping order. */
export function deleteSql(mapping: TableMapping): string {
  const where = mapping.keys.map((c) => `${quoteIdentifier(c.name)} = ?`).join(" AND ");
  return `DELETE FROM ${quoteIdentifier(mapping.table)} WHERE ${where}`;
}

/**
 * `CREATE TABLE IF NOT EXISTS` with the key columns (TEXT unless `types` says otherwise, NOT
 * NULL) as PRIMARY KEY, value columns with their declared type or none (the whole-event JSON
 * column TEXT), `JSON` as TEXT.
 */
export function createTableSql(mapping: TableMapping): string {
  const declare = (name: string, fallback: string) => {
    const type = mapping.declaredType(name) ?? fallback;
    const sqlType = type === JSON_TYPE ? "TEXT" : type;
    return sqlType === "" ? quoteIdentifier(name) : `${quoteIdentifier(name)} ${sqlType}`;
  };
  const columns = [
    ...mapping.keys.map((c) => `${declare(c.name, "TEXT")} NOT NULL`),
    ...mapping.values.map((c) => declare(c.name, c.name === mapping.jsonColumn ? "TEXT" : "")),
  ];
  const primaryKey = mapping.keys.map((c) => quoteIdentifier(c.name)).join(", ");
  return `CREATE TABLE IF NOT EXISTS ${quoteIdentifier(mapping.table)} (${columns.join(", ")}, PRIMARY KEY (${primaryKey}))`;
}
