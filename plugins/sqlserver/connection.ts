/**
 * The `mssql` connection pool of one target: settings from the config (the password never
 * leaves it), one connection per lane, and SQL Server types as the driver's type objects.
 * `mssql` is imported on first use, so `--help` and other targets do not load it.
 *
 * @module
 */
import type * as Mssql from "mssql";
import { PluginError } from "../../src/sdk/index.ts";
import type { SqlType } from "./column-types.ts";
import { parseConnectionUrl, type SqlServerTargetConfig } from "./config.ts";

/** The `mssql` module. */
export type MssqlModule = typeof Mssql;

let loaded: Promise<MssqlModule> | undefined;

/** Loads `mssql` once. */
export function loadMssql(): Promise<MssqlModule> {
  loaded ??= import("mssql").then(
    (module) => ((module as { default?: MssqlModule }).default ?? module) as MssqlModule,
  );
  return loaded;
}

/** The pool settings for `config`. */
export function poolConfig(config: SqlServerTargetConfig, redact: (uri: string) => string): Mssql.config {
  const connection = parseConnectionUrl(config.url, redact);
  const password = config.password ?? connection.password;
  return {
    server: connection.server,
    ...(connection.port !== undefined ? { port: connection.port } : {}),
    ...(connection.database !== undefined ? { database: connection.database } : {}),
    ...(connection.user !== undefined ? { user: connection.user } : {}),
    ...(password !== undefined ? { password } : {}),
    connectionTimeout: config.connectTimeoutMs,
    requestTimeout: config.requestTimeoutMs,
    options: {
      encrypt: config.encrypt,
      trustServerCertificate: config.trustServerCertificate,
      appName: "rehydrate",
      // SET XACT_ABORT ON for the session: any error, and a client timeout (attention), rolls the
      // whole transaction back instead of leaving it open on a pooled connection.
      abortTransactionOnError: true,
      ...(connection.instanceName !== undefined ? { instanceName: connection.instanceName } : {}),
    },
    // One connection per lane: a write holds its connection for its whole transaction.
    pool: { max: config.lanes, min: 0, idleTimeoutMillis: 30_000 },
  };
}

/** Opens a pool, turning a login or network failure into a one-line PluginError. */
export async function openPool(
  mssql: MssqlModule,
  config: SqlServerTargetConfig,
  redact: (uri: string) => string,
): Promise<Mssql.ConnectionPool> {
  const settings = poolConfig(config, redact);
  const pool = new mssql.ConnectionPool(settings);
  // An idle connection that dies emits 'error' on the pool; without a listener it would crash
  // the process. The next request then fails and is retried.
  pool.on("error", () => {});
  try {
    await pool.connect();
    return pool;
  } catch (error) {
    await pool.close().catch(() => {});
    const e = error as { message?: string; code?: string };
    const message = (e.message ?? String(error)).replace(/\s+/g, " ").trim();
    // Host and port only: the caller (the engine) names the target, whose URI is redacted.
    const server = `${settings.server}:${settings.port ?? 1433}`;
    throw new PluginError(`cannot connect to ${server}: ${message}${e.code ? ` (${e.code})` : ""}`);
  }
}

/** The driver's type object for a stage column's type. */
export function driverType(mssql: MssqlModule, type: SqlType): Mssql.ISqlType | (() => Mssql.ISqlType) {
  const length = type.length === "max" ? mssql.MAX : (type.length ?? 1);
  switch (type.base) {
    case "tinyint":
      return mssql.TinyInt;
    case "smallint":
      return mssql.SmallInt;
    case "int":
      return mssql.Int;
    case "bigint":
      return mssql.BigInt;
    case "bit":
      return mssql.Bit;
    case "float":
      return mssql.Float;
    case "decimal":
      return mssql.Decimal(type.precision ?? 18, type.scale ?? 0);
    case "varchar":
      return mssql.VarChar(length);
    case "char":
      return mssql.Char(length as number);
    case "nchar":
      return mssql.NChar(length as number);
    default:
      return mssql.NVarChar(length);
  }
}
