/**
 * The PostgreSQL statements of the target. Identifiers are always quoted and event values only
 * ever travel as COPY data or bound parameters, so neither a table/column name nor a value can
 * change a statement.
 *
 * The write path stages a batch in a session-temporary table whose columns are positional
 * (`c0…cN`, all `text`), then merges it with casts to the table's own column types: a value the
 * column type refuses then fails in the merge (where it can be isolated per event) instead of
 * in COPY (which would fail the whole batch).
 *
 * @module
 */
import type { TableMapping } from "../shared/table-mapping/compile.ts";
import { JSON_TYPE } from "../shared/table-mapping/config.ts";
import { quoteIdentifier, quoteQualified } from "../shared/table-mapping/identifiers.ts";

const q = (name: string) => quoteIdentifier(name, "postgres");

/** The name of the stage table (in `pg_temp`, so per session and invisible to others). */
export const STAGE_TABLE = "rehydrate_stage";

/** Where the mapped table is and the SQL type of each mapped column, as the catalog says. */
export interface TableLayout {
  /** Schema, when configured (otherwise the search_path resolves the name). */
  readonly schema?: string;
  readonly mapping: TableMapping;
  /** SQL type (`format_type` output) of the keys, then the values, in mapping order. */
  readonly types: readonly string[];
}

/** `"schema"."table"` or `"table"`. */
export function qualifiedTable(schema: string | undefined, table: string): string {
  return schema === undefined ? q(table) : quoteQualified([schema, table], "postgres");
}

/** The positional stage column of mapped column `i` (keys first, then values). */
const stageColumn = (i: number) => `c${i}`;

/** Creates the stage if this session has none; rows vanish at each commit. */
export function createStageSql(layout: TableLayout): string {
  const count = layout.mapping.keys.length + layout.mapping.values.length;
  const cells = Array.from({ length: count }, (_, i) => `${stageColumn(i)} text`);
  return (
    `CREATE TEMP TABLE IF NOT EXISTS ${STAGE_TABLE} ` +
    `(g integer NOT NULL, seq integer NOT NULL, del boolean NOT NULL, ${cells.join(", ")}) ON COMMIT DELETE ROWS`
  );
}

/** `COPY` into the stage, text format (see copy-text.ts for the row encoding). */
export function copyStageSql(layout: TableLayout): string {
  const count = layout.mapping.keys.length + layout.mapping.values.length;
  const cells = Array.from({ length: count }, (_, i) => stageColumn(i));
  return `COPY pg_temp.${STAGE_TABLE} (g, seq, del, ${cells.join(", ")}) FROM STDIN`;
}

/** The four integer parameters every merge statement takes: group range, then seq range. */
const FILTER = "s.g BETWEEN $1 AND $2 AND s.seq BETWEEN $3 AND $4";

function castStage(layout: TableLayout, i: number): string {
  return `s.${stageColumn(i)}::${layout.types[i]}`;
}

function keyIndexes(layout: TableLayout): number[] {
  return layout.mapping.keys.map((_, i) => i);
}

function valueIndexes(layout: TableLayout): number[] {
  const first = layout.mapping.keys.length;
  return layout.mapping.values.map((_, i) => first + i);
}

/**
 * The upsert of a stage range (parameters: $1–$2 group range, $3–$4 seq range).
 *
 * Without a version guard: per key the last event (highest seq) wins; keys whose winner is a
 * delete are left to {@link deleteSql}. Returns no rows.
 *
 * With a guard (`ifNewer`): per key the event with the highest version wins (the earliest of
 * equal versions, as applying them one by one would keep); a delete is a tombstone row. The
 * row is written only when its stored version is NULL or lower. Returns the group ids (`g`)
 * whose winner the guard refused.
 */
