/**
 * The T-SQL this target sends, as pure functions of the stage layout (which columns, which
 * types), so tests pin every statement exactly. Identifiers are always bracket-quoted with `]`
 * doubled; event values only ever travel as parameters or bulk-load rows. The only literals
 * spliced in are numbers this target generates itself (a row's position in the batch, its
 * delete flag) and collation names checked against `[A-Za-z0-9_]+`.
 *
 * @module
 */
import { quoteIdentifier, quoteQualified } from "../shared/table-mapping/identifiers.ts";
import { formatSqlType, type SqlType, type StageKind } from "./column-types.ts";

/** SQL Server's limit of parameters in one request. */
export const MAX_PARAMETERS = 2100;
/** Parameters of a request left for event values (`sp_executesql` takes `@stmt` and `@params`). */
export const MAX_VALUE_PARAMETERS = MAX_PARAMETERS - 2;
/** SQL Server's limit of rows in one `VALUES` list. */
export const MAX_VALUES_ROWS = 1000;
/** SQL Server's limit of bytes in a clustered index key. */
export const MAX_KEY_BYTES = 900;

/** The session temp table a batch is staged in. */
export const STAGE_TABLE = "#rehydrate_stage";
/** The stage's column holding each row's index in the batch (its read order). */
export const SEQ_COLUMN = "__seq";
/** The stage's column marking deletes (1) and upserts (0). */
export const DELETE_COLUMN = "__delete";

/** One mapped column as staged. */
export interface StageColumn {
  /** The column's name in the stage: `k0`, `k1`… for keys, `v0`, `v1`… for values. Plain, so
   * tedious's `insert bulk` (which brackets names without escaping `]`) is safe. */
  readonly name: string;
  /** The table's column it is written to. */
  readonly target: string;
  /** The stage column's type (see {@link stageTypeOf}). */
  readonly type: SqlType;
  readonly kind: StageKind;
}

/** How a batch is staged and merged into one table. */
export interface StageLayout {
  /** `[schema, table]`. */
  readonly table: readonly [string, string];
  readonly keys: readonly StageColumn[];
  /** Value columns, in the mapping's `values` order. */
  readonly values: readonly StageColumn[];
  /** The version guard's column (one of `values`), if any. */
  readonly version?: StageColumn;
  /** Under a version guard with deletes: the table's tombstone column. */
  readonly tombstone?: string;
  /** Whether events may delete rows (`deleteWhen` is set). */
  readonly deletes: boolean;
}

const q = (name: string) => quoteIdentifier(name, "sqlserver");

/** `[schema].[table]`. */
export function qualifiedTable(layout: Pick<StageLayout, "table">): string {
  return quoteQualified(layout.table, "sqlserver");
}

/** A column's declaration in the stage: type, collation for character types, nullability. */
function stageColumnSql(column: StageColumn, notNull: boolean): string {
  const collation = column.type.base.endsWith("char")
    ? ` COLLATE ${safeCollation(column.type.collation)}`
    : "";
  return `${q(column.name)} ${formatSqlType(column.type)}${collation} ${notNull ? "NOT NULL" : "NULL"}`;
}

/**
 * A catalog collation name, or `DATABASE_DEFAULT`: a temp table lives in tempdb, whose default
 * collation may differ from the target table's, and comparing the two would fail (error 468).
 */
function safeCollation(collation: string | undefined): string {
  return collation !== undefined && /^[A-Za-z0-9_]+$/.test(collation) ? collation : "DATABASE_DEFAULT";
}

/** The stage's columns in order: keys, values, seq, delete flag. */
export function stageColumns(layout: StageLayout): readonly StageColumn[] {
  return [...layout.keys, ...layout.values];
}

