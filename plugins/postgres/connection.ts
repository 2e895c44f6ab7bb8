/**
 * Builds `postgres` (postgres.js) clients from the target's config: the pool for writing and a
 * read-only one-connection client for checks. The URL is a secret: it is never logged, and
 * errors are shown with {@link describeServer} instead.
 *
 * @module
 */
import { readFileSync } from "node:fs";
import postgres from "postgres";
import { type Host, PluginError } from "../../src/sdk/index.ts";
import type { PostgresTargetConfig } from "./config.ts";

/** `host:port/database` of the URL, for messages: no user, no password. */
export function describeServer(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname || "localhost"}:${parsed.port || "5432"}${parsed.pathname || "/"}`;
  } catch {
    return "the configured server";
  }
}

/** postgres.js's `ssl` option for the config's TLS settings (undefined: the URL's sslmode). */
function tlsOption(config: PostgresTargetConfig, host: Host): postgres.Options<never>["ssl"] {
  const mode = config.tls?.mode;
  if (mode === undefined) return undefined;
  if (mode === "disable") return false;
  if (mode === "prefer" || mode === "require") return mode;
  const caFile = config.tls?.caFile;
  if (caFile === undefined) return "verify-full";
  const path = host.resolvePath(caFile);
  try {
    return { ca: readFileSync(path, "utf8"), rejectUnauthorized: true };
  } catch (error) {
    throw new PluginError(
      `cannot read the CA file: ${error instanceof Error ? error.message : String(error)}`,
      `tls.caFile ${path}`,
    );
  }
}

/**
 * A client. `readOnly` makes every transaction read-only on the server (checks and dry runs can
 * then never write, whatever runs on that connection).
 */
export function createClient(
  config: PostgresTargetConfig,
  host: Host,
  options: { max: number; readOnly?: boolean },
): postgres.Sql {
  const ssl = tlsOption(config, host);
  return postgres(config.url, {
    max: options.max,
    ...(ssl !== undefined ? { ssl } : {}),
    connect_timeout: Math.max(1, Math.ceil(config.connectTimeoutMs / 1000)),
    idle_timeout: 60,
    // Notices ("relation already exists, skipping") are noise here.
    onnotice: () => {},
    // Array type discovery costs a query per connection and this target binds no arrays.
    fetch_types: false,
    // Startup parameters; postgres.js's type lists only a few, the server accepts any setting.
    connection: {
      application_name: `rehydrate ${host.version}`,
      ...(options.readOnly ? { default_transaction_read_only: "on" } : {}),
    } as unknown as Partial<postgres.ConnectionParameters>,
  });
}
