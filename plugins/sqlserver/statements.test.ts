/**
 * The exact T-SQL and parameter types the target sends, for every mapping feature. No SQL Server
 * runs here, so these texts are what was reviewed against SQL Server's documented grammar and
 * limits; the live suite (test/sqlserver/live.test.ts) runs them when a server is given.
 */
import { describe, expect, test } from "bun:test";
import { compileTableMapping } from "../shared/table-mapping/compile.ts";
import { withMappingDefaults } from "../shared/table-mapping/config.ts";
import { mappingTestHost } from "../shared/table-mapping/test-support.ts";
import type { SqlType } from "./column-types.ts";
import { createColumns, stageLayout } from "./layout.ts";
import {
  CATALOG_SQL,
  createStageSql,
  createTableSql,
  insertValuesSql,
  MAX_VALUE_PARAMETERS,
  mergeSql,
  parameterTypes,
  valuesChunks,
  valuesWriteSql,
} from "./statements.ts";

const host = mappingTestHost();

function layoutFor(
  raw: Record<string, unknown>,
  types: Record<string, SqlType> = {},
  table: [string, string] = ["dbo", "users"],
) {
  const mapping = compileTableMapping(withMappingDefaults({ table: table[1], ...raw }), host);
  return stageLayout(mapping, table, new Map(Object.entries(types)), raw.deleteWhen !== undefined);
}

const USERS_TYPES: Record<string, SqlType> = {
  id: { base: "nvarchar", length: 64, collation: "Latin1_General_CI_AS" },
  email: { base: "varchar", length: 320, collation: "SQL_Latin1_General_CP1_CI_AS" },
  version: { base: "bigint" },
  deleted: { base: "bit" },
};

const RANKED = (order: string, columns = "[k0], [v0], [__seq], [__delete]") =>
  `USING (SELECT ${columns} FROM (SELECT ${columns}, ROW_NUMBER() OVER (PARTITION BY [k0] ORDER BY ${order}) AS [__rank] FROM #rehydrate_stage) AS ranked WHERE [__rank] = 1) AS s`;

describe("stage table", () => {
  test("keys NOT NULL, values nullable, character columns in the table's collation, seq and delete flag", () => {
    const layout = layoutFor(
      { key: { id: "$.detail.userId" }, columns: { email: "$.detail.email" } },
      USERS_TYPES,
    );
    expect(createStageSql(layout)).toBe(
      "IF OBJECT_ID(N'tempdb..#rehydrate_stage') IS NOT NULL DROP TABLE #rehydrate_stage;\n" +
        "CREATE TABLE #rehydrate_stage ([k0] nvarchar(64) COLLATE Latin1_General_CI_AS NOT NULL, " +
        "[v0] varchar(320) COLLATE SQL_Latin1_General_CP1_CI_AS NULL, [__seq] int NOT NULL, [__delete] bit NOT NULL);",
    );
    expect(parameterTypes(layout)).toEqual(["nvarchar(64)", "varchar(320)"]);
  });

  test("dates, guids and JSON are staged as nvarchar(max) and converted by the server; numbers as themselves", () => {
    const layout = layoutFor(
      {
        key: { id: "$.detail.userId" },
        columns: {
          at: "$.time",
          ref: "$.detail.ref",
          price: "$.detail.price",
          n: "$.detail.n",
          ok: "$.detail.ok",
        },
      },
      {
        id: { base: "uniqueidentifier" },
        at: { base: "datetime2", scale: 3 },
        ref: { base: "json" },
        price: { base: "decimal", precision: 10, scale: 2 },
        n: { base: "smallint" },
        ok: { base: "bit" },
      },
    );
    expect(parameterTypes(layout)).toEqual([
      "nvarchar(max)",
      "nvarchar(max)",
      "nvarchar(max)",
      "decimal(10,2)",
      "smallint",
      "bit",
    ]);
    // A collation only where the catalog gave none: the current database's default.
    expect(createStageSql(layout)).toContain("[k0] nvarchar(max) COLLATE DATABASE_DEFAULT NOT NULL");
  });

  test("an untrusted collation name is never spliced", () => {
    const layout = layoutFor(
      { key: { id: "$.id" }, columns: {} },
      { id: { base: "nvarchar", length: 10, collation: "x; DROP TABLE t" } },
    );
    expect(createStageSql(layout)).toContain("[k0] nvarchar(10) COLLATE DATABASE_DEFAULT NOT NULL");
  });
});