/** Drops a leftover stage of this session and creates an empty one. */
export function createStageSql(layout: StageLayout): string {
  const columns = [
    ...layout.keys.map((c) => stageColumnSql(c, true)),
    ...layout.values.map((c) => stageColumnSql(c, false)),
    `${q(SEQ_COLUMN)} int NOT NULL`,
    `${q(DELETE_COLUMN)} bit NOT NULL`,
  ];
  return (
    `IF OBJECT_ID(N'tempdb..${STAGE_TABLE}') IS NOT NULL DROP TABLE ${STAGE_TABLE};\n` +
    `CREATE TABLE ${STAGE_TABLE} (${columns.join(", ")});`
  );
}

/**
 * How many rows each `INSERT … VALUES` statement of a one-request write carries, or undefined
 * when the rows need more than {@link MAX_VALUE_PARAMETERS} parameters (then the batch is bulk
 * loaded). Each list holds at most {@link MAX_VALUES_ROWS} rows.
 */
export function valuesChunks(rowCount: number, parametersPerRow: number): number[] | undefined {
  if (rowCount * parametersPerRow > MAX_VALUE_PARAMETERS) return undefined;
  const chunks: number[] = [];
  for (let left = rowCount; left > 0; left -= MAX_VALUES_ROWS) chunks.push(Math.min(left, MAX_VALUES_ROWS));
  return chunks;
}

/** One staged row for the `VALUES` path: its batch index and whether it deletes. */
export interface StagedRowShape {
  readonly seq: number;
  readonly delete: boolean;
}

/**
 * `INSERT INTO #stage (…) VALUES (@p0, @p1, 3, 0), …` statements for `rows`, parameters
 * numbered from `@p0` row by row in {@link stageColumns} order. The seq and delete flag are
 * integers this target generates, written as literals to spare parameters.
 */
export function insertValuesSql(layout: StageLayout, rows: readonly StagedRowShape[]): string {
  const columns = stageColumns(layout);
  const names = [...columns.map((c) => q(c.name)), q(SEQ_COLUMN), q(DELETE_COLUMN)].join(", ");
  const chunks = valuesChunks(rows.length, columns.length);
  if (chunks === undefined)
    throw new Error(`${rows.length} rows need more than ${MAX_VALUE_PARAMETERS} parameters`);
  const statements: string[] = [];
  let row = 0;
  for (const size of chunks) {
    const tuples: string[] = [];
    for (let i = 0; i < size; i++, row++) {
      const shape = rows[row]!;
      const params = columns.map((_, c) => `@p${row * columns.length + c}`);
      tuples.push(`(${[...params, String(Math.trunc(shape.seq)), shape.delete ? "1" : "0"].join(", ")})`);
    }
    statements.push(`INSERT INTO ${STAGE_TABLE} (${names}) VALUES ${tuples.join(", ")};`);
  }
  return statements.join("\n");
}

/**
 * The merge of the stage into the table, with its report:
 * 1. without a version guard, rows of keys that a batch event deletes are deleted first, so
 *    the key's last event then inserts a fresh row (columns the mapping does not set return to
 *    their defaults, as applying the events one by one would leave them);
 * 2. one `MERGE … WITH (HOLDLOCK)` from the stage reduced to one row per key with
 *    `ROW_NUMBER() OVER (PARTITION BY <key> ORDER BY …)`: the last event (no guard), or the
 *    highest version, earliest first among equals (guard: what one-by-one application keeps);
 *    `HOLDLOCK` keeps concurrent MERGEs from racing into duplicate keys;
 * 3. `OUTPUT $action` into `@applied`, then one result set of counts per action and, under a
 *    guard, one of the batch indexes of events whose key the guard refused (reported skipped).
 * The server compares keys (collations, `42` vs `'42'`) as it stores them, so the reduction
 * runs there, not in JavaScript.
 */
