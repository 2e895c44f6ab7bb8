import { describe, expect, test } from "bun:test";
import {
  parseConnectionUrl,
  resolveSqlServerConfig,
  sqlServerConfigProblems,
  sqlServerConfigSpec,
  sqlServerFromUri,
} from "./config.ts";

const redact = (uri: string) => uri.replace(/\/\/[^/@]*@/, "//…@");
const problems = (raw: Record<string, unknown>) =>
  sqlServerConfigProblems(
    resolveSqlServerConfig({ url: "sqlserver://sa:pw@db:1433/app", table: "users", ...raw }),
    redact,
  );

describe("URI and URL", () => {
  test("sqlserver: and mssql: URIs give the URL and the table (or schema.table)", () => {
    expect(sqlServerFromUri("sqlserver")("//sa:pw@db:1433/app?encrypt=false#users")).toEqual({
      url: "sqlserver://sa:pw@db:1433/app?encrypt=false",
      table: "users",
    });
    expect(sqlServerFromUri("mssql")("//sa@db/app#sales.orders")).toEqual({
      url: "mssql://sa@db/app",
      schema: "sales",
      table: "orders",
    });
  });
  test("a missing or odd table is refused without printing the password", () => {
    expect(() => sqlServerFromUri("sqlserver")("//sa:hunter2@db/app")).toThrow(/#<table> is missing/);
    try {
      sqlServerFromUri("sqlserver")("//sa:hunter2@db/app#a b");
    } catch (error) {
      expect((error as Error).message).not.toContain("hunter2");
      expect((error as Error).message).toContain("sqlserver://…@db/app");
    }
  });
  test("parses host, port, database, user, percent-encoded password and options", () => {
    expect(
      parseConnectionUrl(
        "sqlserver://app%40corp:p%2Fw%3A@db.example.com:14330/my%20db?encrypt=true&trustServerCertificate=false&instanceName=SQLEXPRESS",
        redact,
      ),
    ).toEqual({
      server: "db.example.com",
      port: 14330,
      database: "my db",
      user: "app@corp",
      password: "p/w:",
      encrypt: true,
      trustServerCertificate: false,
      instanceName: "SQLEXPRESS",
    });
    expect(() => parseConnectionUrl("sqlserver://sa:pw@db/app?encrypted=true", redact)).toThrow(
      /unknown option "encrypted"/,
    );
    expect(() => parseConnectionUrl("postgres://sa:pw@db/app", redact)).toThrow(
      /must start with sqlserver:\/\//,
    );
  });
  test("TLS options: fields win over the URL, which wins over the defaults (encrypt on, certificate checked)", () => {
    const base = { table: "t" };
    expect(resolveSqlServerConfig({ ...base, url: "sqlserver://sa@db/app" })).toMatchObject({
      encrypt: true,
      trustServerCertificate: false,
    });
    expect(
      resolveSqlServerConfig({
        ...base,
        url: "sqlserver://sa@db/app?encrypt=false&trustServerCertificate=true",
      }),
    ).toMatchObject({
      encrypt: false,
      trustServerCertificate: true,
    });
    expect(
      resolveSqlServerConfig({ ...base, url: "sqlserver://sa@db/app?encrypt=false", encrypt: true }),
    ).toMatchObject({ encrypt: true });
  });
});

describe("problems", () => {
  test("a valid config has none", () => {
    expect(problems({})).toEqual([]);
    expect(
      problems({
        columns: { v: "$.detail.v" },
        ifNewer: "v",
        deleteWhen: { "detail-type": ["X"] },
        types: { v: "bigint", id: "NVARCHAR(64)" },
        createTable: true,
      }),
    ).toEqual([]);
  });
  test("each names its field", () => {
    expect(problems({ url: "sqlserver://db/app" })).toEqual([
      "url: needs a user (SQL Server authentication: sqlserver://user:password@host/database)",
    ]);
    expect(problems({ lanes: 0, requestTimeoutMs: 0 })).toEqual([
      "lanes: must be a whole number ≥ 1",
      "requestTimeoutMs: must be a whole number of milliseconds ≥ 1",
    ]);
    expect(problems({ types: { id: "VARBINARY(10)", nope: "INT" } })).toEqual([
      expect.stringMatching(/^types\.id: "VARBINARY\(10\)" is not a SQL Server type this target writes/),
      'types.nope: "nope" is not a mapped column (key, columns, jsonColumn or tombstoneColumn)',
    ]);
    expect(problems({ columns: { v: "$.v" }, ifNewer: "v", createTable: true })).toEqual([
      expect.stringMatching(/^types\.v: createTable needs the version column's type/),
    ]);
    expect(problems({ ifNewer: "nope" })[0]).toMatch(/^ifNewer: must name a column of `columns`/);
  });
  test("the spec marks the URL and password secret, and defaults batches to 2000", () => {
    const spec = sqlServerConfigSpec("sqlserver");
    expect(spec.fields.url!.secret).toBe(true);
    expect(spec.fields.password!.secret).toBe(true);
    expect(spec.fields.batchSize!.default).toBe(2000);
    expect(spec.fields.ifNewer).toBeDefined();
    expect(resolveSqlServerConfig({ url: "sqlserver://sa@db/app", table: "t" }).batchSize).toBe(2000);
  });
});
