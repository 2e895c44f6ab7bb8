/**
 * The table-mapping part of a SQL target's configuration, independent of the database: which
 * columns hold the key, which hold values taken from the event, whether a column holds the whole
 * event, when an event deletes its row, and whether the table is created.
 *
 * Backend-independent on purpose: a PostgreSQL or SQL Server target reuses these fields, their
 * defaults and their validation, and adds its own connection fields and type names.
 *
 * @module
 */
import type { ConfigField } from "../../../src/sdk/index.ts";

/** Table-mapping settings, after defaults. */
export interface TableMappingConfig {
  /** Table name; always quoted in SQL, so any name is safe. */
  table: string;
  /** Key column → JSON path into the event. The key columns identify a row. */
  key: Record<string, string>;
  /** Value column → JSON path into the event. */
  columns?: Record<string, string>;
  /** A column holding the whole event as JSON text. */
  jsonColumn?: string;
  /** An EventBridge pattern: an event matching it deletes the row for its key. */
  deleteWhen?: Record<string, unknown>;
  /** Column → declared type, for `createTable` (and `JSON` columns always hold JSON text). */
  types?: Record<string, string>;
  /**
   * Version guard: a column of `columns` holding the event's version. An event is applied only
   * when its version is greater than the row's, so an older event never overwrites a newer row.
   * Only for targets that pass `versionGuard: true` to {@link tableMappingFields}.
   */
  ifNewer?: string;
  /**
   * With a version guard, a delete writes a tombstone row (its key, version and this column set
   * to true) instead of removing the row, so a replayed older upsert cannot resurrect it.
   * Defaults to {@link DEFAULT_TOMBSTONE_COLUMN} when `ifNewer` and `deleteWhen` are both set.
   */
  tombstoneColumn?: string;
  /** Whether to create the table when it does not exist. */
  createTable: boolean;
  /** Most events in one write (one transaction). */
  batchSize: number;
}

/** The default key mapping: the event's `id` into a column `id`. */
export const DEFAULT_KEY: Readonly<Record<string, string>> = { id: "$.id" };
/** The JSON column used when `columns` is absent. */
export const DEFAULT_JSON_COLUMN = "event";
/** The default batch size. */
export const DEFAULT_BATCH_SIZE = 500;
/** The tombstone column used when `ifNewer` and `deleteWhen` are both set. */
export const DEFAULT_TOMBSTONE_COLUMN = "deleted";
/** The declared type name that means "this column holds JSON text" in every backend. */
export const JSON_TYPE = "JSON";

/** What a backend supports beyond the common mapping. */
export interface TableMappingFeatures {
  /** Whether `ifNewer` and `tombstoneColumn` are offered (the backend implements the guard). */
  versionGuard?: boolean;
  /** The type key columns and the JSON column get from createTable when `types` is silent. */
  defaultKeyType?: string;
  /**
   * What createTable gives columns `types` leaves out, as one sentence for the `types`
   * description; overrides the sentence built from {@link defaultKeyType}.
   */
  defaultTypes?: string;
  /** How a boolean value is stored, for the `columns` description. @default "as 1/0 where the database has no boolean" */
  booleans?: string;
}

/**
 * The config fields of a table mapping, for a target's {@link ConfigSpec}. `typeNames` are the
 * backend's accepted declared types (listed in the `types` description).
 */