export function upsertSql(layout: TableLayout): string {
  const { mapping } = layout;
  const keys = keyIndexes(layout);
  const values = valueIndexes(layout);
  const all = [...keys, ...values];
  const names = [...mapping.keys, ...mapping.values].map((c) => q(c.name));
  const keyCasts = keys.map((i) => castStage(layout, i));
  const keyNames = keys.map((i) => names[i]!);
  const table = qualifiedTable(layout.schema, mapping.table);
  const guard = mapping.versionGuard;
  const tombstone = guard !== undefined ? mapping.tombstoneColumn : undefined;

  const selected = ["s.g", "s.del", ...all.map((i) => `${castStage(layout, i)} AS ${stageColumn(i)}`)].join(
    ", ",
  );
  const order =
    guard === undefined
      ? `${keyCasts.join(", ")}, s.seq DESC`
      : `${keyCasts.join(", ")}, ${castStage(layout, keys.length + guard.valueIndex)} DESC, s.seq ASC`;
  const winners = `SELECT DISTINCT ON (${keyCasts.join(", ")}) ${selected} FROM pg_temp.${STAGE_TABLE} s WHERE ${FILTER} ORDER BY ${order}`;

  const insertColumns = [...all.map((i) => names[i]!), ...(tombstone !== undefined ? [q(tombstone)] : [])];
  const insertValues = [
    ...all.map((i) => `w.${stageColumn(i)}`),
    ...(tombstone !== undefined ? ["w.del"] : []),
  ];
  const updates = [
    ...values.map((i) => `${names[i]} = EXCLUDED.${names[i]}`),
    ...(tombstone !== undefined ? [`${q(tombstone)} = EXCLUDED.${q(tombstone)}`] : []),
  ];
  const conflict = updates.length === 0 ? "DO NOTHING" : `DO UPDATE SET ${updates.join(", ")}`;
  const wKeys = keys.map((i) => `w.${stageColumn(i)}`).join(", ");

  if (guard === undefined) {
    return (
      `INSERT INTO ${table} AS t (${insertColumns.join(", ")}) ` +
      `SELECT ${insertValues.join(", ")} FROM (${winners}) w WHERE NOT w.del ORDER BY ${wKeys} ` +
      `ON CONFLICT (${keyNames.join(", ")}) ${conflict}`
    );
  }
  const version = names[keys.length + guard.valueIndex]!;
  const guardWhere =
    updates.length === 0 ? "" : ` WHERE t.${version} IS NULL OR t.${version} < EXCLUDED.${version}`;
  const wKeyTuple = `(${keys.map((i) => `w.${stageColumn(i)}`).join(", ")})`;
  // The refused winners are those the insert did not return. `NOT IN (subquery)` is planned as
  // a hashed subplan: linear. (A join against the table read it whole when the planner guessed
  // badly, and an anti-join against RETURNING could be quadratic: CTEs have no statistics.)
  return (
    `WITH w AS (${winners}), ` +
    `u AS (INSERT INTO ${table} AS t (${insertColumns.join(", ")}) ` +
    `SELECT ${insertValues.join(", ")} FROM w ORDER BY ${wKeys} ` +
    `ON CONFLICT (${keyNames.join(", ")}) ${conflict}${guardWhere} RETURNING ${keyNames.map((k) => `t.${k}`).join(", ")}) ` +
    `SELECT w.g FROM w WHERE ${wKeyTuple} NOT IN (SELECT * FROM u)`
  );
}

/**
 * Without a version guard: deletes the rows of every key with a delete in the stage range
 * (parameters as {@link upsertSql}). Run before the upsert, so "delete, then upsert" in one
 * batch re-creates the row with unmapped columns back at their defaults, as one by one would.
 */
export function deleteSql(layout: TableLayout): string {
  const keys = keyIndexes(layout);
  const table = qualifiedTable(layout.schema, layout.mapping.table);
  const names = layout.mapping.keys.map((c) => q(c.name));
  const selected = keys.map((i) => `${castStage(layout, i)} AS ${stageColumn(i)}`).join(", ");
  const matches = keys.map((i) => `t.${names[i]} = d.${stageColumn(i)}`).join(" AND ");
  return (
    `DELETE FROM ${table} AS t USING (SELECT DISTINCT ${selected} FROM pg_temp.${STAGE_TABLE} s ` +
    `WHERE s.del AND ${FILTER}) d WHERE ${matches}`
  );
}

/** The SQL type createTable gives a mapped column. */
export function createdType(mapping: TableMapping, name: string, isKey: boolean): string {
  const declared = mapping.declaredType(name);
  if (declared === JSON_TYPE) return "jsonb";
  if (declared !== undefined) return declared.toLowerCase();
  if (!isKey && name === mapping.jsonColumn) return "jsonb";
  return "text";
}

/**
 * `CREATE TABLE IF NOT EXISTS`: key columns NOT NULL as PRIMARY KEY, the other columns with
 * their declared type (text when none, jsonb for the JSON column), the tombstone column
 * `boolean NOT NULL DEFAULT false`.
 */
export function createTableSql(schema: string | undefined, mapping: TableMapping): string {
  const columns = [
    ...mapping.keys.map((c) => `${q(c.name)} ${createdType(mapping, c.name, true)} NOT NULL`),
    ...mapping.values.map((c) => `${q(c.name)} ${createdType(mapping, c.name, false)}`),
  ];
  if (mapping.tombstoneColumn !== undefined) {
    columns.push(`${q(mapping.tombstoneColumn)} boolean NOT NULL DEFAULT false`);
  }
  const primaryKey = mapping.keys.map((c) => q(c.name)).join(", ");
  return `CREATE TABLE IF NOT EXISTS ${qualifiedTable(schema, mapping.table)} (${columns.join(", ")}, PRIMARY KEY (${primaryKey}))`;
}
