import { describe, expect, test } from "bun:test";
import { type CatalogColumnRow, type CatalogRows, inspectCatalog, type MappedTable } from "./schema.ts";

const column = (name: string, type: string, extra: Partial<CatalogColumnRow> = {}): CatalogColumnRow => ({
  name,
  type,
  max_length: type === "nvarchar" ? 128 : 8,
  precision: 0,
  scale: 0,
  is_nullable: true,
  is_identity: false,
  is_computed: false,
  collation_name: type.includes("char") ? "Latin1_General_CI_AS" : null,
  has_default: false,
  ...extra,
});
const object = { object_id: 7, any_object_id: 7, can_insert: 1, can_update: 1, can_delete: 1, can_select: 1 };
const table: MappedTable = {
  display: "dbo.users",
  keys: ["id"],
  values: [{ name: "email", path: "$.detail.email" }],
  deletes: true,
  guarded: false,
};
const rows = (over: Partial<CatalogRows> = {}): CatalogRows => ({
  object,
  columns: [
    column("id", "nvarchar", { is_nullable: false }),
    column("email", "nvarchar", { max_length: -1 }),
  ],
  indexes: [{ index_name: "PK_users", is_primary_key: true, column_name: "id" }],
  ...over,
});

describe("inspectCatalog", () => {
  test("a fitting table: details and the column types for the stage", () => {
    const inspection = inspectCatalog(table, rows());
    expect(inspection.problems).toEqual([]);
    expect(inspection.details).toEqual([
      'table "dbo.users" exists',
      "permissions: SELECT, INSERT, UPDATE, DELETE",
      "columns: id nvarchar(64), email nvarchar(max)",
      "key (id) is the PRIMARY KEY",
    ]);
    expect(inspection.types.get("email")).toEqual({
      base: "nvarchar",
      length: "max",
      collation: "Latin1_General_CI_AS",
    });
  });

  test("missing table, or a view", () => {
    expect(
      inspectCatalog(table, rows({ object: { ...object, object_id: null, any_object_id: null } })).problems,
    ).toEqual(['table "dbo.users" does not exist, or this login cannot see it']);
    expect(inspectCatalog(table, rows({ object: { ...object, object_id: null } })).problems[0]).toContain(
      "is not a table",
    );
  });

  test("each problem named: permissions, missing and unwritable columns, unmapped NOT NULL, key not unique", () => {
    const inspection = inspectCatalog(
      {
        ...table,
        values: [...table.values, { name: "n", path: "$.detail.n" }, { name: "shape", path: "$.detail.s" }],
      },
      rows({
        object: { ...object, can_delete: 0, can_update: null },
        columns: [
          column("id", "nvarchar", { is_nullable: false }),
          column("n", "int", { is_identity: true }),
          column("shape", "geography"),
          column("created_by", "nvarchar", { is_nullable: false }),
          column("created_at", "datetime2", { is_nullable: false, has_default: true }),
        ],
        indexes: [{ index_name: "UQ_other", is_primary_key: false, column_name: "created_by" }],
      }),
    );
    expect(inspection.problems).toEqual([
      'this login lacks UPDATE, DELETE permission on "dbo.users"',
      'column "email" (mapped from $.detail.email) does not exist in table "dbo.users"; its columns are: id, n, shape, created_by, created_at',
      'column "n" is an IDENTITY column; it cannot be written (map another column)',
      'column "shape" has type geography, which this target cannot write',
      'column "created_by" of table "dbo.users" is NOT NULL without a default but is not mapped, so every insert would fail',
      'key columns (id) are neither the PRIMARY KEY nor a unique unfiltered index of "dbo.users"; MERGE needs one key per row: CREATE UNIQUE INDEX … ON dbo.users (id)',
    ]);
  });

  test("a unique index on the key will do; DELETE permission is not needed under a version guard", () => {
    const inspection = inspectCatalog(
      { ...table, guarded: true },
      rows({
        object: { ...object, can_delete: 0 },
        indexes: [
          { index_name: "UQ_id", is_primary_key: false, column_name: "id" },
          { index_name: "PK_other", is_primary_key: true, column_name: "email" },
        ],
      }),
    );
    expect(inspection.problems).toEqual([]);
    expect(inspection.details).toContain('key (id) is unique index "UQ_id"');
  });

  test("keys over 900 bytes, and tombstone columns that are not bit", () => {
    const inspection = inspectCatalog(
      { ...table, keys: ["a", "b"], tombstone: "deleted", guarded: true },
      rows({
        columns: [
          column("a", "nvarchar", { max_length: 800 }),
          column("b", "varchar", { max_length: 200 }),
          column("email", "nvarchar"),
          column("deleted", "int"),
        ],
        indexes: [
          { index_name: "PK", is_primary_key: true, column_name: "a" },
          { index_name: "PK", is_primary_key: true, column_name: "b" },
        ],
      }),
    );
    expect(inspection.problems).toEqual([
      'tombstone column "deleted" must be bit, not int',
      "key columns (a, b) take up to 1000 bytes; SQL Server index keys hold at most 900 bytes (use shorter types, e.g. nvarchar(450))",
    ]);
  });
});