describe("parameters", () => {
  test("rows of parameters in stage order, seq and delete flag as generated literals", () => {
    const layout = layoutFor(
      { key: { id: "$.detail.userId" }, columns: { email: "$.detail.email" } },
      USERS_TYPES,
    );
    expect(
      insertValuesSql(layout, [
        { seq: 4, delete: false },
        { seq: 1, delete: true },
      ]),
    ).toBe(
      "INSERT INTO #rehydrate_stage ([k0], [v0], [__seq], [__delete]) VALUES (@p0, @p1, 4, 0), (@p2, @p3, 1, 1);",
    );
  });

  test("2,100 parameters per request (2 for sp_executesql's own) and 1,000 rows per VALUES list", () => {
    expect(MAX_VALUE_PARAMETERS).toBe(2098);
    expect(valuesChunks(1049, 2)).toEqual([1000, 49]);
    expect(valuesChunks(1050, 2)).toBeUndefined();
    expect(valuesChunks(2098, 1)).toEqual([1000, 1000, 98]);
    expect(valuesChunks(699, 3)).toEqual([699]);
    expect(valuesChunks(700, 3)).toBeUndefined();
    const layout = layoutFor({ key: { id: "$.id" }, columns: {} });
    const sql = insertValuesSql(
      layout,
      Array.from({ length: 1500 }, (_, seq) => ({ seq, delete: false })),
    );
    const statements = sql.split("\n");
    expect(statements).toHaveLength(2);
    expect(statements[0]!.match(/\(@p\d+, \d+, 0\)/g)).toHaveLength(1000);
    expect(statements[1]!.match(/\(@p\d+, \d+, 0\)/g)).toHaveLength(500);
    expect(statements[1]).toEndWith("(@p1499, 1499, 0);");
    expect(() =>
      insertValuesSql(
        layout,
        Array.from({ length: 2099 }, (_, seq) => ({ seq, delete: false })),
      ),
    ).toThrow(/more than 2098 parameters/);
  });
});

