/**
 * SQL Server column types as this target handles them: parsing a declared type (`NVARCHAR(100)`,
 * `DECIMAL(18,2)`), the type a column gets in the `#stage` table, how many bytes it takes in an
 * index key, and how an event's cell becomes a value of that type.
 *
 * Staging rule: numeric, bit and character types are staged as themselves (same length and
 * collation), so comparing a staged key with the table's key needs no conversion that would
 * stop an index seek; every other writable type (dates, times, `uniqueidentifier`, `money`,
 * `xml`, `json`) is staged as `nvarchar(max)` and converted by SQL Server in the MERGE, because
 * ISO text is what events carry and the server parses it exactly.
 *
 * @module
 */
import type { Cell } from "../shared/table-mapping/cells.ts";

/** A parsed SQL Server type. `length` counts characters for char types, bytes for binary ones. */
export interface SqlType {
  /** Lower-case base name: `nvarchar`, `int`, `decimal`, `datetime2`... */
  readonly base: string;
  readonly length?: number | "max";
  readonly precision?: number;
  readonly scale?: number;
  /** A column's collation, for character types (from the catalog). */
  readonly collation?: string;
}

/** How a staged column's values are converted and bound. */
export type StageKind = "integer" | "bit" | "float" | "decimal" | "text";

const INTEGER_RANGES: Record<string, readonly [bigint, bigint]> = {
  tinyint: [0n, 255n],
  smallint: [-32768n, 32767n],
  int: [-2147483648n, 2147483647n],
  bigint: [-9223372036854775808n, 9223372036854775807n],
};
const CHARACTER_TYPES = new Set(["char", "varchar", "nchar", "nvarchar"]);
/** Types staged as nvarchar(max) and converted by the server. */
const CONVERTED_TYPES = new Set([
  "date",
  "time",
  "datetime",
  "datetime2",
  "smalldatetime",
  "datetimeoffset",
  "uniqueidentifier",
  "money",
  "smallmoney",
  "xml",
  "json",
]);

/** The type names `types` accepts (with a length, precision or scale in parentheses where they take one). */
export const SQLSERVER_TYPE_NAMES: readonly string[] = [
  "NVARCHAR(n|MAX)",
  "VARCHAR(n|MAX)",
  "NCHAR(n)",
  "CHAR(n)",
  "TINYINT",
  "SMALLINT",
  "INT",
  "BIGINT",
  "BIT",
  "FLOAT",
  "REAL",
  "DECIMAL(p,s)",
  "NUMERIC(p,s)",
  "DATE",
  "TIME",
  "DATETIME",
  "DATETIME2",
  "DATETIMEOFFSET",
  "UNIQUEIDENTIFIER",
  "MONEY",
  "JSON",
];

const TYPE_PATTERN = /^\s*([a-z0-9]+)\s*(?:\(\s*(max|\d+)\s*(?:,\s*(\d+)\s*)?\))?\s*$/i;

/**
 * Parses a declared type such as `nvarchar(100)`, `DECIMAL(18, 2)`, `datetime2(3)` or `JSON`
 * (stored as `nvarchar(max)`). Returns undefined for anything else, including types this target
 * cannot write.
 */
export function parseSqlType(text: string): SqlType | undefined {
  const match = TYPE_PATTERN.exec(text);
  if (!match) return undefined;
  const base = match[1]!.toLowerCase();
  const size = match[2]?.toLowerCase();
  const second = match[3];
  if (base === "json") return size === undefined ? { base: "nvarchar", length: "max" } : undefined;
  if (CHARACTER_TYPES.has(base)) {
    if (second !== undefined) return undefined;
    if (size === undefined) return { base, length: 1 };
    if (size === "max") return base.endsWith("char") && base.startsWith("n") ? nmax(base) : vmax(base);
    const length = Number(size);
    const limit = base.startsWith("n") ? 4000 : 8000;
    return length >= 1 && length <= limit ? { base, length } : undefined;
  }
  if (base === "decimal" || base === "numeric") {
    if (size === "max") return undefined;
    const precision = size === undefined ? 18 : Number(size);
    const scale = second === undefined ? 0 : Number(second);
    return precision >= 1 && precision <= 38 && scale <= precision ? { base, precision, scale } : undefined;
  }
  if (base === "float") {
    if (size === undefined) return { base };
    const bits = Number(size);
    return size !== "max" && bits >= 1 && bits <= 53 && second === undefined ? { base } : undefined;
  }
  if (base === "time" || base === "datetime2" || base === "datetimeoffset") {
    if (size === undefined) return { base, scale: 7 };
    const scale = Number(size);
    return size !== "max" && scale <= 7 && second === undefined ? { base, scale } : undefined;
  }
  if (size !== undefined) return undefined;
  if (base in INTEGER_RANGES || base === "bit" || base === "real" || CONVERTED_TYPES.has(base))
    return { base };
  return undefined;
}

function nmax(base: string): SqlType | undefined {
  return base === "nvarchar" ? { base, length: "max" } : undefined;
}
function vmax(base: string): SqlType | undefined {
  return base === "varchar" ? { base, length: "max" } : undefined;
}

/**
 * A type as read from `sys.columns` (`max_length` is in bytes, -1 for `max`). Returns
 * undefined for a type this target cannot write (binary, spatial, `sql_variant`...).
 */