export function mergeSql(layout: StageLayout): string {
  const table = qualifiedTable(layout);
  const stage = STAGE_TABLE;
  const on = layout.keys.map((k) => `t.${q(k.target)} = s.${q(k.name)}`).join(" AND ");
  const partition = layout.keys.map((k) => q(k.name)).join(", ");
  const order =
    layout.version !== undefined
      ? `${q(layout.version.name)} DESC, ${q(SEQ_COLUMN)} ASC`
      : `${q(SEQ_COLUMN)} DESC`;
  const staged = [...stageColumns(layout).map((c) => q(c.name)), q(SEQ_COLUMN), q(DELETE_COLUMN)].join(", ");
  const lines: string[] = ["DECLARE @applied TABLE ([action] nvarchar(10) NOT NULL, [seq] int NOT NULL);"];
  const guarded = layout.version !== undefined;
  if (layout.deletes && !guarded) {
    lines.push(
      `DELETE t OUTPUT N'DELETE', s.${q(SEQ_COLUMN)} INTO @applied ([action], [seq]) FROM ${table} AS t ` +
        `INNER JOIN ${stage} AS s ON ${on} WHERE s.${q(DELETE_COLUMN)} = 1;`,
    );
  }
  const merge: string[] = [
    `MERGE ${table} WITH (HOLDLOCK) AS t`,
    `USING (SELECT ${staged} FROM (SELECT ${staged}, ROW_NUMBER() OVER (PARTITION BY ${partition} ORDER BY ${order}) AS [__rank] FROM ${stage}) AS ranked WHERE [__rank] = 1) AS s`,
    `ON ${on}`,
  ];
  const sets = layout.values.map((v) => `t.${q(v.target)} = s.${q(v.name)}`);
  const insertColumns = [...layout.keys, ...layout.values].map((c) => q(c.target));
  const insertValues = [...layout.keys, ...layout.values].map((c) => `s.${q(c.name)}`);
  if (layout.tombstone !== undefined) {
    sets.push(`t.${q(layout.tombstone)} = s.${q(DELETE_COLUMN)}`);
    insertColumns.push(q(layout.tombstone));
    insertValues.push(`s.${q(DELETE_COLUMN)}`);
  }
  if (guarded) {
    const column = q(layout.version!.target);
    const newer = `(t.${column} IS NULL OR t.${column} < s.${q(layout.version!.name)})`;
    if (sets.length > 0) merge.push(`WHEN MATCHED AND ${newer} THEN UPDATE SET ${sets.join(", ")}`);
    merge.push(
      `WHEN NOT MATCHED BY TARGET THEN INSERT (${insertColumns.join(", ")}) VALUES (${insertValues.join(", ")})`,
    );
  } else {
    const upsert = layout.deletes ? ` AND s.${q(DELETE_COLUMN)} = 0` : "";
    if (sets.length > 0) merge.push(`WHEN MATCHED${upsert} THEN UPDATE SET ${sets.join(", ")}`);
    merge.push(
      `WHEN NOT MATCHED BY TARGET${upsert} THEN INSERT (${insertColumns.join(", ")}) VALUES (${insertValues.join(", ")})`,
    );
  }
  merge.push(`OUTPUT $action, s.${q(SEQ_COLUMN)} INTO @applied ([action], [seq]);`);
  lines.push(merge.join("\n"));
  lines.push("SELECT [action], COUNT(*) AS [rows] FROM @applied GROUP BY [action] ORDER BY [action];");
  if (guarded) {
    const same = layout.keys.map((k) => `w.${q(k.name)} = s.${q(k.name)}`).join(" AND ");
    lines.push(
      `SELECT s.${q(SEQ_COLUMN)} AS [seq] FROM ${stage} AS s WHERE NOT EXISTS (SELECT 1 FROM @applied AS a ` +
        `INNER JOIN ${stage} AS w ON w.${q(SEQ_COLUMN)} = a.[seq] WHERE ${same}) ORDER BY s.${q(SEQ_COLUMN)};`,
    );
  }
  lines.push(`DROP TABLE ${stage};`);
  return lines.join("\n");
}

/**
 * A whole small write as one request (one round trip): stage, insert the rows as parameters,
 * merge, commit. `XACT_ABORT` makes any error roll the whole transaction back.
 */
