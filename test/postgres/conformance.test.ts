/** The shared plugin conformance kit on the `postgres` target, without and with a version guard. */
import { afterAll, beforeAll } from "bun:test";
import type postgres from "postgres";
import plugins from "../../plugins/postgres/index.ts";
import type { TargetPlugin } from "../../src/sdk/index.ts";
import { type TargetInstance, targetConformance, testHost } from "../../src/sdk/testing/index.ts";
import {
  freshSchema,
  POSTGRES_HOOK_TIMEOUT_MS,
  type PostgresServer,
  postgresServer,
} from "../services/postgres.ts";
import { ident } from "./support.ts";

const plugin = plugins[0] as unknown as TargetPlugin;
let server: PostgresServer;
let sql: postgres.Sql;

beforeAll(async () => {
  server = await postgresServer();
  sql = server.client();
}, POSTGRES_HOOK_TIMEOUT_MS);

afterAll(async () => {
  await sql?.end();
});

const mapping = {
  table: "items",
  key: { key: "$.detail.key" },
  columns: { n: "$.detail.n", version: "$.detail.version", value: "$.detail.value" },
  types: { n: "INTEGER", version: "INTEGER" },
  deleteWhen: { "detail-type": ["Item Deleted"] },
  createTable: true,
};

function subject(name: string, extra: Record<string, unknown>) {
  return {
    name,
    kind: "storage" as const,
    async make({ dryRun }: { dryRun: boolean }): Promise<TargetInstance> {
      const schema = await freshSchema(server, "kit");
      const target = await plugin.create(
        { url: server.url, schema, ...mapping, ...extra } as never,
        testHost({ dryRun }),
      );
      return {
        target,
        async state() {
          const found = await sql.unsafe("SELECT to_regclass($1) IS NOT NULL AS found", [
            `${ident(schema)}.items`,
          ]);
          if (!found[0]?.found) return [];
          return (await sql.unsafe(`SELECT * FROM ${ident(schema)}.items ORDER BY key`)).map((row) => ({
            ...row,
          }));
        },
      };
    },
    invalidEvents: () => [
      {
        version: "0",
        id: "no-key",
        "detail-type": "Item Saved",
        source: "conformance.kit",
        account: "123456789012",
        time: "2024-01-01T00:00:00Z",
        region: "us-east-1",
        resources: [],
        detail: { n: 1, version: 1 },
      },
    ],
    makeBroken: async () =>
      plugin.create(
        { url: server.url, ...mapping, schema: "no such schema", createTable: false } as never,
        testHost(),
      ),
  };
}

targetConformance(subject("postgres (deletes)", {}));
targetConformance(subject("postgres (version guard, tombstones)", { ifNewer: "version" }));
