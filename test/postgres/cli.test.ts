/** End to end: `rehydrate run` → file source → pattern → `postgres` target, in-process. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type postgres from "postgres";
import {
  freshSchema,
  POSTGRES_HOOK_TIMEOUT_MS,
  type PostgresServer,
  postgresServer,
} from "../services/postgres.ts";
import { runCli } from "../support/cli.ts";
import { ident, userEvent } from "./support.ts";

let server: PostgresServer;
let sql: postgres.Sql;
let dir: string;

beforeAll(async () => {
  server = await postgresServer();
  sql = server.client();
  dir = mkdtempSync(join(tmpdir(), "rehydrate-pg-cli-"));
  const events = [
    userEvent("u1", { email: "one@x", v: 1 }, "UserCreated"),
    userEvent("u2", { email: "two@x", v: 1 }, "UserCreated"),
    userEvent("u1", { email: "uno@x", v: 2 }, "UserUpdated"),
    userEvent(undefined, { email: "nobody@x", v: 1 }, "UserUpdated"),
    userEvent("u2", { v: 2 }, "UserDeleted"),
    { ...userEvent("u3", { email: "three@x", v: 1 }, "UserCreated"), source: "other" },
  ];
  writeFileSync(join(dir, "events.ndjson"), `${events.map((e) => JSON.stringify(e)).join("\n")}\n`);
}, POSTGRES_HOOK_TIMEOUT_MS);

afterAll(async () => {
  await sql?.end();
  rmSync(dir, { recursive: true, force: true });
});

describe("rehydrate run → postgres", () => {
  test("a pipeline file: upserts, tombstones, the keyless event failed; the password never printed", async () => {
    const schema = await freshSchema(server, "cli");
    writeFileSync(
      join(dir, "pipeline.yaml"),
      [
        "source: file:events.ndjson",
        "pattern: { source: [users] }",
        "targets:",
        // The URL (a secret) from the environment, as the docs recommend.
        // biome-ignore lint/suspicious/noTemplateCurlyInString: the pipeline file's own ${env:…} syntax
        "  - uri: ${env:REHYDRATE_TEST_PG_URL}#users",
        `    schema: ${JSON.stringify(schema)}`,
        "    createTable: true",
        "    key: { id: $.detail.userId }",
        "    columns: { email: $.detail.email, v: $.detail.v }",
        "    types: { v: INTEGER }",
        "    ifNewer: v",
        "    deleteWhen: { detail-type: [UserDeleted] }",
      ].join("\n"),
    );
    process.env.REHYDRATE_TEST_PG_URL = server.url;
    const { code, stdout, stderr } = await runCli([
      "run",
      join(dir, "pipeline.yaml"),
      "--failed",
      join(dir, "failed.ndjson"),
    ]);
    expect(stderr).toContain("1 failed");
    expect(code).toBe(1);
    expect(`${stdout}${stderr}`).not.toContain(server.password);
    const rows = await sql.unsafe(`SELECT id, email, v, deleted FROM ${ident(schema)}.users ORDER BY id`);
    expect(rows.map((r) => ({ ...r }) as Record<string, unknown>)).toEqual([
      { id: "u1", email: "uno@x", v: 2, deleted: false },
      { id: "u2", email: null, v: 2, deleted: true },
    ]);
  });

  test("a plain --to URI writes whole events keyed by id into a table created beforehand", async () => {
    const schema = await freshSchema(server, "cli");
    await sql.unsafe(`CREATE TABLE ${ident(schema)}.events (id text PRIMARY KEY, event jsonb)`);
    await sql.unsafe(`ALTER ROLE ${server.user} SET search_path = ${ident(schema)}`);
    try {
      const { code, stderr } = await runCli([
        "run",
        "--from",
        join(dir, "events.ndjson"),
        "--to",
        `${server.url}#events`,
      ]);
      expect(stderr).not.toContain(server.password);
      expect(code).toBe(0);
    } finally {
      await sql.unsafe(`ALTER ROLE ${server.user} RESET search_path`);
    }
    const rows = await sql.unsafe(`SELECT id, event FROM ${ident(schema)}.events`);
    // Six events, four distinct event ids (the test events' ids derive from the user).
    expect(rows).toHaveLength(4);
    for (const row of rows) expect(row.event.id).toBe(row.id);
  });
});
