import { Database } from "bun:sqlite";
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { CheckResult, Host } from "../../src/sdk/index.ts";
import plugin from "./index.ts";
import { tempFolder, testHost } from "./test-support.ts";

let folder: ReturnType<typeof tempFolder>;
let host: Host;
let dbPath: string;
beforeEach(() => {
  folder = tempFolder();
  host = testHost({ baseDir: folder.dir, dryRun: true });
  dbPath = join(folder.dir, "state.db");
});
afterEach(() => folder.remove());

const mapping = {
  path: "state.db",
  table: "users",
  key: { id: "$.detail.userId" },
  columns: { email: "$.detail.email" },
};

function schema(...statements: string[]): void {
  const db = new Database(dbPath);
  for (const sql of statements) db.run(sql);
  db.close();
}

async function check(config: Record<string, unknown> = {}): Promise<CheckResult> {
  const target = await plugin.create({ ...mapping, ...config } as never, host);
  try {
    return await target.check();
  } finally {
    await target.close?.();
  }
}

/** The last detail line: where a failed check states its problem. */
const problem = (result: CheckResult) => result.details.at(-1);

describe("sqlite check", () => {
  test("a table that fits: file, table, columns and primary key are listed", async () => {
    schema("CREATE TABLE users (id TEXT PRIMARY KEY, email TEXT, other INTEGER)");
    const result = await check();
    expect(result).toEqual({
      ok: true,
      details: [
        `database file ${dbPath} exists`,
        'table "users" exists',
        "columns exist: id, email",
        "key (id) is the PRIMARY KEY",
      ],
    });
  });

  test("a missing file fails unless createTable, which creates missing folders under a real folder", async () => {
    expect(await check()).toMatchObject({ ok: false });
    expect(problem(await check())).toContain("does not exist (set createTable: true");
    const created = await check({ createTable: true });
    expect(created.ok).toBe(true);
    expect(created.details.join("\n")).toContain('CREATE TABLE IF NOT EXISTS "users"');
    const newFolder = await check({ createTable: true, path: "missing/deeper/state.db" });
    expect(newFolder.ok).toBe(true);
    expect(newFolder.details[0]).toBe(
      `folder ${join(folder.dir, "missing", "deeper")} does not exist yet; it will be created (createTable)`,
    );
    writeFileSync(join(folder.dir, "plain"), "x");
    const underFile = await check({ createTable: true, path: "plain/state.db" });
    expect(underFile.ok).toBe(false);
    expect(problem(underFile)).toBe(
      `${join(folder.dir, "plain")} is not a folder, so ${join(folder.dir, "plain", "state.db")} cannot be created`,
    );
  });

  test("a missing table fails unless createTable", async () => {
    schema("CREATE TABLE other (x)");
    const result = await check();
    expect(result.ok).toBe(false);
    expect(problem(result)).toBe('table "users" does not exist (set createTable: true to create it)');
    expect((await check({ createTable: true })).ok).toBe(true);
  });

  test("a missing column is named with the table's columns", async () => {
    schema("CREATE TABLE users (id TEXT PRIMARY KEY, mail TEXT)");
    const result = await check();
    expect(result.ok).toBe(false);
    expect(problem(result)).toBe(
      'column "email" (mapped from $.detail.email) does not exist in table "users"; its columns are: id, mail',
    );
  });

  test("key columns without PRIMARY KEY or UNIQUE index fail; a UNIQUE index passes", async () => {
    schema("CREATE TABLE users (id TEXT, email TEXT)");
    const result = await check();
    expect(result.ok).toBe(false);
    expect(problem(result)).toContain(
      "key columns (id) are neither the PRIMARY KEY (none) nor a UNIQUE index",
    );
    schema("CREATE UNIQUE INDEX users_id ON users (id) WHERE id > 'm'");
    expect((await check()).ok).toBe(false); // a partial index cannot serve ON CONFLICT
    schema("CREATE UNIQUE INDEX users_id_full ON users (id)");
    const fixed = await check();
    expect(fixed.ok).toBe(true);
    expect(fixed.details).toContain('key (id) has UNIQUE index "users_id_full"');
  });

  test("a composite key matches the primary key in any order and any case", async () => {
    schema("CREATE TABLE users (tenant TEXT, ID TEXT, email TEXT, PRIMARY KEY (tenant, ID))");
    expect((await check({ key: { id: "$.detail.userId", Tenant: "$.detail.t" } })).ok).toBe(true);
    expect((await check({ key: { id: "$.detail.userId" } })).ok).toBe(false);
  });

  test("an unmapped NOT NULL column without default, a view, and a non-database file fail", async () => {
    schema("CREATE TABLE users (id TEXT PRIMARY KEY, email TEXT, name TEXT NOT NULL)");
    expect(problem(await check())).toContain('column "name" of table "users" is NOT NULL without a default');
    schema(
      "DROP TABLE users",
      "CREATE TABLE base (id TEXT PRIMARY KEY, email TEXT)",
      "CREATE VIEW users AS SELECT * FROM base",
    );
    expect(problem(await check())).toBe('"users" is a view, not a table; upserts need a table');
    writeFileSync(dbPath, "this is not a database, just some text long enough to have a header".repeat(10));
    const garbage = await check();
    expect(garbage.ok).toBe(false);
    expect(problem(garbage)).toContain(`cannot read database ${dbPath}`);
  });

  test("a folder at the database path fails", async () => {
    mkdirSync(dbPath);
    const result = await check({ createTable: true });
    expect(result.ok).toBe(false);
    expect(problem(result)).toContain("exists but is not a file");
  });

  test("check never creates the database or its folder, also with createTable", async () => {
    await check({ createTable: true });
    await check({ createTable: true, path: "sub/state.db" });
    expect(existsSync(dbPath)).toBe(false);
    expect(existsSync(join(folder.dir, "sub"))).toBe(false);
  });
});
