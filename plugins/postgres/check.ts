/**
 * The `postgres` target's read-only pre-flight: connect with a read-only session, inspect the
 * table in the catalog (no lock is taken on it), and say what createTable would create.
 *
 * @module
 */
import type postgres from "postgres";
import type { CheckResult, Host } from "../../src/sdk/index.ts";
import type { TableMapping } from "../shared/table-mapping/compile.ts";
import type { PostgresTargetConfig } from "./config.ts";
import { createClient, describeServer } from "./connection.ts";
import { classifyPostgresError } from "./errors.ts";
import { inspectTable } from "./schema.ts";
import { createTableSql } from "./sql.ts";

/** Checks the server, the table, the mapped columns, the key's uniqueness and the role's rights. */
export async function checkPostgresTarget(
  config: PostgresTargetConfig,
  mapping: TableMapping,
  host: Host,
): Promise<CheckResult> {
  const server = describeServer(config.url);
  const details: string[] = [];
  let sql: postgres.Sql | undefined;
  try {
    sql = createClient(config, host, { max: 1, readOnly: true });
    const [info] = await sql.unsafe<Array<{ version: string }>>(
      "SELECT current_setting('server_version') AS version",
    );
    details.push(`connected to ${server} (PostgreSQL ${info?.version ?? "?"}) read-only`);
    const inspection = await inspectTable(sql, config.schema, mapping);
    details.push(...inspection.details);
    if (!inspection.exists && config.createTable) {
      details.push(`table does not exist yet; it will be created: ${createTableSql(config.schema, mapping)}`);
      return { ok: true, details };
    }
    if (inspection.problems.length > 0) {
      const [first, ...rest] = inspection.problems;
      const hint = !inspection.exists ? " (set createTable: true to create it)" : "";
      return { ok: false, details: [...details, `${first}${hint}`, ...rest] };
    }
    return { ok: true, details };
  } catch (error) {
    const classified = classifyPostgresError(error);
    return {
      ok: false,
      details: [
        ...details,
        host.helpers.redactUri(`cannot check ${server}: ${classified.message} (${classified.code})`),
      ],
    };
  } finally {
    await sql?.end({ timeout: 5 }).catch(() => {});
  }
}