export function catalogType(row: {
  type: string;
  max_length: number;
  precision: number;
  scale: number;
  collation_name: string | null;
}): SqlType | undefined {
  const base = row.type.toLowerCase();
  const collation = row.collation_name ?? undefined;
  if (base === "sysname") return { base: "nvarchar", length: 128, ...(collation ? { collation } : {}) };
  if (CHARACTER_TYPES.has(base)) {
    const length: number | "max" =
      row.max_length === -1 ? "max" : base.startsWith("n") ? row.max_length / 2 : row.max_length;
    return { base, length, ...(collation ? { collation } : {}) };
  }
  if (base === "decimal" || base === "numeric") return { base, precision: row.precision, scale: row.scale };
  if (base === "time" || base === "datetime2" || base === "datetimeoffset") return { base, scale: row.scale };
  if (base in INTEGER_RANGES || base === "bit" || base === "float" || base === "real") return { base };
  if (CONVERTED_TYPES.has(base)) return { base };
  return undefined;
}

/** The type in T-SQL: `nvarchar(100)`, `decimal(18,2)`, `int`. */
export function formatSqlType(type: SqlType): string {
  if (type.length !== undefined) return `${type.base}(${type.length})`;
  if (type.precision !== undefined) return `${type.base}(${type.precision},${type.scale ?? 0})`;
  if (type.scale !== undefined && type.base !== "decimal" && type.base !== "numeric")
    return `${type.base}(${type.scale})`;
  return type.base;
}

/** The stage column's type and kind for a table column of `type`. */
export function stageTypeOf(type: SqlType): { type: SqlType; kind: StageKind } {
  if (type.base in INTEGER_RANGES) return { type: { base: type.base }, kind: "integer" };
  if (type.base === "bit") return { type: { base: "bit" }, kind: "bit" };
  if (type.base === "float" || type.base === "real") return { type: { base: "float" }, kind: "float" };
  if (type.base === "decimal" || type.base === "numeric") {
    return {
      type: { base: "decimal", precision: type.precision ?? 18, scale: type.scale ?? 0 },
      kind: "decimal",
    };
  }
  if (CHARACTER_TYPES.has(type.base)) return { type, kind: "text" };
  return { type: { base: "nvarchar", length: "max" }, kind: "text" };
}

/** Bytes a value of `type` can take in an index key (Infinity for `max`, which cannot be a key). */
export function keyBytes(type: SqlType): number {
  switch (type.base) {
    case "tinyint":
    case "bit":
      return 1;
    case "smallint":
      return 2;
    case "int":
    case "real":
    case "smalldatetime":
    case "smallmoney":
      return 4;
    case "bigint":
    case "float":
    case "datetime":
    case "money":
      return 8;
    case "date":
      return 3;
    case "time":
      return 5;
    case "datetime2":
      return 8;
    case "datetimeoffset":
      return 10;
    case "uniqueidentifier":
      return 16;
    case "decimal":
    case "numeric": {
      const p = type.precision ?? 18;
      return p <= 9 ? 5 : p <= 19 ? 9 : p <= 28 ? 13 : 17;
    }
  }
  if (type.length === "max" || type.length === undefined) return Number.POSITIVE_INFINITY;
  return type.base.startsWith("n") ? type.length * 2 : type.length;
}

/** A converted value, or why the cell cannot be one. */
export type Converted = { ok: true; value: string | number | boolean | null } | { ok: false; reason: string };

const INTEGER_TEXT = /^[+-]?\d+$/;
const NUMBER_TEXT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/**
 * Converts a cell to the value bound for a staged column, or says why it cannot be one (the
 * event then fails alone, before anything is sent). Booleans become 1/0 in numeric and bit
 * columns and `true`/`false` in text columns.
 */
export function convertCell(cell: Cell, kind: StageKind, type: SqlType): Converted {
  if (cell === null) return { ok: true, value: null };
  switch (kind) {
    case "integer": {
      const text = typeof cell === "boolean" ? (cell ? "1" : "0") : String(cell).trim();
      if (!INTEGER_TEXT.test(text))
        return { ok: false, reason: `${JSON.stringify(cell)} is not a whole number` };
      const value = BigInt(text);
      const [min, max] = INTEGER_RANGES[type.base] ?? INTEGER_RANGES.bigint!;
      if (value < min || value > max)
        return { ok: false, reason: `${text} is outside the range of ${type.base}` };
      // bigint values travel as text: a JS number cannot hold every bigint exactly.
      return { ok: true, value: type.base === "bigint" ? value.toString() : Number(value) };
    }
    case "bit": {
      if (typeof cell === "boolean") return { ok: true, value: cell };
      const text = String(cell).trim().toLowerCase();
      if (text === "1" || text === "true") return { ok: true, value: true };
      if (text === "0" || text === "false") return { ok: true, value: false };
      return { ok: false, reason: `${JSON.stringify(cell)} is not a boolean (true/false or 1/0)` };
    }
    case "float":
    case "decimal": {
      if (typeof cell === "boolean") return { ok: true, value: cell ? 1 : 0 };
      const text = String(cell).trim();
      if (typeof cell === "string" && !NUMBER_TEXT.test(text))
        return { ok: false, reason: `${JSON.stringify(cell)} is not a number` };
      const value = Number(text);
      if (!Number.isFinite(value))
        return { ok: false, reason: `${JSON.stringify(cell)} is not a finite number` };
      if (kind === "decimal") {
        const precision = type.precision ?? 18;
        const scale = type.scale ?? 0;
        if (Math.abs(value) >= 10 ** (precision - scale))
          return { ok: false, reason: `${text} does not fit decimal(${precision},${scale})` };
      }
      return { ok: true, value };
    }
    case "text": {
      const text = typeof cell === "string" ? cell : String(cell);
      if (typeof type.length === "number" && text.length > type.length) {
        return {
          ok: false,
          reason: `${text.length} characters do not fit ${formatSqlType(type)} (${JSON.stringify(text.slice(0, 40))}…)`,
        };
      }
      return { ok: true, value: text };
    }
  }
}
