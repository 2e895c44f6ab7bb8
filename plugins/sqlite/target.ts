/**
 * The running `sqlite:` target: wires the table mapping, the pre-flight check, dry-run plans
 * and the writer to one SQLite connection.
 *
 * @module
 */
import type { Database } from "bun:sqlite";
import { existsSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { type Host, PluginError, type Target } from "../../src/sdk/index.ts";
import { compileTableMapping, type TableMapping } from "../shared/table-mapping/compile.ts";
import { planBatch } from "../shared/table-mapping/describe.ts";
import { checkSqliteTarget } from "./check.ts";
import { type SqliteTargetConfig, sqliteConfigProblems } from "./config.ts";
import { openDatabase } from "./open.ts";
import { inspectTable } from "./schema.ts";
import { createTableSql } from "./sql.ts";
import { SqliteTableWriter } from "./writer.ts";

/** Creates the target. Does no I/O: the database is opened by `open()` (never in a dry run). */
export function createSqliteTarget(config: SqliteTargetConfig, host: Host): Target {
  const problems = sqliteConfigProblems(config);
  if (problems.length > 0) throw new PluginError(problems.join("; "), "sqlite");
  const mapping = compileTableMapping(config, host);
  const path = host.resolvePath(config.path);
  let db: Database | undefined;
  let writer: SqliteTableWriter | undefined;

  const connect = (): SqliteTableWriter => {
    if (writer !== undefined) return writer;
    // The SDK promises dry runs only check and plan; refuse rather than touch the file.
    if (host.dryRun) throw new PluginError("refusing to open the database for writing in a dry run", path);
    db = openWritable(path, mapping, config);
    writer = new SqliteTableWriter(db, mapping);
    host.log.debug(`writing table "${mapping.table}" of ${path}`);
    return writer;
  };

  return {
    // One connection, so one write in flight: SQLite has a single writer anyway.
    policy: { maxItems: config.batchSize, maxInFlight: 1 },
    sameKey: "collapse",
    rowKey: (event) => mapping.keyIdOf(event),
    outputPaths: () => [path],
    async open() {
      if (!host.dryRun) connect();
    },
    async check() {
      return checkSqliteTarget(mapping, {
        path,
        createTable: config.createTable,
        busyTimeoutMs: config.busyTimeoutMs,
        db,
      });
    },
    async plan(batch) {
      return planBatch(mapping, batch);
    },
    async write(batch) {
      return connect().write(batch);
    },
    async flush() {
      // With synchronous=NORMAL, commits are synced by checkpoints: one syncs the WAL, then copies
      // it into the database. FULL waits (up to the busy timeout) for readers of older snapshots;
      // if they outlast it, the checkpoint at close does the rest.
      if (db === undefined) return;
      const result = db.query<{ busy: number }, []>("PRAGMA wal_checkpoint(FULL)").get();
      if (result?.busy) host.log.debug("checkpoint could not complete: another connection is reading");
    },
    async close() {
      writer?.finalize();
      writer = undefined;
      db?.close();
      db = undefined;
    },
  };
}

/** Opens the file for writing, creates the table if asked, and verifies it fits the mapping. */
function openWritable(path: string, mapping: TableMapping, config: SqliteTargetConfig): Database {
  if (!existsSync(path)) {
    if (!config.createTable) {
      throw new PluginError("database file does not exist (set createTable: true to create it)", path);
    }
    // Zero setup: `sqlite:out/state.db#t` with createTable works on a fresh clone.
    try {
      mkdirSync(dirname(path), { recursive: true });
    } catch (error) {
      throw new PluginError(
        `cannot create folder ${dirname(path)}: ${error instanceof Error ? error.message : String(error)}`,
        path,
      );
    }
  }
  let db: Database;
  try {
    db = openDatabase(
      path,
      config.createTable ? "create" : "readwrite",
      config.busyTimeoutMs,
      config.synchronous,
    );
  } catch (error) {
    throw new PluginError(
      `cannot open database: ${error instanceof Error ? error.message : String(error)}`,
      path,
    );
  }
  try {
    if (config.createTable) db.run(createTableSql(mapping));
    const inspection = inspectTable(db, mapping);
    if (inspection.problems.length > 0) throw new PluginError(inspection.problems.join("; "), path);
    return db;
  } catch (error) {
    db.close();
    if (error instanceof PluginError) throw error;
    throw new PluginError(error instanceof Error ? error.message : String(error), path);
  }
}
