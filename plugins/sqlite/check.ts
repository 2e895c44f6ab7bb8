/**
 * The `sqlite:` target's read-only pre-flight. It never creates or changes the database: with
 * no open connection it opens the file read-only, and only if it exists.
 *
 * @module
 */
import type { Database } from "bun:sqlite";
import { accessSync, constants, existsSync, rmSync, statSync } from "node:fs";
import { dirname } from "node:path";
import type { CheckResult } from "../../src/sdk/index.ts";
import type { TableMapping } from "../shared/table-mapping/compile.ts";
import { openDatabase } from "./open.ts";
import { inspectTable } from "./schema.ts";
import { createTableSql } from "./sql.ts";

/** What the check needs to know. */
export interface SqliteCheckOptions {
  /** The resolved database path. */
  path: string;
  createTable: boolean;
  busyTimeoutMs: number;
  /** The target's own connection, when it is open already (saves a second connection). */
  db?: Database;
}

/** Checks the database file, the table, the mapped columns and the key's uniqueness. */
export function checkSqliteTarget(mapping: TableMapping, options: SqliteCheckOptions): CheckResult {
  const { path, createTable } = options;
  const details: string[] = [];
  const fail = (problem: string): CheckResult => ({ ok: false, details: [...details, problem] });

  if (options.db === undefined) {
    const kind = fileKind(path);
    if (kind === "other" || kind === "directory")
      return fail(`database path ${path} exists but is not a file`);
    if (kind === "missing") {
      if (!createTable)
        return fail(`database file ${path} does not exist (set createTable: true to create it)`);
      const folder = dirname(path);
      const ancestor = nearestExisting(folder);
      if (fileKind(ancestor) !== "directory")
        return fail(`${ancestor} is not a folder, so ${path} cannot be created`);
      if (ancestor !== folder)
        details.push(`folder ${folder} does not exist yet; it will be created (createTable)`);
      details.push(`database file ${path} does not exist yet; it will be created (createTable)`);
      details.push(`table "${mapping.table}" will be created: ${createTableSql(mapping)}`);
      return { ok: true, details };
    }
  }
  details.push(`database file ${path} exists`);
  if (options.db === undefined) {
    // A dry run or `validate` must not pass a database the real run cannot write.
    if (!writable(path)) return fail(`database file ${path} is read-only: the run could not write it`);
    if (!writable(dirname(path)))
      return fail(
        `folder ${dirname(path)} is not writable: SQLite needs it for the database's journal (-wal, -shm)`,
      );
  }

  // Opening a WAL database, even read-only, creates its -wal and -shm files: remove the ones
  // this check created, so a dry run leaves no trace beside the database.
  const sidecars =
    options.db === undefined ? [`${path}-wal`, `${path}-shm`].filter((f) => !existsSync(f)) : [];
  let db = options.db;
  try {
    db ??= openDatabase(path, "readonly", options.busyTimeoutMs);
    const inspection = inspectTable(db, mapping);
    details.push(...inspection.details);
    if (!inspection.exists && createTable) {
      details.push(
        `table "${mapping.table}" does not exist yet; it will be created: ${createTableSql(mapping)}`,
      );
      return { ok: true, details };
    }
    if (inspection.problems.length > 0) {
      const [first, ...rest] = inspection.problems;
      const hint = !inspection.exists ? " (set createTable: true to create it)" : "";
      return { ok: false, details: [...details, `${first}${hint}`, ...rest] };
    }
    return { ok: true, details };
  } catch (error) {
    return fail(`cannot read database ${path}: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    if (options.db === undefined) {
      db?.close();
      for (const file of sidecars) rmSync(file, { force: true });
    }
  }
}

function writable(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** The path itself or its closest ancestor that exists. */
function nearestExisting(path: string): string {
  let current = path;
  while (fileKind(current) === "missing" && dirname(current) !== current) current = dirname(current);
  return current;
}

function fileKind(path: string): "file" | "directory" | "other" | "missing" {
  try {
    const stat = statSync(path);
    return stat.isFile() ? "file" : stat.isDirectory() ? "directory" : "other";
  } catch {
    return "missing";
  }
}
