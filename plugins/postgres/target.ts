/**
 * The running `postgres` target: wires the table mapping, the pre-flight check, dry-run plans
 * and the writer to a pool of connections (one per lane).
 *
 * @module
 */
import type postgres from "postgres";
import { type Host, PluginError, type Target } from "../../src/sdk/index.ts";
import { compileTableMapping } from "../shared/table-mapping/compile.ts";
import { planBatch } from "../shared/table-mapping/describe.ts";
import { checkPostgresTarget } from "./check.ts";
import { type PostgresTargetConfig, postgresConfigProblems } from "./config.ts";
import { createClient, describeServer } from "./connection.ts";
import { classifyPostgresError } from "./errors.ts";
import { inspectTable } from "./schema.ts";
import { createTableSql } from "./sql.ts";
import { PostgresTableWriter } from "./writer.ts";

/** Creates the target. Does no I/O: connections are made by `open()` (never in a dry run). */
export function createPostgresTarget(config: PostgresTargetConfig, host: Host): Target {
  const problems = postgresConfigProblems(config);
  if (problems.length > 0) throw new PluginError(problems.join("; "), "postgres");
  const mapping = compileTableMapping(config, host);
  const server = describeServer(config.url);
  let sql: postgres.Sql | undefined;
  let writer: PostgresTableWriter | undefined;

  const connect = async (): Promise<PostgresTableWriter> => {
    if (writer !== undefined) return writer;
    // The SDK promises dry runs only check and plan; refuse rather than write.
    if (host.dryRun) throw new PluginError("refusing to connect for writing in a dry run", server);
    sql ??= createClient(config, host, { max: config.connections });
    try {
      let inspection = await inspectTable(sql, config.schema, mapping);
      // Only when missing: CREATE … IF NOT EXISTS still needs the CREATE right on the schema.
      if (!inspection.exists && config.createTable) {
        await sql.unsafe(createTableSql(config.schema, mapping));
        inspection = await inspectTable(sql, config.schema, mapping);
      }
      if (inspection.problems.length > 0) {
        const hint = !inspection.exists ? " (set createTable: true to create it)" : "";
        throw new PluginError(`${inspection.problems.join("; ")}${hint}`, server);
      }
      writer = new PostgresTableWriter(sql, { schema: config.schema, mapping, types: inspection.types });
    } catch (error) {
      if (error instanceof PluginError) throw error;
      const classified = classifyPostgresError(error);
      throw new PluginError(
        host.helpers.redactUri(
          `cannot open table "${mapping.table}": ${classified.message} (${classified.code})`,
        ),
        server,
      );
    }
    host.log.debug(
      `writing table "${mapping.table}" on ${server} with up to ${config.connections} connections`,
    );
    return writer;
  };

  return {
    policy: { maxItems: config.batchSize, maxInFlight: config.connections },
    sameKey: "collapse",
    rowKey: (event) => mapping.keyIdOf(event),
    async open() {
      if (!host.dryRun) await connect();
    },
    async check() {
      return checkPostgresTarget(config, mapping, host);
    },
    async plan(batch) {
      return planBatch(mapping, batch);
    },
    async write(batch, context) {
      const active = await connect();
      return active.write(batch, context?.signal);
    },
    async flush() {
      // Every write commits its own transaction before it resolves, and PostgreSQL's COMMIT
      // returns once the commit is durable (unless the server runs synchronous_commit=off):
      // nothing is pending here, so the barrier holds already.
    },
    async close() {
      writer = undefined;
      const client = sql;
      sql = undefined;
      // No write is in flight at close (the engine flushes first), so a short grace is enough;
      // it also bounds postgres.js waiting on a connection lost mid-write (it keeps that
      // connection's last query as pending forever).
      await client?.end({ timeout: 1 });
    },
  };
}
