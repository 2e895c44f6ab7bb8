/**
 * The `postgres` target's configuration: the connection (URL, schema, TLS, pool size), the shared
 * table-mapping fields with the version guard, and the URI form `postgres://…/db#<table>`.
 *
 * @module
 */
import type { ConfigField, ConfigSpec } from "../../src/sdk/index.ts";
import { PluginError } from "../../src/sdk/index.ts";
import {
  JSON_TYPE,
  type TableMappingConfig,
  tableMappingFields,
  tableMappingProblems,
  withMappingDefaults,
} from "../shared/table-mapping/config.ts";

/** Declared types accepted in `types`. `JSON` columns are created `jsonb` and hold JSON. */
export const POSTGRES_TYPES = [
  "TEXT",
  "INTEGER",
  "BIGINT",
  "NUMERIC",
  "DOUBLE PRECISION",
  "BOOLEAN",
  "TIMESTAMPTZ",
  "DATE",
  "UUID",
  JSON_TYPE,
] as const;

/** How the connection uses TLS (libpq's `sslmode` names). */
export type TlsMode = "disable" | "prefer" | "require" | "verify-full";

/** The `postgres` target's config, after defaults. */
export interface PostgresTargetConfig extends TableMappingConfig {
  /** `postgres://user:password@host:port/database`: a secret (it holds the password). */
  url: string;
  /** Schema of the table; without it the server's search_path decides. */
  schema?: string;
  /** Connections in the pool: one per lane, so the most writes in flight. */
  connections: number;
  /** TLS settings; without them, what the URL's `sslmode` says (default: no TLS). */
  tls?: { mode?: TlsMode; caFile?: string };
  /** Milliseconds to wait for a connection. */
  connectTimeoutMs: number;
}

/** Default {@link PostgresTargetConfig.batchSize}: 5,000–20,000 rows per COPY+merge measured best. */
export const DEFAULT_POSTGRES_BATCH_SIZE = 5000;
/** Default {@link PostgresTargetConfig.connections}. */
export const DEFAULT_CONNECTIONS = 4;
/** Default {@link PostgresTargetConfig.connectTimeoutMs}. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/** A name the URI form accepts after `#`; other names go in a pipeline file's `table` field. */
const PLAIN_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The mapping features PostgreSQL implements. */
export const POSTGRES_MAPPING_FEATURES = {
  versionGuard: true,
  defaultTypes: "Columns default to text, the whole-event JSON column to jsonb.",
  booleans: "as boolean",
} as const;

/** Applies defaults to host-validated config. */
export function resolvePostgresConfig(raw: Record<string, unknown>): PostgresTargetConfig {
  const config: PostgresTargetConfig = {
    ...withMappingDefaults(raw),
    batchSize: (raw.batchSize as number | undefined) ?? DEFAULT_POSTGRES_BATCH_SIZE,
    url: raw.url as string,
    connections: (raw.connections as number | undefined) ?? DEFAULT_CONNECTIONS,
    connectTimeoutMs: (raw.connectTimeoutMs as number | undefined) ?? DEFAULT_CONNECT_TIMEOUT_MS,
  };
  if (raw.schema !== undefined) config.schema = raw.schema as string;
  if (raw.tls !== undefined) config.tls = raw.tls as PostgresTargetConfig["tls"] & object;
  return config;
}

/** Problems with a config, each naming its field. Never quotes the URL (it holds a password). */
export function postgresConfigProblems(config: PostgresTargetConfig): string[] {
  const problems: string[] = [];
  if (typeof config.url !== "string" || !/^postgres(ql)?:\/\//.test(config.url)) {
    problems.push("url: must be a postgres://user:password@host:port/database URL");
  }
  if (config.schema !== undefined && (config.schema === "" || config.schema.includes("\0"))) {
    problems.push("schema: must be a non-empty name without NUL characters");
  }
  if (!Number.isInteger(config.connections) || config.connections < 1) {
    problems.push("connections: must be a whole number ≥ 1");
  }
  if (!Number.isInteger(config.connectTimeoutMs) || config.connectTimeoutMs < 1) {
    problems.push("connectTimeoutMs: must be a whole number of milliseconds ≥ 1");
  }
  const mode = config.tls?.mode;
  if (mode !== undefined && !["disable", "prefer", "require", "verify-full"].includes(mode)) {
    problems.push('tls.mode: must be "disable", "prefer", "require" or "verify-full"');
  }
  if (config.tls?.caFile !== undefined && mode !== undefined && mode !== "verify-full") {
    problems.push('tls.caFile: only used with tls.mode "verify-full"');
  }
  return [...problems, ...tableMappingProblems(config, POSTGRES_TYPES, POSTGRES_MAPPING_FEATURES)];
}

/**
 * Parses the part of `postgres://user:pw@host:port/db#<table>` after the scheme's colon
 * (`#<schema>.<table>` also works for plain names). `scheme` is `postgres` or `postgresql`.
 * Errors show the URI without its password.
 */