export function tableMappingFields(
  typeNames: readonly string[],
  features: TableMappingFeatures = {},
): Record<string, ConfigField> {
  const defaultTypes =
    features.defaultTypes ??
    `Key columns and the JSON column default to ${features.defaultKeyType ?? "TEXT"}, others are untyped.`;
  const booleans = features.booleans ?? "as 1/0 where the database has no boolean";
  const guard: Record<string, ConfigField> = features.versionGuard
    ? {
        ifNewer: {
          type: "string",
          description:
            "Version guard: a column of `columns` holding the event's version (a number or a sortable " +
            "string such as an ISO time). An event is written only when its version is greater than the " +
            "row's, so an older event never overwrites a newer row; refused events count as skipped. " +
            "An event without a version fails with MissingVersion.",
          example: "version",
        },
        tombstoneColumn: {
          type: "string",
          description:
            "With ifNewer and deleteWhen: deletes write a tombstone row (key, version, this column true) " +
            "instead of removing the row, so replays in any order converge. Defaults to " +
            `"${DEFAULT_TOMBSTONE_COLUMN}".`,
          example: DEFAULT_TOMBSTONE_COLUMN,
        },
      }
    : {};
  return {
    table: {
      type: "string",
      required: true,
      description: "The table to write. Always quoted in SQL, so any name is accepted.",
      example: "users",
    },
    key: {
      type: "object",
      description:
        "Key columns: column name → JSON path into the event. The key columns must be the table's " +
        "PRIMARY KEY or a UNIQUE index; an event without a key value fails with MissingKey.",
      default: DEFAULT_KEY,
      example: { id: "$.detail.userId" },
      values: { type: "string", description: "A JSON path into the event, such as $.detail.userId." },
    },
    columns: {
      type: "object",
      description:
        "Value columns: column name → JSON path into the event. Strings and numbers are stored as " +
        `they are, booleans ${booleans}, objects and arrays as JSON text, a missing path as NULL; ` +
        "a number too large for a double (1e400) fails the event with NumberOutOfRange.",
      example: { email: "$.detail.email", updated_at: "$.time" },
      values: { type: "string", description: "A JSON path into the event, such as $.detail.email." },
    },
    jsonColumn: {
      type: "string",
      description:
        `A column that holds the whole event as JSON text. Defaults to "${DEFAULT_JSON_COLUMN}" when ` +
        "`columns` is absent and to none otherwise (set `columns: {}` for key columns only).",
      example: "event",
    },
    deleteWhen: {
      type: "object",
      description:
        "An EventBridge event pattern: an event that matches it deletes the row for its key instead " +
        "of upserting it.",
      example: { "detail-type": ["UserDeleted"] },
    },
    types: {
      type: "object",
      description:
        `Declared column types for createTable: column → one of ${typeNames.join(", ")}. ${defaultTypes} ` +
        `A ${JSON_TYPE} column always stores JSON text (a string ` +
        "value is stored quoted).",
      example: { updated_at: "TEXT", age: "INTEGER", tags: JSON_TYPE },
      values: { type: "string", description: `A column type: ${typeNames.join(", ")}.` },
    },
    createTable: {
      type: "boolean",
      description: "Create the table (key columns as PRIMARY KEY) when it does not exist.",
      default: false,
    },
    batchSize: {
      type: "integer",
      description: "Most events written in one transaction. Within a batch the last event for a key wins.",
      default: DEFAULT_BATCH_SIZE,
      minimum: 1,
      example: 1000,
    },
    ...guard,
  };
}

/**
 * Applies the mapping defaults to raw config (after the host's type checks). Pure; does not
 * validate: call {@link tableMappingProblems} for that.
 */
export function withMappingDefaults(raw: Record<string, unknown>): TableMappingConfig {
  const columns = raw.columns as Record<string, string> | undefined;
  const config: TableMappingConfig = {
    table: raw.table as string,
    key: (raw.key as Record<string, string> | undefined) ?? { ...DEFAULT_KEY },
    createTable: (raw.createTable as boolean | undefined) ?? false,
    batchSize: (raw.batchSize as number | undefined) ?? DEFAULT_BATCH_SIZE,
  };
  if (columns !== undefined) config.columns = columns;
  const jsonColumn =
    (raw.jsonColumn as string | undefined) ?? (columns === undefined ? DEFAULT_JSON_COLUMN : undefined);
  if (jsonColumn !== undefined) config.jsonColumn = jsonColumn;
  if (raw.deleteWhen !== undefined) config.deleteWhen = raw.deleteWhen as Record<string, unknown>;
  if (raw.types !== undefined) config.types = raw.types as Record<string, string>;
  if (raw.ifNewer !== undefined) config.ifNewer = raw.ifNewer as string;
  const tombstone =
    (raw.tombstoneColumn as string | undefined) ??
    (config.ifNewer !== undefined && config.deleteWhen !== undefined ? DEFAULT_TOMBSTONE_COLUMN : undefined);
  if (tombstone !== undefined) config.tombstoneColumn = tombstone;
  return config;
}

