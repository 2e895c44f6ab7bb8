/**
 * Identifier quoting for each SQL dialect the table mapping serves. Names are always quoted, so
 * a table or column name with quotes, spaces or semicolons is a name, never SQL.
 *
 * @module
 */

/** The SQL dialects of the built-in SQL targets. */
export type SqlDialect = "sqlite" | "postgres" | "sqlserver";

/**
 * Quotes one identifier: `"name"` with inner `"` doubled (SQLite, PostgreSQL), or `[name]` with
 * inner `]` doubled (SQL Server). Throws for a NUL character, which C-string handling in the
 * servers would cut the name at (the mapping's config check refuses it earlier).
 */
export function quoteIdentifier(name: string, dialect: SqlDialect): string {
  if (name.includes("\0")) throw new Error(`identifier ${JSON.stringify(name)} contains a NUL character`);
  if (dialect === "sqlserver") return `[${name.replaceAll("]", "]]")}]`;
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * Quotes a possibly schema-qualified table name given as parts (`["sales", "orders"]` →
 * `"sales"."orders"`). The mapping keeps a table name as one string; a backend that supports
 * schemas splits it (see the PostgreSQL target's `schema` field) rather than parsing dots.
 */
export function quoteQualified(parts: readonly string[], dialect: SqlDialect): string {
  return parts.map((part) => quoteIdentifier(part, dialect)).join(".");
}