export function postgresFromUri(rest: string, scheme = "postgres"): Record<string, unknown> {
  const uri = `${scheme}:${rest}`;
  const shown = uri.replace(/(\/\/)[^/@\s?#]*@/, "$1…@");
  const hash = rest.lastIndexOf("#");
  if (hash < 0) {
    throw new PluginError(
      `expected ${scheme}://user:password@host:port/database#<table>: the #<table> is missing`,
      shown,
    );
  }
  const url = uri.slice(0, scheme.length + 1 + hash);
  const target = rest.slice(hash + 1);
  if (!rest.startsWith("//")) {
    throw new PluginError(`expected ${scheme}://user:password@host:port/database#<table>`, shown);
  }
  const parts = target.split(".");
  if (parts.length > 2 || !parts.every((part) => PLAIN_IDENTIFIER.test(part))) {
    throw new PluginError(
      `table ${JSON.stringify(target)} is not a plain name or schema.name (letters, digits, _); ` +
        "give other names in a pipeline file's `table` and `schema` fields",
      shown,
    );
  }
  return parts.length === 2 ? { url, schema: parts[0], table: parts[1] } : { url, table: parts[0] };
}

const connectionFields: Record<string, ConfigField> = {
  url: {
    type: "string",
    required: true,
    secret: true,
    description:
      "Connection URL postgres://user:password@host:port/database (libpq query parameters such as " +
      "sslmode are honoured). A secret: it is never printed; in a pipeline file write it from the " +
      "environment (url: $" +
      "{env:PG_URL}).",
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a pipeline file's ${ENV} substitution, literally
    example: "postgres://app:${env:PG_PASSWORD}@db.internal:5432/app",
  },
  schema: {
    type: "string",
    description:
      "Schema of the table (quoted, case-sensitive). Without it, the server's search_path decides.",
    example: "public",
  },
  connections: {
    type: "integer",
    description:
      "Connections in the pool, one per lane: the most batches written at once (the engine orders events per row key across lanes).",
    default: DEFAULT_CONNECTIONS,
    minimum: 1,
  },
  tls: {
    type: "object",
    description: "TLS for the connection. Without it, the URL's sslmode decides (no TLS by default).",
    fields: {
      mode: {
        type: "string",
        enum: ["disable", "prefer", "require", "verify-full"],
        description:
          "disable: plain TCP; prefer: TLS if the server offers it; require: TLS without checking the " +
          "certificate; verify-full: TLS with the certificate checked against the host name and the CA.",
      },
      caFile: {
        type: "string",
        description: "PEM file of the CA to trust with verify-full (relative to the pipeline file's folder).",
        example: "certs/rds-ca.pem",
      },
    },
    example: { mode: "verify-full", caFile: "certs/ca.pem" },
  },
  connectTimeoutMs: {
    type: "integer",
    description: "Milliseconds to wait for a connection before the batch fails as retryable.",
    default: DEFAULT_CONNECT_TIMEOUT_MS,
    minimum: 1,
  },
};

const mappingFields = tableMappingFields(POSTGRES_TYPES, POSTGRES_MAPPING_FEATURES);

/** The `postgres` config spec (also its `plugins describe` documentation). */
export function postgresConfigSpec(scheme: "postgres" | "postgresql"): ConfigSpec {
  return {
    fields: {
      ...connectionFields,
      ...mappingFields,
      batchSize: {
        ...(mappingFields.batchSize as ConfigField),
        description:
          "Most events in one write: one COPY into a stage and one merge, in one transaction. Within a batch the events of a key collapse as if applied one by one.",
        default: DEFAULT_POSTGRES_BATCH_SIZE,
      },
      createTable: {
        type: "boolean",
        description:
          "Create the table when it does not exist: key columns as PRIMARY KEY (the unique index ON CONFLICT needs), untyped columns text, the JSON column jsonb, the tombstone column boolean.",
        default: false,
      },
    },
    fromUri: (rest) => postgresFromUri(rest, scheme),
    examples: [
      [
        "Whole events keyed by id into table events (id text PRIMARY KEY, event jsonb), created if missing",
        `${scheme}://app:secret@localhost:5432/app#events`,
      ],
      [
        "A pipeline file's target: mapped columns, a version guard, deletes as tombstones",
        JSON.stringify({
          uri: `${scheme}://app:\${env:PG_PASSWORD}@db:5432/app#users`,
          key: { id: "$.detail.userId" },
          columns: { email: "$.detail.email", version: "$.detail.version" },
          types: { version: "BIGINT" },
          ifNewer: "version",
          deleteWhen: { "detail-type": ["UserDeleted"] },
          createTable: true,
        }),
      ],
    ],
    validate: (config) => postgresConfigProblems(resolvePostgresConfig(config)),
  };
}