describe("merge", () => {
  test("upserts: last event per key, HOLDLOCK, OUTPUT $action, counts", () => {
    const layout = layoutFor(
      { key: { id: "$.detail.userId" }, columns: { email: "$.detail.email" } },
      USERS_TYPES,
    );
    expect(mergeSql(layout)).toBe(
      [
        "DECLARE @applied TABLE ([action] nvarchar(10) NOT NULL, [seq] int NOT NULL);",
        "MERGE [dbo].[users] WITH (HOLDLOCK) AS t",
        RANKED("[__seq] DESC"),
        "ON t.[id] = s.[k0]",
        "WHEN MATCHED THEN UPDATE SET t.[email] = s.[v0]",
        "WHEN NOT MATCHED BY TARGET THEN INSERT ([id], [email]) VALUES (s.[k0], s.[v0])",
        "OUTPUT $action, s.[__seq] INTO @applied ([action], [seq]);",
        "SELECT [action], COUNT(*) AS [rows] FROM @applied GROUP BY [action] ORDER BY [action];",
        "DROP TABLE #rehydrate_stage;",
      ].join("\n"),
    );
  });

  test("deletes: rows of deleted keys go first, so a later upsert re-inserts from defaults", () => {
    const layout = layoutFor(
      {
        key: { id: "$.detail.userId" },
        columns: { email: "$.detail.email" },
        deleteWhen: { "detail-type": ["UserDeleted"] },
      },
      USERS_TYPES,
    );
    expect(mergeSql(layout)).toBe(
      [
        "DECLARE @applied TABLE ([action] nvarchar(10) NOT NULL, [seq] int NOT NULL);",
        "DELETE t OUTPUT N'DELETE', s.[__seq] INTO @applied ([action], [seq]) FROM [dbo].[users] AS t INNER JOIN #rehydrate_stage AS s ON t.[id] = s.[k0] WHERE s.[__delete] = 1;",
        "MERGE [dbo].[users] WITH (HOLDLOCK) AS t",
        RANKED("[__seq] DESC"),
        "ON t.[id] = s.[k0]",
        "WHEN MATCHED AND s.[__delete] = 0 THEN UPDATE SET t.[email] = s.[v0]",
        "WHEN NOT MATCHED BY TARGET AND s.[__delete] = 0 THEN INSERT ([id], [email]) VALUES (s.[k0], s.[v0])",
        "OUTPUT $action, s.[__seq] INTO @applied ([action], [seq]);",
        "SELECT [action], COUNT(*) AS [rows] FROM @applied GROUP BY [action] ORDER BY [action];",
        "DROP TABLE #rehydrate_stage;",
      ].join("\n"),
    );
  });

  test("version guard with tombstones: highest version wins (earliest among equals), older refused and reported", () => {
    const layout = layoutFor(
      {
        key: { id: "$.detail.userId" },
        columns: { email: "$.detail.email", version: "$.detail.version" },
        ifNewer: "version",
        deleteWhen: { "detail-type": ["UserDeleted"] },
      },
      USERS_TYPES,
    );
    expect(layout.tombstone).toBe("deleted");
    expect(parameterTypes(layout)).toEqual(["nvarchar(64)", "varchar(320)", "bigint"]);
    expect(mergeSql(layout)).toBe(
      [
        "DECLARE @applied TABLE ([action] nvarchar(10) NOT NULL, [seq] int NOT NULL);",
        "MERGE [dbo].[users] WITH (HOLDLOCK) AS t",
        RANKED("[v1] DESC, [__seq] ASC", "[k0], [v0], [v1], [__seq], [__delete]"),
        "ON t.[id] = s.[k0]",
        "WHEN MATCHED AND (t.[version] IS NULL OR t.[version] < s.[v1]) THEN UPDATE SET t.[email] = s.[v0], t.[version] = s.[v1], t.[deleted] = s.[__delete]",
        "WHEN NOT MATCHED BY TARGET THEN INSERT ([id], [email], [version], [deleted]) VALUES (s.[k0], s.[v0], s.[v1], s.[__delete])",
        "OUTPUT $action, s.[__seq] INTO @applied ([action], [seq]);",
        "SELECT [action], COUNT(*) AS [rows] FROM @applied GROUP BY [action] ORDER BY [action];",
        "SELECT s.[__seq] AS [seq] FROM #rehydrate_stage AS s WHERE NOT EXISTS (SELECT 1 FROM @applied AS a INNER JOIN #rehydrate_stage AS w ON w.[__seq] = a.[seq] WHERE w.[k0] = s.[k0]) ORDER BY s.[__seq];",
        "DROP TABLE #rehydrate_stage;",
      ].join("\n"),
    );
  });

  test("version guard without deletes: no tombstone column", () => {
    const layout = layoutFor(
      { key: { id: "$.detail.userId" }, columns: { version: "$.detail.version" }, ifNewer: "version" },
      USERS_TYPES,
    );
    const sql = mergeSql(layout);
    expect(sql).toContain(
      "WHEN MATCHED AND (t.[version] IS NULL OR t.[version] < s.[v0]) THEN UPDATE SET t.[version] = s.[v0]\n",
    );
    expect(sql).toContain(
      "WHEN NOT MATCHED BY TARGET THEN INSERT ([id], [version]) VALUES (s.[k0], s.[v0])\n",
    );
    expect(sql).not.toContain("deleted");
  });

  test("composite keys: partition, join and skipped-key match on every key column", () => {
    const layout = layoutFor(
      {
        key: { tenant: "$.detail.tenant", id: "$.detail.userId" },
        columns: { v: "$.detail.v" },
        ifNewer: "v",
      },
      { tenant: { base: "varchar", length: 20 }, id: { base: "int" }, v: { base: "int" } },
    );
    const sql = mergeSql(layout);
    expect(sql).toContain("ROW_NUMBER() OVER (PARTITION BY [k0], [k1] ORDER BY [v0] DESC, [__seq] ASC)");
    expect(sql).toContain("ON t.[tenant] = s.[k0] AND t.[id] = s.[k1]\n");
    expect(sql).toContain("WHERE w.[k0] = s.[k0] AND w.[k1] = s.[k1])");
  });

  test("key columns only: no UPDATE clause (MERGE needs none), inserts only", () => {
    const layout = layoutFor({ key: { id: "$.id" }, columns: {} });
    const sql = mergeSql(layout);
    expect(sql).not.toContain("WHEN MATCHED");
    expect(sql).toContain("WHEN NOT MATCHED BY TARGET THEN INSERT ([id]) VALUES (s.[k0])\n");
  });

  test("names with brackets, quotes, spaces and semicolons are quoted names, never SQL", () => {
    const layout = layoutFor(
      { key: { "we]ird; id": "$.id" }, columns: { 'e"mail [x]': "$.detail.email" } },
      {},
      ["my schema", "users]; DROP TABLE x; --"],
    );
    const sql = mergeSql(layout);
    expect(sql).toContain("MERGE [my schema].[users]]; DROP TABLE x; --] WITH (HOLDLOCK) AS t\n");
    expect(sql).toContain("ON t.[we]]ird; id] = s.[k0]\n");
    expect(sql).toContain('UPDATE SET t.[e"mail [x]]] = s.[v0]');
    // Stage names stay plain whatever the table's names are (tedious brackets them unescaped).
    expect(createStageSql(layout)).toContain(
      "([k0] nvarchar(450) COLLATE DATABASE_DEFAULT NOT NULL, [v0] nvarchar(max)",
    );
  });

  test("one-request write: XACT_ABORT, one transaction, stage, rows, merge, commit", () => {
    const layout = layoutFor(
      { key: { id: "$.detail.userId" }, columns: { email: "$.detail.email" } },
      USERS_TYPES,
    );
    const rows = [{ seq: 0, delete: false }];
    expect(valuesWriteSql(layout, rows)).toBe(
      [
        "SET XACT_ABORT ON;",
        "BEGIN TRANSACTION;",
        createStageSql(layout),
        insertValuesSql(layout, rows),
        mergeSql(layout),
        "COMMIT TRANSACTION;",
      ].join("\n"),
    );
  });
});

