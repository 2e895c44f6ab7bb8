import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type postgres from "postgres";
import {
  freshSchema,
  POSTGRES_HOOK_TIMEOUT_MS,
  type PostgresServer,
  postgresServer,
} from "../services/postgres.ts";
import { seededRandom } from "../support/seeded-random.ts";
import { chunks, envelopes, ident, openTarget, userEvent, writeAll } from "./support.ts";

let server: PostgresServer;
let sql: postgres.Sql;

beforeAll(async () => {
  server = await postgresServer();
  sql = server.client();
}, POSTGRES_HOOK_TIMEOUT_MS);

afterAll(async () => {
  await sql?.end();
});

describe("postgres target: writes", () => {
  test("whole events keyed by id into a created table; a re-run changes nothing", async () => {
    const schema = await freshSchema(server);
    const target = await openTarget(server, { schema, table: "events", createTable: true });
    const batch = envelopes(
      [userEvent(1), { ...userEvent(2), id: "b" }, { ...userEvent(3), id: "c" }].map((e, i) => ({
        ...e,
        id: `id-${i}`,
      })),
    );
    const first = await target.write(batch);
    expect(first).toEqual({ failures: [] });
    const rows = await sql.unsafe(`SELECT id, event FROM ${ident(schema)}.events ORDER BY id`);
    expect(rows.map((r) => r.id)).toEqual(["id-0", "id-1", "id-2"]);
    expect(rows[0]!.event).toEqual(batch[0]!.event);
    const before = await sql.unsafe(`SELECT xmin::text AS x FROM ${ident(schema)}.events ORDER BY id`);
    expect(await target.write(batch)).toEqual({ failures: [] });
    const after = await sql.unsafe(`SELECT id, event FROM ${ident(schema)}.events ORDER BY id`);
    expect(after).toEqual(rows);
    expect(before.length).toBe(3);
    await target.close?.();
  });
});
