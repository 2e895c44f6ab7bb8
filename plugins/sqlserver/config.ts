/**
 * The `sqlserver:` target's configuration: the connection (a URL whose password is a secret),
 * TLS options, lanes, how batches are staged, and the shared table-mapping fields with the
 * version guard. URI form: `sqlserver://user:password@host:port/database?encrypt=false#table`
 * (`mssql://…` is accepted too).
 *
 * @module
 */
import { type ConfigField, type ConfigSpec, PluginError } from "../../src/sdk/index.ts";
import {
  type TableMappingConfig,
  type TableMappingFeatures,
  tableMappingFields,
  tableMappingProblems,
  withMappingDefaults,
} from "../shared/table-mapping/config.ts";
import { parseSqlType, SQLSERVER_TYPE_NAMES } from "./column-types.ts";

/** How a batch reaches the `#stage` table. */
export type StageMode = "auto" | "bulk" | "values";

/** The target's config, after defaults. */
export interface SqlServerTargetConfig extends TableMappingConfig {
  /** `sqlserver://user:password@host:port/database[?encrypt=…&trustServerCertificate=…&instanceName=…]`. */
  url: string;
  /** Overrides the URL's password (e.g. `${env:MSSQL_PASSWORD}`). */
  password?: string;
  /** The table's schema. */
  schema: string;
  /** Require TLS (SQL Server's `Encrypt`). */
  encrypt: boolean;
  /** Accept any server certificate (self-signed development servers). */
  trustServerCertificate: boolean;
  /** Writes in flight, each on its own connection. */
  lanes: number;
  connectTimeoutMs: number;
  requestTimeoutMs: number;
  stage: StageMode;
  /** Rows per bulk-load request (bounds the memory mssql's table helper holds). */
  bulkChunkRows: number;
}

/** Default {@link SqlServerTargetConfig.lanes}: writes in flight, one connection each. */
export const DEFAULT_LANES = 4;
/** Default batch size: large enough that the bulk path's round trips are amortised. */
export const DEFAULT_SQLSERVER_BATCH_SIZE = 2000;
/** Default {@link SqlServerTargetConfig.bulkChunkRows}. */
export const DEFAULT_BULK_CHUNK_ROWS = 5000;
/** Default {@link SqlServerTargetConfig.connectTimeoutMs} (tedious's own default is 15 s too). */
export const DEFAULT_CONNECT_TIMEOUT_MS = 15_000;
/** Default {@link SqlServerTargetConfig.requestTimeoutMs}. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

/** What the shared mapping offers this backend. */
export const SQLSERVER_MAPPING_FEATURES: TableMappingFeatures = {
  versionGuard: true,
  defaultKeyType: "NVARCHAR(450)",
  booleans: "as bit 1/0 in bit and numeric columns and true/false in text columns",
};

/** A pipeline-file placeholder for the password, for examples (not a JS template). */
const PASSWORD_PLACEHOLDER = "$" + "{env:MSSQL_PASSWORD}";

const PLAIN_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const URL_OPTIONS = new Set(["encrypt", "trustServerCertificate", "instanceName"]);

/** The connection settings a URL holds. */
export interface SqlServerConnection {
  server: string;
  port?: number;
  instanceName?: string;
  database?: string;
  user?: string;
  password?: string;
  encrypt?: boolean;
  trustServerCertificate?: boolean;
}

/** Parses a `sqlserver://` or `mssql://` URL. Throws a PluginError naming the (redacted) URL. */
export function parseConnectionUrl(url: string, redact: (uri: string) => string): SqlServerConnection {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new PluginError(
      "not a URL such as sqlserver://user:password@host:1433/database",
      `url ${redact(url)}`,
    );
  }
  if (parsed.protocol !== "sqlserver:" && parsed.protocol !== "mssql:")
    throw new PluginError("must start with sqlserver:// or mssql://", `url ${redact(url)}`);
  if (parsed.hostname === "") throw new PluginError("has no host", `url ${redact(url)}`);
  const connection: SqlServerConnection = { server: parsed.hostname.replace(/^\[|\]$/g, "") };
  if (parsed.port !== "") connection.port = Number(parsed.port);
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ""));
  if (database !== "") connection.database = database;
  if (parsed.username !== "") connection.user = decodeURIComponent(parsed.username);
  if (parsed.password !== "") connection.password = decodeURIComponent(parsed.password);
  for (const [name, value] of parsed.searchParams) {
    if (!URL_OPTIONS.has(name))
      throw new PluginError(
        `unknown option "${name}" (known: ${[...URL_OPTIONS].join(", ")})`,
        `url ${redact(url)}`,
      );
    if (name === "instanceName") connection.instanceName = value;
    else if (value === "true" || value === "false") connection[name as "encrypt"] = value === "true";
    else throw new PluginError(`option "${name}" must be true or false`, `url ${redact(url)}`);
  }
  return connection;
}

