/**
 * Read-only inspection of the destination table in the catalog: does it exist, are the mapped
 * columns there with types the mapping can write, are the key columns the PRIMARY KEY or a
 * UNIQUE index (which `ON CONFLICT` needs), does an unmapped NOT NULL column lack a default, and
 * may this role write. Catalog queries only: the table itself is never locked.
 *
 * @module
 */
import type postgres from "postgres";
import type { TableMapping } from "../shared/table-mapping/compile.ts";
import { JSON_TYPE } from "../shared/table-mapping/config.ts";

/** What {@link inspectTable} found. */
export interface TableInspection {
  /** Whether a relation with the name exists. */
  readonly exists: boolean;
  /** Facts that hold, one line each. */
  readonly details: string[];
  /** What is wrong, one line each; empty when the table can be written as mapped. */
  readonly problems: string[];
  /** Base SQL type (`format_type` without modifiers) of each mapped column: keys, then values. */
  readonly types: string[];
}

interface ColumnRow {
  name: string;
  type: string;
  base: string;
  notnull: boolean;
  hasdefault: boolean;
  identity: string;
  generated: string;
}

interface IndexRow {
  name: string;
  primary: boolean;
  columns: string[];
}

/** Type families the checks reason about (`format_type` spellings). */
const JSON_TYPES = new Set(["json", "jsonb"]);
const TEXT_TYPES = new Set(["text", "character varying", "character", "name", "citext"]);
const NO_EQUALITY = new Set(["json", "xml", "point", "box", "line", "lseg", "path", "polygon", "circle"]);
const FAMILIES: Record<string, readonly string[]> = {
  TEXT: [...TEXT_TYPES],
  INTEGER: ["smallint", "integer", "bigint", "numeric"],
  BIGINT: ["bigint", "numeric"],
  NUMERIC: ["numeric", "double precision", "real"],
  "DOUBLE PRECISION": ["double precision", "numeric", "real"],
  BOOLEAN: ["boolean"],
  TIMESTAMPTZ: ["timestamp with time zone", "timestamp without time zone"],
  DATE: ["date", "timestamp with time zone", "timestamp without time zone"],
  UUID: ["uuid"],
  [JSON_TYPE]: ["jsonb", "json", ...TEXT_TYPES],
};