/**
 * Cross-field rules of a table mapping. Each problem names its field. Column names are compared
 * case-insensitively because SQL identifiers are (SQLite, SQL Server, unquoted PostgreSQL).
 */
export function tableMappingProblems(
  config: TableMappingConfig,
  typeNames: readonly string[],
  features: TableMappingFeatures = {},
): string[] {
  const problems: string[] = [];
  if (typeof config.table !== "string" || config.table === "")
    problems.push("table: must be a non-empty name");
  else if (config.table.includes("\0")) problems.push("table: must not contain a NUL character");
  const seen = new Map<string, string>();
  const claim = (name: string, field: string) => {
    if (name === "" || name.includes("\0")) {
      problems.push(`${field}: column names must not be empty or contain a NUL character`);
      return;
    }
    const other = seen.get(name.toLowerCase());
    if (other !== undefined) problems.push(`${field}: column "${name}" is already mapped by ${other}`);
    else seen.set(name.toLowerCase(), field);
  };
  const checkPaths = (map: unknown, field: string) => {
    if (map === null || typeof map !== "object" || Array.isArray(map)) {
      problems.push(`${field}: must be an object of column name → JSON path`);
      return;
    }
    for (const [column, path] of Object.entries(map)) {
      claim(column, `${field}.${column}`);
      if (typeof path !== "string" || path.trim() === "") {
        problems.push(`${field}.${column}: must be a JSON path string such as "$.detail.id"`);
      }
    }
  };
  checkPaths(config.key, "key");
  if (config.key && typeof config.key === "object" && Object.keys(config.key).length === 0) {
    problems.push("key: needs at least one column");
  }
  if (config.columns !== undefined) checkPaths(config.columns, "columns");
  if (config.jsonColumn !== undefined) {
    if (typeof config.jsonColumn !== "string") problems.push("jsonColumn: must be a column name");
    else claim(config.jsonColumn, "jsonColumn");
  }
  if (config.deleteWhen !== undefined) {
    const d = config.deleteWhen;
    if (d === null || typeof d !== "object" || Array.isArray(d))
      problems.push("deleteWhen: must be an event pattern object");
  }
  if (config.ifNewer !== undefined || config.tombstoneColumn !== undefined) {
    problems.push(...versionGuardProblems(config, features, claim));
  }
  if (config.types !== undefined) {
    for (const [column, type] of Object.entries(config.types)) {
      if (!seen.has(column.toLowerCase())) {
        problems.push(`types.${column}: "${column}" is not a mapped column (key, columns or jsonColumn)`);
      }
      if (typeof type !== "string" || !typeNames.includes(type.toUpperCase())) {
        problems.push(`types.${column}: must be one of ${typeNames.join(", ")}, got ${JSON.stringify(type)}`);
      }
    }
  }
  if (!Number.isInteger(config.batchSize) || config.batchSize < 1) {
    problems.push("batchSize: must be a whole number ≥ 1");
  }
  return problems;
}

function versionGuardProblems(
  config: TableMappingConfig,
  features: TableMappingFeatures,
  claim: (name: string, field: string) => void,
): string[] {
  if (!features.versionGuard) {
    const field = config.ifNewer !== undefined ? "ifNewer" : "tombstoneColumn";
    return [`${field}: this target has no version guard`];
  }
  const problems: string[] = [];
  if (config.ifNewer === undefined) {
    problems.push("tombstoneColumn: only used with ifNewer (deletes without a version guard remove the row)");
  } else if (typeof config.ifNewer !== "string" || !Object.hasOwn(config.columns ?? {}, config.ifNewer)) {
    problems.push(
      `ifNewer: must name a column of \`columns\` (the event's version), got ${JSON.stringify(config.ifNewer)}`,
    );
  }
  if (config.tombstoneColumn !== undefined) {
    if (typeof config.tombstoneColumn !== "string") problems.push("tombstoneColumn: must be a column name");
    else claim(config.tombstoneColumn, "tombstoneColumn");
  }
  return problems;
}