export function valuesWriteSql(layout: StageLayout, rows: readonly StagedRowShape[]): string {
  return [
    "SET XACT_ABORT ON;",
    "BEGIN TRANSACTION;",
    createStageSql(layout),
    insertValuesSql(layout, rows),
    mergeSql(layout),
    "COMMIT TRANSACTION;",
  ].join("\n");
}

/** The parameter declarations' types of one staged row, in {@link stageColumns} order. */
export function parameterTypes(layout: StageLayout): string[] {
  return stageColumns(layout).map((c) => formatSqlType(c.type));
}

/** A column of a table created by `createTable`. */
export interface CreateColumn {
  readonly name: string;
  readonly type: SqlType;
  readonly notNull: boolean;
  /** A literal default (only `0`, for the tombstone column). */
  readonly defaultZero?: boolean;
}

/**
 * Creates the table when it does not exist, the key columns as its PRIMARY KEY. `@table` is
 * bound to the quoted two-part name, so even `OBJECT_ID`'s argument is a parameter.
 */
export function createTableSql(
  table: readonly [string, string],
  columns: readonly CreateColumn[],
  keys: readonly string[],
): string {
  const definitions = columns.map(
    (c) =>
      `${q(c.name)} ${formatSqlType(c.type)} ${c.notNull ? "NOT NULL" : "NULL"}${c.defaultZero ? " DEFAULT 0" : ""}`,
  );
  definitions.push(`PRIMARY KEY (${keys.map(q).join(", ")})`);
  return `IF OBJECT_ID(@table, N'U') IS NULL CREATE TABLE ${quoteQualified(table, "sqlserver")} (${definitions.join(", ")});`;
}

/**
 * The read-only catalog query `check` runs, bound to `@table` (the quoted two-part name):
 * 1. the table's object id and the caller's INSERT/UPDATE/DELETE/SELECT permissions on it;
 * 2. its columns (system type, sizes, nullability, identity, computed, collation, default);
 * 3. the key columns of its unique, unfiltered indexes (primary key included), in key order.
 */
export const CATALOG_SQL = [
  "SELECT OBJECT_ID(@table, N'U') AS [object_id], OBJECT_ID(@table) AS [any_object_id], " +
    "HAS_PERMS_BY_NAME(@table, N'OBJECT', N'INSERT') AS [can_insert], " +
    "HAS_PERMS_BY_NAME(@table, N'OBJECT', N'UPDATE') AS [can_update], " +
    "HAS_PERMS_BY_NAME(@table, N'OBJECT', N'DELETE') AS [can_delete], " +
    "HAS_PERMS_BY_NAME(@table, N'OBJECT', N'SELECT') AS [can_select];",
  "SELECT c.[name], TYPE_NAME(c.[system_type_id]) AS [type], c.[max_length], c.[precision], c.[scale], " +
    "c.[is_nullable], c.[is_identity], c.[is_computed], c.[collation_name], " +
    "CAST(CASE WHEN c.[default_object_id] <> 0 THEN 1 ELSE 0 END AS bit) AS [has_default] " +
    "FROM sys.columns AS c WHERE c.[object_id] = OBJECT_ID(@table, N'U') ORDER BY c.[column_id];",
  "SELECT i.[name] AS [index_name], i.[is_primary_key], c.[name] AS [column_name] FROM sys.indexes AS i " +
    "INNER JOIN sys.index_columns AS ic ON ic.[object_id] = i.[object_id] AND ic.[index_id] = i.[index_id] " +
    "INNER JOIN sys.columns AS c ON c.[object_id] = ic.[object_id] AND c.[column_id] = ic.[column_id] " +
    "WHERE i.[object_id] = OBJECT_ID(@table, N'U') AND i.[is_unique] = 1 AND i.[has_filter] = 0 " +
    "AND ic.[is_included_column] = 0 ORDER BY i.[index_id], ic.[key_ordinal];",
].join("\n");
