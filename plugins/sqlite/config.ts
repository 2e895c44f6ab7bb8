/**
 * The `sqlite:` target's configuration: the database file, the shared table-mapping fields,
 * and the URI form `sqlite:<db path>#<table>`.
 *
 * @module
 */
import { type ConfigSpec, PluginError } from "../../src/sdk/index.ts";
import {
  type TableMappingConfig,
  tableMappingFields,
  tableMappingProblems,
  withMappingDefaults,
} from "../shared/table-mapping/config.ts";
import type { SynchronousMode } from "./open.ts";
import { SQLITE_TYPES } from "./sql.ts";

/** The `sqlite:` target's config, after defaults. */
export interface SqliteTargetConfig extends TableMappingConfig {
  /** The database file, relative to the pipeline file's folder. */
  path: string;
  /** Milliseconds to wait for another connection's lock before reporting SQLITE_BUSY. */
  busyTimeoutMs: number;
  /** SQLite's `synchronous` for the writing connection; see {@link SynchronousMode}. */
  synchronous: SynchronousMode;
}

/** Default {@link SqliteTargetConfig.busyTimeoutMs}. */
export const DEFAULT_BUSY_TIMEOUT_MS = 5000;

/** A table name the URI form accepts; other names go in a pipeline file's `table` field. */
const PLAIN_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Applies defaults (the mapping's, and this target's) to host-validated config. */
export function resolveSqliteConfig(raw: Record<string, unknown>): SqliteTargetConfig {
  return {
    ...withMappingDefaults(raw),
    path: raw.path as string,
    busyTimeoutMs: (raw.busyTimeoutMs as number | undefined) ?? DEFAULT_BUSY_TIMEOUT_MS,
    synchronous: (raw.synchronous as SynchronousMode | undefined) ?? "NORMAL",
  };
}

/** Problems with a config, each naming its field. */
export function sqliteConfigProblems(config: SqliteTargetConfig): string[] {
  const problems: string[] = [];
  if (typeof config.path !== "string" || config.path === "")
    problems.push("path: must be a database file path");
  if (!Number.isInteger(config.busyTimeoutMs) || config.busyTimeoutMs < 0) {
    problems.push("busyTimeoutMs: must be a whole number of milliseconds ≥ 0");
  }
  if (config.synchronous !== "NORMAL" && config.synchronous !== "FULL") {
    problems.push('synchronous: must be "NORMAL" or "FULL"');
  }
  return [...problems, ...tableMappingProblems(config, SQLITE_TYPES)];
}

/** Parses the part of `sqlite:<db path>#<table>` after `sqlite:`. */
export function sqliteFromUri(rest: string): Record<string, unknown> {
  const uri = `sqlite:${rest}`;
  const hash = rest.lastIndexOf("#");
  if (hash < 0)
    throw new PluginError(
      `expected sqlite:<db path>#<table>, e.g. sqlite:out.db#users: the #<table> is missing`,
      uri,
    );
  const path = rest.slice(0, hash);
  const table = rest.slice(hash + 1);
  if (path === "") throw new PluginError("the database path before # is empty", uri);
  if (!PLAIN_IDENTIFIER.test(table)) {
    throw new PluginError(
      `table name ${JSON.stringify(table)} is not a plain identifier (letters, digits, _); ` +
        "give other names in a pipeline file's `table` field",
      uri,
    );
  }
  return { path, table };
}

/** The `sqlite:` config spec (also its `plugins describe` documentation). */
export const sqliteConfigSpec: ConfigSpec = {
  fields: {
    path: {
      type: "string",
      required: true,
      description:
        "The SQLite database file, relative to the pipeline file's folder (or the working directory).",
      example: "state.db",
    },
    ...tableMappingFields(SQLITE_TYPES),
    busyTimeoutMs: {
      type: "integer",
      description:
        "Milliseconds to wait for another connection's lock before the batch fails as retryable SQLITE_BUSY.",
      default: DEFAULT_BUSY_TIMEOUT_MS,
      minimum: 0,
    },
    synchronous: {
      type: "string",
      enum: ["NORMAL", "FULL"],
      default: "NORMAL",
      description:
        "SQLite's synchronous setting (the database is in WAL mode). NORMAL: a committed batch survives a " +
        "crash of rehydrate and everything is synced by the final flush, but a power loss mid-run may undo " +
        "the last batches. FULL: every batch is synced before it counts as written (2-3× slower).",
    },
  },
  fromUri: sqliteFromUri,
  examples: [
    [
      "Whole events, keyed by their id, into an existing table events (id PRIMARY KEY, event) of out.db",
      "sqlite:out.db#events",
    ],
    [
      "A pipeline file's target: mapped columns, delete on UserDeleted, table created",
      JSON.stringify({
        uri: "sqlite:state.db#users",
        key: { id: "$.detail.userId" },
        columns: { email: "$.detail.email", updated_at: "$.time" },
        deleteWhen: { "detail-type": ["UserDeleted"] },
        createTable: true,
      }),
    ],
  ],
  validate: (config) => sqliteConfigProblems(resolveSqliteConfig(config)),
};