/** Applies defaults to host-validated config; URL options fill what the fields leave unset. */
export function resolveSqlServerConfig(raw: Record<string, unknown>): SqlServerTargetConfig {
  const withBatch = { ...raw, batchSize: raw.batchSize ?? DEFAULT_SQLSERVER_BATCH_SIZE };
  const config: SqlServerTargetConfig = {
    ...withMappingDefaults(withBatch),
    url: raw.url as string,
    schema: (raw.schema as string | undefined) ?? "dbo",
    encrypt: (raw.encrypt as boolean | undefined) ?? urlFlag(raw.url, "encrypt") ?? true,
    trustServerCertificate:
      (raw.trustServerCertificate as boolean | undefined) ??
      urlFlag(raw.url, "trustServerCertificate") ??
      false,
    lanes: (raw.lanes as number | undefined) ?? DEFAULT_LANES,
    connectTimeoutMs: (raw.connectTimeoutMs as number | undefined) ?? DEFAULT_CONNECT_TIMEOUT_MS,
    requestTimeoutMs: (raw.requestTimeoutMs as number | undefined) ?? DEFAULT_REQUEST_TIMEOUT_MS,
    stage: (raw.stage as StageMode | undefined) ?? "auto",
    bulkChunkRows: (raw.bulkChunkRows as number | undefined) ?? DEFAULT_BULK_CHUNK_ROWS,
  };
  if (typeof raw.password === "string") config.password = raw.password;
  return config;
}

function urlFlag(url: unknown, name: string): boolean | undefined {
  if (typeof url !== "string") return undefined;
  try {
    const value = new URL(url).searchParams.get(name);
    return value === "true" ? true : value === "false" ? false : undefined;
  } catch {
    return undefined;
  }
}

/** Problems with a config, each naming its field. Never prints the password. */
export function sqlServerConfigProblems(
  config: SqlServerTargetConfig,
  redact: (uri: string) => string = redactPassword,
): string[] {
  const problems: string[] = [];
  if (typeof config.url !== "string" || config.url === "") problems.push("url: must be a sqlserver:// URL");
  else {
    try {
      const connection = parseConnectionUrl(config.url, redact);
      if (connection.user === undefined)
        problems.push(
          "url: needs a user (SQL Server authentication: sqlserver://user:password@host/database)",
        );
    } catch (error) {
      problems.push(error instanceof Error ? error.message : String(error));
    }
  }
  if (typeof config.schema !== "string" || config.schema === "" || config.schema.includes("\0"))
    problems.push("schema: must be a non-empty name");
  for (const field of ["lanes", "bulkChunkRows"] as const) {
    if (!Number.isInteger(config[field]) || config[field] < 1)
      problems.push(`${field}: must be a whole number ≥ 1`);
  }
  for (const field of ["connectTimeoutMs", "requestTimeoutMs"] as const) {
    if (!Number.isInteger(config[field]) || config[field] < 1)
      problems.push(`${field}: must be a whole number of milliseconds ≥ 1`);
  }
  // `types` take SQL Server's sized names (nvarchar(100), decimal(18,2)), checked here rather
  // than against the shared mapping's list of exact names.
  const { types, ...untyped } = config;
  problems.push(...tableMappingProblems(untyped, SQLSERVER_TYPE_NAMES, SQLSERVER_MAPPING_FEATURES));
  const mapped = new Set(
    [
      ...Object.keys(config.key ?? {}),
      ...Object.keys(config.columns ?? {}),
      ...(config.jsonColumn !== undefined ? [config.jsonColumn] : []),
      ...(config.tombstoneColumn !== undefined ? [config.tombstoneColumn] : []),
    ].map((c) => c.toLowerCase()),
  );
  for (const [column, type] of Object.entries(types ?? {})) {
    if (!mapped.has(column.toLowerCase()))
      problems.push(
        `types.${column}: "${column}" is not a mapped column (key, columns, jsonColumn or tombstoneColumn)`,
      );
    if (typeof type !== "string" || parseSqlType(type) === undefined)
      problems.push(
        `types.${column}: ${JSON.stringify(type)} is not a SQL Server type this target writes (${SQLSERVER_TYPE_NAMES.join(", ")})`,
      );
  }
  if (config.createTable && config.ifNewer !== undefined && types?.[config.ifNewer] === undefined) {
    problems.push(
      `types.${config.ifNewer}: createTable needs the version column's type (BIGINT for numbers, DATETIME2 or NVARCHAR(64) for ISO times), ` +
        "since versions compare by it",
    );
  }
  return problems;
}

/** Replaces `user:password@` in a URL (fallback when no host helper is at hand). */
function redactPassword(uri: string): string {
  return uri.replace(/\/\/[^/@]*@/, "//…@");
}

