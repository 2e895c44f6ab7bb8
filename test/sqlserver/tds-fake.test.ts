/**
 * The TDS fake itself, driven by the raw `mssql` client: what it decodes from parameters and
 * bulk rows (every type the target binds), the result sets it sends, transactions, and its
 * fault injection. The target's tests rely on these.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import type * as Mssql from "mssql";
import { loadMssql } from "../../plugins/sqlserver/connection.ts";
import { startTdsFake, type TdsFake } from "../fakes/tds-server.ts";

let fake: TdsFake;
let sql: Awaited<ReturnType<typeof loadMssql>>;
let pool: Mssql.ConnectionPool;

beforeAll(async () => {
  fake = await startTdsFake();
  sql = await loadMssql();
  pool = new sql.ConnectionPool({
    server: "127.0.0.1",
    port: fake.port,
    user: "sa",
    password: "pw",
    database: "app",
    options: { encrypt: false },
    requestTimeout: 500,
    pool: { max: 2 },
  });
  pool.on("error", () => {});
  await pool.connect();
});
afterAll(async () => {
  await pool.close();
  await fake.close();
});

test("parameters of every bound type are decoded, NULLs and nvarchar(max) included", async () => {
  fake.requests.length = 0;
  const long = "é".repeat(5000);
  await pool
    .request()
    .input("a", sql.TinyInt, 200)
    .input("b", sql.SmallInt, -3)
    .input("c", sql.Int, 2147483647)
    .input("d", sql.BigInt, "9007199254740993")
    .input("e", sql.Bit, true)
    .input("f", sql.Float, 1.25)
    .input("g", sql.Decimal(12, 2), -1234.5)
    .input("h", sql.NVarChar(sql.MAX), long)
    .input("i", sql.VarChar(20), "plain")
    .input("j", sql.NVarChar(10), null)
    .query("SELECT @a");
  const [request] = fake.statements();
  expect(request!.kind).toBe("rpc");
  expect(request!.sql).toBe("SELECT @a");
  expect(request!.params.map((p) => [p.name, p.type, p.value])).toEqual([
    ["@a", "intn(1)", 200],
    ["@b", "intn(2)", -3],
    ["@c", "intn(4)", 2147483647],
    ["@d", "intn(8)", 9007199254740993n],
    ["@e", "bitn(1)", true],
    ["@f", "floatn(8)", 1.25],
    ["@g", "decimal(12,2)[9]", "-1234.50"],
    ["@h", "nvarchar(max)", long],
    ["@i", "varchar(20)", "plain"],
    ["@j", "nvarchar(10)", null],
  ]);
});

test("result sets come back with their types; several per request", async () => {
  fake.handler = () => ({
    resultSets: [
      {
        columns: [
          { name: "s", type: "nvarchar" },
          { name: "n", type: "int" },
          { name: "b", type: "bigint" },
          { name: "ok", type: "bit" },
        ],
        rows: [
          ["x", 1, 5, true],
          [null, null, null, null],
        ],
      },
      { columns: [{ name: "seq", type: "int" }], rows: [[7]] },
    ],
  });
  const result = await pool.request().query("SELECT whatever");
  fake.handler = undefined;
  const sets = result.recordsets as unknown as Array<Array<Record<string, unknown>>>;
  expect(sets[0]!.map((r) => ({ ...r }))).toEqual([
    { s: "x", n: 1, b: "5", ok: true },
    { s: null, n: null, b: null, ok: null },
  ]);
  expect(sets[1]!.map((r) => ({ ...r }))).toEqual([{ seq: 7 }]);
});

test("bulk loads are decoded row by row inside a transaction", async () => {
  fake.requests.length = 0;
  const transaction = new sql.Transaction(pool);
  await transaction.begin();
  const table = new sql.Table("#t");
  table.columns.add("k", sql.NVarChar(10), { nullable: false });
  table.columns.add("v", sql.BigInt, { nullable: true });
  table.columns.add("d", sql.Decimal(5, 1), { nullable: true });
  table.rows.add("a", "12", 1.5);
  table.rows.add("b", null, null);
  expect((await new sql.Request(transaction).bulk(table)).rowsAffected).toBe(2);
  await transaction.commit();
  const kinds = fake.statements().map((r) => r.transaction ?? r.kind);
  expect(kinds).toEqual(["begin", "batch", "bulk", "commit"]);
  expect(fake.statements()[1]!.sql).toBe("insert bulk [#t]([k] nvarchar(10), [v] bigint, [d] decimal(5, 1))");
  expect(fake.statements()[2]!.bulk!.rows).toEqual([
    ["a", 12n, "1.5"],
    ["b", null, null],
  ]);
});

test("fault injection: an error on the n-th statement, once; silence times out; a cut loses the connection", async () => {
  fake.failStatement(2, { kind: "error", error: { number: 1205, message: "deadlock victim" } });
  await pool.request().query("one");
  const error = (await pool
    .request()
    .query("two")
    .catch((e: unknown) => e)) as { number?: number; message: string };
  expect(error.number).toBe(1205);
  expect(error.message).toBe("deadlock victim");
  await pool.request().query("three");

  fake.failStatement(1, { kind: "silence" });
  const timeout = (await pool
    .request()
    .query("slow")
    .catch((e: unknown) => e)) as { code?: string };
  expect(timeout.code).toBe("ETIMEOUT");
  await pool.request().query("after the timeout");

  fake.failStatement(1, { kind: "cut" });
  const cut = (await pool
    .request()
    .query("cut")
    .catch((e: unknown) => e)) as { code?: string };
  expect(["ESOCKET", "ECONNCLOSED", "ECONNRESET"]).toContain(String(cut.code));
  await pool.request().query("after the cut");
});
