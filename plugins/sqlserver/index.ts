/**
 * The `sqlserver:` target (and its alias `mssql:`): bulk, ordered, idempotent upserts into a SQL
 * Server table through `mssql`. `sqlserver://user:password@host:port/database#<table>`; see
 * docs/targets/sqlserver.md.
 *
 * Layout: `config.ts` (fields, URL), `column-types.ts` (types, staging, conversions),
 * `statements.ts` (every T-SQL statement, pure), `schema.ts` (catalog checks, pure),
 * `layout.ts` (mapping → stage), `errors.ts` (what is retryable), `connection.ts` (the pool),
 * `writer.ts` (stage + MERGE, failure isolation), `target.ts` (wiring). The table mapping
 * itself is shared with the other SQL targets (`plugins/shared/table-mapping/`).
 *
 * @module
 */
import { defineTarget, PLUGIN_API_VERSION, type Plugin } from "../../src/sdk/index.ts";
import { resolveSqlServerConfig, type SqlServerTargetConfig, sqlServerConfigSpec } from "./config.ts";
import { createSqlServerTarget } from "./target.ts";

function sqlServerPlugin(name: "sqlserver" | "mssql") {
  return defineTarget<SqlServerTargetConfig>({
    kind: "target",
    name,
    api: PLUGIN_API_VERSION,
    summary:
      name === "sqlserver"
        ? "Upsert events into a SQL Server table (bulk-loaded stage, one MERGE per batch, version guard)"
        : "Alias of sqlserver: (mssql://user:password@host/database#table)",
    config: sqlServerConfigSpec(name),
    create: (config, host) =>
      // Defaults again here: some depend on other fields (jsonColumn on columns, encrypt on the URL).
      createSqlServerTarget(resolveSqlServerConfig(config as unknown as Record<string, unknown>), host),
  });
}

/** The `sqlserver` plugin. */
export const sqlserver = sqlServerPlugin("sqlserver");
/** The same target under the `mssql` scheme. */
export const mssql = sqlServerPlugin("mssql");

/** Both, for plugins/index.ts. */
const plugins: Plugin[] = [sqlserver as Plugin, mssql as Plugin];
export default plugins;
