/**
 * The running `sqlserver:` target: connects the pool, checks (or creates) the table, builds the
 * stage layout from the table's real column types, and hands batches to the writer.
 *
 * @module
 */
import type * as Mssql from "mssql";
import { type CheckResult, type Host, PluginError, type Target } from "../../src/sdk/index.ts";
import { compileTableMapping, isRowAction, type TableMapping } from "../shared/table-mapping/compile.ts";
import { planBatch } from "../shared/table-mapping/describe.ts";
import { type SqlServerTargetConfig, sqlServerConfigProblems } from "./config.ts";
import { loadMssql, type MssqlModule, openPool } from "./connection.ts";
import { classifySqlServerError } from "./errors.ts";
import { createColumns, normalizedKey, stageLayout } from "./layout.ts";
import { type CatalogRows, inspectCatalog, type MappedTable, type TableInspection } from "./schema.ts";
import { CATALOG_SQL, createTableSql, qualifiedTable } from "./statements.ts";
import { SqlServerWriter } from "./writer.ts";

/** How long `close` waits for the pool to drain. */
const CLOSE_TIMEOUT_MS = 5000;

/** Creates the target. Does no I/O: connecting happens in `open` and `check`. */
export function createSqlServerTarget(
  config: SqlServerTargetConfig,
  host: Host,
): Target & {
  /** The writer, once open (tests read its totals). */
  readonly writer: SqlServerWriter | undefined;
} {
  const redact = (uri: string) => host.helpers.redactUri(uri);
  const problems = sqlServerConfigProblems(config, redact);
  if (problems.length > 0) throw new PluginError(problems.join("; "), "sqlserver");
  const mapping = compileTableMapping(config, host);
  const table: [string, string] = [config.schema, config.table];
  const display = `${config.schema}.${config.table}`;
  // The engine prefixes errors with the (redacted) target URI; this names the table.
  const where = `table ${display}`;
  const mapped: MappedTable = {
    display,
    keys: mapping.keys.map((c) => c.name),
    values: mapping.values.map((c) => ({ name: c.name, path: c.path })),
    ...(mapping.tombstoneColumn !== undefined ? { tombstone: mapping.tombstoneColumn } : {}),
    deletes: config.deleteWhen !== undefined,
    guarded: mapping.versionGuard !== undefined,
  };
  let mssql: MssqlModule | undefined;
  let pool: Mssql.ConnectionPool | undefined;
  let connecting: Promise<Mssql.ConnectionPool> | undefined;
  let writer: SqlServerWriter | undefined;

  const connect = (): Promise<Mssql.ConnectionPool> => {
    connecting ??= (async () => {
      mssql = await loadMssql();
      pool = await openPool(mssql, config, redact);
      host.log.debug(`connected to ${redact(config.url)} (${config.lanes} connections at most)`);
      return pool;
    })().catch((error) => {
      connecting = undefined;
      throw error;
    });
    return connecting;
  };

  const inspect = async (): Promise<TableInspection> => {
    const connected = await connect();
    let result: Mssql.IResult<unknown>;
    try {
      // A transient error (Azure failover, deadlock on the catalog) should not stop a run at start.
      result = await host.retry(
        () => {
          const request = connected.request();
          request.input("table", mssql!.NVarChar(600), qualifiedTable({ table }));
          return request.query(CATALOG_SQL);
        },
        {
          attempts: 4,
          baseDelayMs: 200,
          isRetryable: (error) => classifySqlServerError(error).kind === "retryable",
        },
      );
    } catch (error) {
      const classified = classifySqlServerError(error);
      throw new PluginError(`cannot read the catalog: ${classified.message} (${classified.code})`, where);
    }
    const sets = result.recordsets as unknown as Array<Array<Record<string, unknown>>>;
    const rows: CatalogRows = {
      object: sets[0]?.[0] as unknown as CatalogRows["object"],
      columns: (sets[1] ?? []) as unknown as CatalogRows["columns"],
      indexes: (sets[2] ?? []) as unknown as CatalogRows["indexes"],
    };
    return inspectCatalog(mapped, rows);
  };

  const createSql = () =>
    createTableSql(
      table,
      createColumns(mapping),
      mapping.keys.map((c) => c.name),
    );

  const openWriter = async (): Promise<SqlServerWriter> => {
    if (writer !== undefined) return writer;
    // The SDK promises dry runs only check and plan; refuse rather than write.
    if (host.dryRun) throw new PluginError("refusing to write in a dry run", where);
    const connected = await connect();
    let inspection = await inspect();
    if (!inspection.exists && config.createTable) {
      const request = connected.request();
      request.input("table", mssql!.NVarChar(600), qualifiedTable({ table }));
      try {
        await request.query(createSql());
      } catch (error) {
        const classified = classifySqlServerError(error);
        throw new PluginError(`cannot create the table: ${classified.message} (${classified.code})`, where);
      }
      host.log.info(`created table ${display}`);
      inspection = await inspect();
    }
    if (inspection.problems.length > 0) throw new PluginError(inspection.problems.join("; "), where);
    const layout = stageLayout(mapping, table, inspection.types, mapped.deletes);
    writer = new SqlServerWriter(
      mssql!,
      connected,
      mapping,
      layout,
      { stage: config.stage, bulkChunkRows: config.bulkChunkRows },
      host,
    );
    return writer;
  };

  return {
    policy: { maxItems: config.batchSize, maxInFlight: config.lanes },
    sameKey: "collapse",
    get writer() {
      return writer;
    },
    rowKey: (event) => rowKeyOf(mapping, event),
    async open() {
      if (!host.dryRun) await openWriter();
    },
    async check(): Promise<CheckResult> {
      let inspection: TableInspection;
      try {
        inspection = await inspect();
      } catch (error) {
        return { ok: false, details: [error instanceof Error ? error.message : String(error)] };
      }
      const details = [`connected to ${redact(config.url)}`, ...inspection.details];
      if (!inspection.exists && config.createTable) {
        details.push(`table ${display} does not exist yet; it will be created: ${createSql()}`);
        return { ok: true, details };
      }
      if (inspection.problems.length > 0) {
        const [first, ...rest] = inspection.problems;
        const hint = inspection.exists ? "" : " (set createTable: true to create it)";
        return { ok: false, details: [...details, `${first}${hint}`, ...rest] };
      }
      return { ok: true, details };
    },
    async plan(batch) {
      return planBatch(mapping, batch);
    },
    async write(batch, context) {
      return (await openWriter()).write(batch, context?.signal);
    },
    async flush() {
      // Every write commits its own transaction before it returns: what was reported sent is
      // durable already, and nothing is in flight when the engine calls this.
    },
    async close() {
      writer = undefined;
      const open = pool;
      pool = undefined;
      connecting = undefined;
      // Closing waits for borrowed connections; a driver that leaked one must not hang shutdown.
      let timer: ReturnType<typeof setTimeout> | undefined;
      const gaveUp = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          host.log.debug("the connection pool did not close within 5 s; leaving it to process exit");
          resolve();
        }, CLOSE_TIMEOUT_MS);
      });
      await Promise.race([open?.close().catch(() => {}), gaveUp]);
      clearTimeout(timer);
    },
  };
}

/** The row an event writes, as lanes see it (see {@link normalizedKey}); undefined without a key. */
function rowKeyOf(
  mapping: TableMapping,
  event: Parameters<NonNullable<Target["rowKey"]>>[0],
): string | undefined {
  const action = mapping.actionFor({ event, position: "", seq: 0, record: event }, 0);
  return isRowAction(action) ? normalizedKey(action.key) : undefined;
}