/** Parses the part of `sqlserver:<rest>` after the scheme: `//…#table` or `//…#schema.table`. */
export function sqlServerFromUri(scheme: "sqlserver" | "mssql"): (rest: string) => Record<string, unknown> {
  return (rest) => {
    const hash = rest.lastIndexOf("#");
    const shown = redactPassword(`${scheme}:${rest}`);
    if (hash < 0)
      throw new PluginError(
        `expected ${scheme}://user:password@host:port/database#<table>: the #<table> is missing`,
        shown,
      );
    const url = `${scheme}:${rest.slice(0, hash)}`;
    const table = rest.slice(hash + 1);
    const parts = table.split(".");
    if (parts.length > 2 || !parts.every((part) => PLAIN_IDENTIFIER.test(part))) {
      throw new PluginError(
        `table ${JSON.stringify(table)} is not a plain name or schema.name (letters, digits, _); ` +
          "give other names in a pipeline file's `table` and `schema` fields",
        shown,
      );
    }
    return parts.length === 2 ? { url, schema: parts[0], table: parts[1] } : { url, table };
  };
}

/** The config spec (also the `plugins describe` documentation). */
export function sqlServerConfigSpec(scheme: "sqlserver" | "mssql"): ConfigSpec {
  const mapping = tableMappingFields(SQLSERVER_TYPE_NAMES, SQLSERVER_MAPPING_FEATURES);
  const fields: Record<string, ConfigField> = {
    url: {
      type: "string",
      required: true,
      secret: true,
      description:
        "The server: sqlserver://user:password@host:port/database (mssql:// too), with optional " +
        "?encrypt=, ?trustServerCertificate= and ?instanceName=. A secret: never printed.",
      example: `sqlserver://rehydrate:${PASSWORD_PLACEHOLDER}@db.example.com:1433/app`,
    },
    password: {
      type: "string",
      secret: true,
      description: `The password, overriding the URL's (e.g. ${PASSWORD_PLACEHOLDER}).`,
    },
    schema: { type: "string", description: "The table's schema.", default: "dbo" },
    ...mapping,
    batchSize: { ...mapping.batchSize!, default: DEFAULT_SQLSERVER_BATCH_SIZE },
    types: {
      ...mapping.types!,
      description:
        `Column types for createTable: column → ${SQLSERVER_TYPE_NAMES.join(", ")} (JSON is nvarchar(max)). ` +
        "Key columns default to nvarchar(450) (split between composite keys, to stay within 900 key bytes), " +
        "others to nvarchar(max); the ifNewer column needs one.",
      example: { id: "NVARCHAR(64)", version: "BIGINT", updated_at: "DATETIME2" },
    },
    encrypt: {
      type: "boolean",
      description: "Require TLS to the server. Default true (or the URL's ?encrypt=).",
      default: true,
    },
    trustServerCertificate: {
      type: "boolean",
      description:
        "Accept the server's certificate without verifying it (self-signed development servers only). " +
        "Default false (or the URL's ?trustServerCertificate=).",
      default: false,
    },
    lanes: {
      type: "integer",
      minimum: 1,
      default: DEFAULT_LANES,
      description: "Writes in flight at once, each on its own connection (the pool has this many).",
    },
    connectTimeoutMs: {
      type: "integer",
      minimum: 1,
      default: DEFAULT_CONNECT_TIMEOUT_MS,
      description: "Login timeout.",
    },
    requestTimeoutMs: {
      type: "integer",
      minimum: 1,
      default: DEFAULT_REQUEST_TIMEOUT_MS,
      description: "Timeout of one request; a timed-out batch is rolled back and retried.",
    },
    stage: {
      type: "string",
      enum: ["auto", "bulk", "values"],
      default: "auto",
      description:
        "How a batch reaches the #stage table: bulk load (6 round trips, any size), one request with " +
        "parameters (1 round trip, when the batch fits 2,100 parameters), or auto (values up to 100 rows, else bulk).",
    },
    bulkChunkRows: {
      type: "integer",
      minimum: 1,
      default: DEFAULT_BULK_CHUNK_ROWS,
      description: "Rows per bulk-load request into the stage.",
    },
  };
  // The host applies spec defaults before create; encrypt/trustServerCertificate must stay unset
  // so the URL's options can fill them, so their defaults are documented, not declared.
  delete fields.encrypt!.default;
  delete fields.trustServerCertificate!.default;
  return {
    fields,
    fromUri: sqlServerFromUri(scheme),
    examples: [
      [
        "Whole events keyed by id into an existing table dbo.events (id PRIMARY KEY, event nvarchar(max))",
        `${scheme}://rehydrate:secret@localhost:1433/app?encrypt=false#events`,
      ],
      [
        "A pipeline target: mapped columns, version guard, tombstones, table created",
        JSON.stringify({
          uri: `${scheme}://rehydrate@db:1433/app#users`,
          password: PASSWORD_PLACEHOLDER,
          key: { id: "$.detail.userId" },
          columns: { email: "$.detail.email", version: "$.detail.version" },
          types: { id: "NVARCHAR(64)", version: "BIGINT" },
          ifNewer: "version",
          deleteWhen: { "detail-type": ["UserDeleted"] },
          createTable: true,
        }),
      ],
    ],
    validate: (config) => sqlServerConfigProblems(resolveSqlServerConfig(config)),
  };
}