/** Inspects `schema.table` (or `table` on the search_path) without writing or locking it. */
export async function inspectTable(
  sql: postgres.Sql,
  schema: string | undefined,
  mapping: TableMapping,
): Promise<TableInspection> {
  const shown = schema === undefined ? `"${mapping.table}"` : `"${schema}"."${mapping.table}"`;
  // The server quotes the parts, so the name is resolved exactly as the writer's quoted SQL is.
  const [found] = await sql.unsafe<Array<{ oid: number; kind: string }>>(
    `SELECT c.oid::int AS oid, c.relkind AS kind FROM pg_class c
     WHERE c.oid = to_regclass(CASE WHEN $1::text IS NULL THEN quote_ident($2) ELSE quote_ident($1) || '.' || quote_ident($2) END)`,
    [schema ?? null, mapping.table],
  );
  if (found === undefined) {
    return { exists: false, details: [], problems: [`table ${shown} does not exist`], types: [] };
  }
  if (found.kind !== "r" && found.kind !== "p") {
    const what = found.kind === "v" || found.kind === "m" ? "a view" : `not a table (relkind ${found.kind})`;
    return { exists: true, details: [], problems: [`${shown} is ${what}; upserts need a table`], types: [] };
  }
  const details = [`table ${shown} exists`];
  const problems: string[] = [];

  const columns = await sql.unsafe<ColumnRow[]>(
    `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, format_type(a.atttypid, NULL) AS base,
            a.attnotnull AS notnull, a.atthasdef AS hasdefault, a.attidentity::text AS identity, a.attgenerated::text AS generated
     FROM pg_attribute a WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
    [found.oid],
  );
  const byName = new Map(columns.map((c) => [c.name, c]));
  const mapped = [...mapping.keys, ...mapping.values];
  const types: string[] = [];
  for (const [i, column] of mapped.entries()) {
    const actual = byName.get(column.name);
    if (actual === undefined) {
      const near = columns.find((c) => c.name.toLowerCase() === column.name.toLowerCase());
      problems.push(
        `column "${column.name}" (mapped from ${column.path}) does not exist in table ${shown}` +
          (near !== undefined ? ` (names are case-sensitive: there is "${near.name}")` : "") +
          `; its columns are: ${columns.map((c) => c.name).join(", ")}`,
      );
      types.push("text");
      continue;
    }
    types.push(actual.base);
    problems.push(...typeProblems(mapping, column.name, actual, i < mapping.keys.length, shown));
  }
  const tombstone = mapping.tombstoneColumn;
  if (tombstone !== undefined) {
    const actual = byName.get(tombstone);
    if (actual === undefined) {
      problems.push(`tombstone column "${tombstone}" (tombstoneColumn) does not exist in table ${shown}`);
    } else if (actual.base !== "boolean") {
      problems.push(`tombstone column "${tombstone}" of table ${shown} is ${actual.type}, not boolean`);
    }
  }
  if (problems.length === 0)
    details.push(`mapped columns exist with compatible types: ${mapped.map((c) => c.name).join(", ")}`);

  const mappedNames = new Set([
    ...mapped.map((c) => c.name),
    ...(tombstone !== undefined ? [tombstone] : []),
  ]);
  for (const column of columns) {
    if (
      column.notnull &&
      !column.hasdefault &&
      column.identity === "" &&
      column.generated === "" &&
      !mappedNames.has(column.name)
    ) {
      problems.push(
        `column "${column.name}" of table ${shown} is NOT NULL without a default but is not mapped, so every insert would fail`,
      );
    }
  }

  const keyNames = mapping.keys.map((c) => c.name);
  const keyList = keyNames.join(", ");
  const indexes = await sql.unsafe<IndexRow[]>(
    `SELECT ic.relname AS name, i.indisprimary AS primary,
            array_to_json(ARRAY(SELECT a.attname::text FROM unnest(i.indkey) k JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k)) AS columns
     FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
     WHERE i.indrelid = $1 AND i.indisunique AND i.indisvalid AND i.indpred IS NULL AND i.indexprs IS NULL
     ORDER BY i.indisprimary DESC, ic.relname`,
    [found.oid],
  );
  const unique = indexes.find((index) => sameSet(index.columns, keyNames));
  if (unique?.primary) details.push(`key (${keyList}) is the PRIMARY KEY`);
  else if (unique !== undefined) details.push(`key (${keyList}) has UNIQUE index "${unique.name}"`);
  else {
    const primary = indexes.find((index) => index.primary);
    problems.push(
      `key columns (${keyList}) are neither the PRIMARY KEY (${primary?.columns.join(", ") ?? "none"}) nor a UNIQUE ` +
        `index of table ${shown}; ON CONFLICT needs one: CREATE UNIQUE INDEX ON ${shown} (${keyNames.map((k) => `"${k}"`).join(", ")})`,
    );
  }

  const [rights] = await sql.unsafe<
    Array<{ ins: boolean; upd: boolean; del: boolean; sel: boolean; tmp: boolean }>
  >(
    `SELECT has_table_privilege($1::oid, 'INSERT') AS ins, has_table_privilege($1::oid, 'UPDATE') AS upd,
            has_table_privilege($1::oid, 'DELETE') AS del, has_table_privilege($1::oid, 'SELECT') AS sel,
            has_database_privilege(current_database(), 'TEMPORARY') AS tmp`,
    [found.oid],
  );
  const needed: string[] = [];
  if (!rights?.ins) needed.push("INSERT");
  if (!rights?.upd) needed.push("UPDATE");
  if (!rights?.sel) needed.push("SELECT");
  if (!rights?.del && mapping.versionGuard === undefined && mapping.deletes) needed.push("DELETE");
  if (needed.length > 0) problems.push(`this role lacks ${needed.join(", ")} on table ${shown}`);
  else details.push(`this role may write table ${shown}`);
  if (!rights?.tmp)
    problems.push(
      "this role may not create temporary tables in this database (the write path stages batches in one)",
    );
  return { exists: true, details, problems, types };
}

function typeProblems(
  mapping: TableMapping,
  name: string,
  actual: ColumnRow,
  isKey: boolean,
  shown: string,
): string[] {
  const problems: string[] = [];
  const where = `column "${name}" of table ${shown}`;
  if (actual.generated !== "") problems.push(`${where} is a generated column; it cannot be written`);
  if (isKey && NO_EQUALITY.has(actual.base))
    problems.push(`${where} is ${actual.type}, which has no equality: it cannot be a key`);
  const declared = mapping.declaredType(name);
  if (name === mapping.jsonColumn && !JSON_TYPES.has(actual.base) && !TEXT_TYPES.has(actual.base)) {
    problems.push(
      `${where} holds the whole event (jsonColumn) but is ${actual.type}; use jsonb, json or text`,
    );
  } else if (declared !== undefined && !(FAMILIES[declared] ?? []).includes(actual.base)) {
    problems.push(`${where} is ${actual.type}, but types.${name} declares ${declared}`);
  } else if (declared === undefined && name !== mapping.jsonColumn && JSON_TYPES.has(actual.base)) {
    problems.push(
      `${where} is ${actual.type}: declare it in types as ${JSON_TYPE} so every value is stored as JSON`,
    );
  }
  if (
    mapping.versionGuard?.column.name === name &&
    (JSON_TYPES.has(actual.base) || actual.base === "boolean")
  ) {
    problems.push(
      `${where} is the version column (ifNewer) but is ${actual.type}; use a number, a timestamp or text`,
    );
  }
  return problems;
}

function sameSet(names: readonly string[], wanted: readonly string[]): boolean {
  if (names.length !== wanted.length) return false;
  const set = new Set(names);
  return wanted.every((n) => set.has(n));
}
