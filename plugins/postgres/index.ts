/**
 * The `postgres` target (also reachable as `postgresql`): upserts events into a PostgreSQL table
 * with COPY into a session stage and one `INSERT … ON CONFLICT` merge per batch;
 * `postgres://user:password@host:port/database#<table>`. See docs/targets/postgres.md.
 *
 * Layout: the table mapping is shared with the other SQL targets (`plugins/shared/table-mapping`);
 * the files here are PostgreSQL's config, connection, statements, COPY encoding, catalog checks,
 * errors and writer.
 *
 * @module
 */
import { defineTarget, PLUGIN_API_VERSION, type Plugin } from "../../src/sdk/index.ts";
import { type PostgresTargetConfig, postgresConfigSpec, resolvePostgresConfig } from "./config.ts";
import { createPostgresTarget } from "./target.ts";

const summary =
  "Upsert events into a PostgreSQL table (COPY + one merge per batch; key, columns, version guard, deletes)";

function postgresTarget(name: "postgres" | "postgresql") {
  return defineTarget<PostgresTargetConfig>({
    kind: "target",
    name,
    api: PLUGIN_API_VERSION,
    summary: name === "postgres" ? summary : `The postgres target under the postgresql: scheme`,
    config: postgresConfigSpec(name),
    create: (config, host) =>
      // Defaults again here: `jsonColumn` and `tombstoneColumn` depend on other fields.
      createPostgresTarget(resolvePostgresConfig(config as unknown as Record<string, unknown>), host),
  });
}

/** `postgres`, and `postgresql` for URIs written with libpq's other scheme. */
const plugins: Plugin[] = [postgresTarget("postgres"), postgresTarget("postgresql")] as Plugin[];
export default plugins;
