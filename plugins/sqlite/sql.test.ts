import { describe, expect, test } from "bun:test";
import { compileTableMapping } from "../shared/table-mapping/compile.ts";
import { withMappingDefaults } from "../shared/table-mapping/config.ts";
import { createTableSql, deleteSql, quoteIdentifier, upsertSql } from "./sql.ts";
import { testHost } from "./test-support.ts";

const host = testHost({ baseDir: "/tmp" });
const mapping = (raw: Record<string, unknown>) => compileTableMapping(withMappingDefaults(raw), host);

describe("sqlite statements", () => {
  test("identifiers are quoted with inner quotes doubled", () => {
    expect(quoteIdentifier("users")).toBe('"users"');
    expect(quoteIdentifier('a"; DROP TABLE x; --')).toBe('"a""; DROP TABLE x; --"');
    expect(() => quoteIdentifier("a\0b")).toThrow(/NUL/);
  });

  test("upsert, delete and create for mapped columns", () => {
    const m = mapping({
      table: "users",
      key: { tenant: "$.t", id: "$.id" },
      columns: { email: "$.e", n: "$.n" },
      types: { id: "INTEGER", n: "REAL", email: "JSON" },
    });
    expect(upsertSql(m)).toBe(
      'INSERT INTO "users" ("tenant", "id", "email", "n") VALUES (?, ?, ?, ?) ON CONFLICT ("tenant", "id") ' +
        'DO UPDATE SET "email" = excluded."email", "n" = excluded."n"',
    );
    expect(deleteSql(m)).toBe('DELETE FROM "users" WHERE "tenant" = ? AND "id" = ?');
    expect(createTableSql(m)).toBe(
      'CREATE TABLE IF NOT EXISTS "users" ("tenant" TEXT NOT NULL, "id" INTEGER NOT NULL, "email" TEXT, "n" REAL, ' +
        'PRIMARY KEY ("tenant", "id"))',
    );
  });

  test("default mapping keeps the event in a TEXT column; key-only mappings do nothing on conflict", () => {
    expect(createTableSql(mapping({ table: "t" }))).toBe(
      'CREATE TABLE IF NOT EXISTS "t" ("id" TEXT NOT NULL, "event" TEXT, PRIMARY KEY ("id"))',
    );
    expect(upsertSql(mapping({ table: "t", columns: {} }))).toBe(
      'INSERT INTO "t" ("id") VALUES (?) ON CONFLICT ("id") DO NOTHING',
    );
  });
});
