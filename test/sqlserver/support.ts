/**
 * Helpers for the SQL Server target's tests: a host as the engine builds it, envelopes, and a
 * TDS-fake handler that answers the target's catalog query for a described table.
 *
 * @module
 */

import { envelopes, userEvent as sharedUserEvent } from "../../plugins/shared/table-mapping/test-support.ts";
import { resolveSqlServerConfig } from "../../plugins/sqlserver/config.ts";
import { CATALOG_SQL } from "../../plugins/sqlserver/statements.ts";
import { createSqlServerTarget } from "../../plugins/sqlserver/target.ts";
import { createHost } from "../../src/host/create-host.ts";
import type { EventBridgeEvent, Host } from "../../src/sdk/index.ts";
import type { TdsHandler, TdsRequest, TdsResponse, TdsResultSet } from "../fakes/tds-server.ts";

/** A real host; `lines` collects what the plugin logs. */
export function sqlServerTestHost(options: { dryRun?: boolean; signal?: AbortSignal } = {}): {
  host: Host;
  lines: string[];
} {
  const lines: string[] = [];
  const host = createHost({
    pluginName: "sqlserver",
    dryRun: options.dryRun ?? false,
    signal: options.signal ?? new AbortController().signal,
    baseDir: "/tmp",
    aws: {},
    verbose: true,
    stderr: { write: (text: string) => lines.push(text) },
  });
  return { host, lines };
}

/** A user event: `detail.userId`, plus the given detail fields, with an id unique to each call. */
export function userEvent(
  userId: unknown,
  detail: Record<string, unknown> = {},
  detailType = "UserUpdated",
): EventBridgeEvent {
  return sharedUserEvent(userId, detail, detailType, { uniqueId: true });
}

export { envelopes };

/** A column of a described table. */
export interface FakeColumn {
  name: string;
  /** System type name as TYPE_NAME() gives it. */
  type: string;
  /** Bytes (-1 for max); defaults from the type. */
  maxLength?: number;
  precision?: number;
  scale?: number;
  nullable?: boolean;
  identity?: boolean;
  computed?: boolean;
  hasDefault?: boolean;
  collation?: string | null;
}

/** A table the fake describes in its catalog. */
export interface FakeTable {
  columns: FakeColumn[];
  /** Primary key columns. */
  primaryKey?: string[];
  /** Other unique indexes: name → columns. */
  uniqueIndexes?: Record<string, string[]>;
  /** Permissions; all granted by default. */
  permissions?: Partial<Record<"insert" | "update" | "delete" | "select", boolean>>;
}

/** The catalog query's three result sets for `table` (or a missing table). */
export function catalogAnswer(table: FakeTable | undefined): TdsResponse {
  const perms = table?.permissions ?? {};
  const allowed = (p: keyof NonNullable<FakeTable["permissions"]>) =>
    table === undefined ? null : perms[p] === false ? 0 : 1;
  const object: TdsResultSet = {
    columns: ["object_id", "any_object_id", "can_insert", "can_update", "can_delete", "can_select"].map(
      (name) => ({
        name,
        type: "int" as const,
      }),
    ),
    rows: [
      [
        table ? 4242 : null,
        table ? 4242 : null,
        allowed("insert"),
        allowed("update"),
        allowed("delete"),
        allowed("select"),
      ],
    ],
  };
  const columns: TdsResultSet = {
    columns: [
      { name: "name", type: "nvarchar" },
      { name: "type", type: "nvarchar" },
      { name: "max_length", type: "int" },
      { name: "precision", type: "int" },
      { name: "scale", type: "int" },
      { name: "is_nullable", type: "bit" },
      { name: "is_identity", type: "bit" },
      { name: "is_computed", type: "bit" },
      { name: "collation_name", type: "nvarchar" },
      { name: "has_default", type: "bit" },
    ],
    rows: (table?.columns ?? []).map((c) => {
      const character = /char/.test(c.type);
      return [
        c.name,
        c.type,
        c.maxLength ?? defaultLength(c.type),
        c.precision ?? 0,
        c.scale ?? 0,
        c.nullable ?? true,
        c.identity ?? false,
        c.computed ?? false,
        c.collation === undefined ? (character ? "Latin1_General_CI_AS" : null) : c.collation,
        c.hasDefault ?? false,
      ];
    }),
  };
  const indexRows: Array<[string, boolean, string]> = [];
  for (const column of table?.primaryKey ?? []) indexRows.push(["PK_t", true, column]);
  for (const [name, cols] of Object.entries(table?.uniqueIndexes ?? {}))
    for (const c of cols) indexRows.push([name, false, c]);
  const indexes: TdsResultSet = {
    columns: [
      { name: "index_name", type: "nvarchar" },
      { name: "is_primary_key", type: "bit" },
      { name: "column_name", type: "nvarchar" },
    ],
    rows: indexRows,
  };
  return { resultSets: [object, columns, indexes] };
}

function defaultLength(type: string): number {
  const sizes: Record<string, number> = {
    int: 4,
    bigint: 8,
    bit: 1,
    float: 8,
    datetime2: 8,
    nvarchar: -1,
    varchar: -1,
  };
  return sizes[type] ?? 8;
}

/** Whether a request is the target's catalog query. */
export function isCatalog(request: TdsRequest): boolean {
  return request.sql === CATALOG_SQL;
}

/** The merge's result sets: counts per action, and (guard) skipped batch indexes. */
export function mergeAnswer(counts: Record<string, number>, skipped?: number[]): TdsResponse {
  const sets: TdsResultSet[] = [
    {
      columns: [
        { name: "action", type: "nvarchar" },
        { name: "rows", type: "int" },
      ],
      rows: Object.entries(counts),
    },
  ];
  if (skipped !== undefined)
    sets.push({ columns: [{ name: "seq", type: "int" }], rows: skipped.map((s) => [s]) });
  return { resultSets: sets };
}

/**
 * A handler answering the catalog for `table` and merges with `merge` (default: counts of
 * nothing); other requests get the fake's default.
 */
export function tableHandler(
  table: () => FakeTable | undefined,
  merge: (request: TdsRequest) => TdsResponse | undefined | Promise<TdsResponse | undefined> = () =>
    mergeAnswer({}),
): TdsHandler {
  return (request) => {
    if (isCatalog(request)) return catalogAnswer(table());
    if (/\bMERGE\b/.test(request.sql)) return merge(request);
    return undefined;
  };
}

/** The users table most tests write: id nvarchar(64) PK, email, version bigint, deleted bit. */
export const USERS: FakeTable = {
  columns: [
    { name: "id", type: "nvarchar", maxLength: 128, nullable: false },
    { name: "email", type: "nvarchar", maxLength: -1 },
    { name: "version", type: "bigint" },
    { name: "deleted", type: "bit", nullable: false, hasDefault: true },
  ],
  primaryKey: ["id"],
};

/** A target on the fake at `port` with the given config over sensible defaults. */
export function fakeTarget(
  port: number,
  overrides: Record<string, unknown> = {},
  host = sqlServerTestHost().host,
) {
  const config = resolveSqlServerConfig({
    url: `sqlserver://sa:S3cret-pw@127.0.0.1:${port}/app`,
    encrypt: false,
    table: "users",
    key: { id: "$.detail.userId" },
    columns: { email: "$.detail.email" },
    connectTimeoutMs: 2000,
    requestTimeoutMs: 2000,
    ...overrides,
  });
  return createSqlServerTarget(config, host);
}