describe("createTable and catalog", () => {
  test("keys default to nvarchar(450), split between composite keys; JSON as nvarchar(max); tombstone bit", () => {
    const mapping = compileTableMapping(
      withMappingDefaults({
        table: "orders",
        key: { tenant: "$.detail.tenant", id: "$.detail.id" },
        columns: { total: "$.detail.total", version: "$.detail.version", tags: "$.detail.tags" },
        jsonColumn: "event",
        types: { total: "DECIMAL(12,2)", version: "BIGINT", tags: "JSON" },
        ifNewer: "version",
        deleteWhen: { "detail-type": ["OrderDeleted"] },
      }),
      host,
    );
    expect(createTableSql(["sales", "orders"], createColumns(mapping), ["tenant", "id"])).toBe(
      "IF OBJECT_ID(@table, N'U') IS NULL CREATE TABLE [sales].[orders] (" +
        "[tenant] nvarchar(225) NOT NULL, [id] nvarchar(225) NOT NULL, [total] decimal(12,2) NULL, " +
        "[version] bigint NULL, [tags] nvarchar(max) NULL, [event] nvarchar(max) NULL, " +
        "[deleted] bit NOT NULL DEFAULT 0, PRIMARY KEY ([tenant], [id]));",
    );
  });

  test("the catalog query is read-only and bound to @table", () => {
    expect(CATALOG_SQL).toContain("OBJECT_ID(@table, N'U')");
    expect(CATALOG_SQL).toContain("HAS_PERMS_BY_NAME(@table, N'OBJECT', N'INSERT')");
    expect(
      CATALOG_SQL.split(";")
        .filter((s) => s.trim() !== "")
        .every((s) => s.trim().startsWith("SELECT")),
    ).toBe(true);
  });
});
