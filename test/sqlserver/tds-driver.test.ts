/**
 * The SQL Server target driven through the real `mssql`/`tedious` client against the loopback
 * TDS fake (test/fakes/tds-server.ts). These tests pin driver behaviour: what goes over the wire
 * (statements, parameter types, bulk-load rows, transactions) and what the target does with
 * login failures, timeouts, deadlocks, Azure transient errors, lost connections, refused rows
 * and cancellation. The fake does not run SQL: merge outcomes are scripted, so SQL Server's
 * semantics are covered by the statement tests and the live suite, not here.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { createStageSql, mergeSql, STAGE_TABLE, valuesWriteSql } from "../../plugins/sqlserver/statements.ts";
import { PluginError } from "../../src/sdk/index.ts";
import { startTdsFake, type TdsFake, type TdsRequest } from "../fakes/tds-server.ts";
import {
  catalogAnswer,
  envelopes,
  fakeTarget,
  isCatalog,
  mergeAnswer,
  sqlServerTestHost,
  tableHandler,
  USERS,
  userEvent,
} from "./support.ts";

let fake: TdsFake;
const targets: Array<{ close?: () => Promise<void> }> = [];

beforeAll(async () => {
  fake = await startTdsFake();
});
afterAll(async () => {
  await fake.close();
});
afterEach(async () => {
  for (const target of targets.splice(0)) await target.close?.();
  fake.handler = undefined;
  fake.loginError = undefined;
  fake.loginSilence = false;
  fake.requests.length = 0;
});

function target(overrides: Record<string, unknown> = {}, host = sqlServerTestHost().host) {
  const t = fakeTarget(fake.port, overrides, host);
  targets.push(t);
  return t;
}

const merges = () => fake.requests.filter((r) => /\bMERGE\b/.test(r.sql));
const writes = () => fake.statements().filter((r) => !isCatalog(r));

describe("connecting", () => {
  test("a refused login stops the run with the server's message and no password", async () => {
    fake.loginError = { number: 18456, message: "Login failed for user 'sa'.", class: 14 };
    const t = target();
    const error = await t.open!().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PluginError);
    const message = (error as Error).message;
    expect(message).toContain("Login failed for user 'sa'.");
    expect(message).toContain("ELOGIN");
    expect(message).not.toContain("S3cret-pw");
    expect(message).toContain("127.0.0.1");
  });

  test("encrypt (the default) reaches the driver: a server without TLS is refused, naming the option", async () => {
    const error = await target({
      encrypt: undefined,
      url: `sqlserver://sa:S3cret-pw@127.0.0.1:${fake.port}/app`,
    }).open!().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PluginError);
    expect((error as Error).message).toContain("Server did not negotiate encryption");
    expect((error as Error).message).toContain("EENCRYPT");
  });

  test("check reports a refused login as a failed check, not a crash", async () => {
    fake.loginError = { number: 18456, message: "Login failed for user 'sa'." };
    const result = await target().check();
    expect(result.ok).toBe(false);
    expect(result.details.join("\n")).toContain("Login failed");
    expect(result.details.join("\n")).not.toContain("S3cret-pw");
  });

  test("a server that never answers the login times out", async () => {
    fake.loginSilence = true;
    const started = Date.now();
    const error = await target({ connectTimeoutMs: 300 }).open!().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PluginError);
    expect((error as Error).message).toMatch(/ETIMEOUT|timeout/i);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

describe("check and open", () => {
  test("check reads the catalog with the quoted name as a parameter and writes nothing", async () => {
    fake.handler = tableHandler(() => USERS);
    const result = await target().check();
    expect(result).toEqual({
      ok: true,
      details: [
        expect.stringContaining("connected to sqlserver://…@127.0.0.1:"),
        'table "dbo.users" exists',
        "permissions: SELECT, INSERT, UPDATE",
        "columns: id nvarchar(64), email nvarchar(max)",
        "key (id) is the PRIMARY KEY",
      ],
    });
    const catalog = fake.requests.filter(isCatalog);
    expect(catalog).toHaveLength(1);
    expect(catalog[0]!.params).toEqual([
      { name: "@table", typeId: 0xe7, type: "nvarchar(600)", value: "[dbo].[users]" },
    ]);
    expect(writes()).toEqual([]);
    // The session runs with XACT_ABORT ON (tedious's initial batch), so errors and timeouts roll back.
    expect(fake.requests.some((r) => r.kind === "batch" && /\bset xact_abort on\b/i.test(r.sql))).toBe(true);
  });

  test("a missing table fails check with a hint; with createTable check says what it will create, and still writes nothing", async () => {
    fake.handler = tableHandler(() => undefined);
    const missing = await target().check();
    expect(missing.ok).toBe(false);
    expect(missing.details.at(-1)).toBe(
      'table "dbo.users" does not exist, or this login cannot see it (set createTable: true to create it)',
    );
    const planned = await target({ createTable: true }).check();
    expect(planned.ok).toBe(true);
    expect(planned.details.at(-1)).toContain(
      "it will be created: IF OBJECT_ID(@table, N'U') IS NULL CREATE TABLE [dbo].[users] ([id] nvarchar(450) NOT NULL, [email] nvarchar(max) NULL, PRIMARY KEY ([id]));",
    );
    expect(writes()).toEqual([]);
  });

  test("open creates a missing table when asked, then checks it", async () => {
    let created = false;
    fake.handler = (request) => {
      if (isCatalog(request)) return catalogAnswer(created ? USERS : undefined);
      if (request.sql.includes("CREATE TABLE [dbo].[users]")) created = true;
      return undefined;
    };
    await target({ createTable: true }).open!();
    const create = writes().find((r) => r.sql.includes("CREATE TABLE [dbo].[users]"));
    expect(create?.params.map((p) => p.value)).toEqual(["[dbo].[users]"]);
    expect(fake.requests.filter(isCatalog)).toHaveLength(2);
  });

  test("a dry run never writes: open does nothing, write refuses", async () => {
    fake.handler = tableHandler(() => USERS);
    const t = target({}, sqlServerTestHost({ dryRun: true }).host);
    await t.open!();
    expect((await t.check()).ok).toBe(true);
    expect(await t.plan(envelopes([userEvent("u1", { email: "a@x" })]))).toEqual([
      { index: 0, action: "upsert", destination: "users(id=u1)", preview: { id: "u1", email: "a@x" } },
    ]);
    await expect(t.write(envelopes([userEvent("u1")]))).rejects.toThrow(/dry run/);
    expect(writes()).toEqual([]);
  });

  test("open refuses a table whose key is not unique, naming the problem", async () => {
    fake.handler = tableHandler(() => ({ ...USERS, primaryKey: [] }));
    await expect(target().open!()).rejects.toThrow(
      /key columns \(id\) are neither the PRIMARY KEY nor a unique/,
    );
  });
});

describe("writing", () => {
  test("a small batch is one request: stage, parameters typed from the table, merge, commit", async () => {
    fake.handler = tableHandler(
      () => USERS,
      () => mergeAnswer({ INSERT: 2 }),
    );
    const t = target();
    const result = await t.write(
      envelopes([
        userEvent("u2", { email: "b@x" }),
        userEvent("u1", { email: "a@x" }),
        userEvent("u2", { email: null }),
      ]),
    );
    expect(result).toEqual({ failures: [] });
    const [request] = writes();
    expect(request!.kind).toBe("rpc");
    expect(writes()).toHaveLength(1);
    // Rows sorted by key (u1 first), each row's batch index as its seq.
    expect(request!.declarations).toBe(
      "@p0 nvarchar(64), @p1 nvarchar(max), @p2 nvarchar(64), @p3 nvarchar(max), @p4 nvarchar(64), @p5 nvarchar(max)",
    );
    expect(request!.params.map((p) => p.value)).toEqual(["u1", "a@x", "u2", "b@x", "u2", null]);
    const layout = t.writer!.layout;
    expect(request!.sql).toBe(
      valuesWriteSql(layout, [
        { seq: 1, delete: false },
        { seq: 0, delete: false },
        { seq: 2, delete: false },
      ]),
    );
    expect(request!.sql).toContain("VALUES (@p0, @p1, 1, 0), (@p2, @p3, 0, 0), (@p4, @p5, 2, 0);");
    expect(t.writer!.totals).toEqual({ INSERT: 2 });
  });

  test("a large batch is bulk loaded into the stage in chunks inside one transaction", async () => {
    fake.handler = tableHandler(
      () => USERS,
      () => mergeAnswer({ INSERT: 5 }),
    );
    const t = target({ stage: "bulk", bulkChunkRows: 2 });
    const batch = envelopes(["e", "d", "c", "b", "a"].map((id) => userEvent(id, { email: `${id}@x` })));
    expect(await t.write(batch)).toEqual({ failures: [] });
    const sequence = writes().map((r) =>
      r.kind === "transaction" ? r.sql : r.kind === "bulk" ? "BULK" : r.sql.split("\n")[0],
    );
    expect(sequence).toEqual([
      "TM begin",
      "SET XACT_ABORT ON;",
      `insert bulk [${STAGE_TABLE}]([k0] nvarchar(64), [v0] nvarchar(max), [__seq] int, [__delete] bit)`,
      "BULK",
      `insert bulk [${STAGE_TABLE}]([k0] nvarchar(64), [v0] nvarchar(max), [__seq] int, [__delete] bit)`,
      "BULK",
      `insert bulk [${STAGE_TABLE}]([k0] nvarchar(64), [v0] nvarchar(max), [__seq] int, [__delete] bit)`,
      "BULK",
      "DECLARE @applied TABLE ([action] nvarchar(10) NOT NULL, [seq] int NOT NULL);",
      "TM commit",
    ]);
    const layout = t.writer!.layout;
    expect(writes()[1]!.sql).toBe(`SET XACT_ABORT ON;\n${createStageSql(layout)}`);
    expect(writes()[8]!.sql).toBe(mergeSql(layout));
    // All on the connection the transaction holds.
    expect(new Set(writes().map((r) => r.connection)).size).toBe(1);
    const rows = writes()
      .filter((r) => r.kind === "bulk")
      .flatMap((r) => r.bulk!.rows);
    expect(rows).toEqual([
      ["a", "a@x", 4, false],
      ["b", "b@x", 3, false],
      ["c", "c@x", 2, false],
      ["d", "d@x", 1, false],
      ["e", "e@x", 0, false],
    ]);
    expect(writes()[3]!.bulk!.columns.map((c) => `${c.name} ${c.type}`)).toEqual([
      "k0 nvarchar(64)",
      "v0 nvarchar(max)",
      "__seq intn(4)",
      "__delete bitn(1)",
    ]);
  });

  test("auto sends up to 100 rows as one request and bulk loads more", async () => {
    fake.handler = tableHandler(() => USERS);
    const t = target();
    await t.write(envelopes(Array.from({ length: 101 }, (_, i) => userEvent(`u${i}`))));
    expect(writes().filter((r) => r.kind === "bulk")).toHaveLength(1);
    fake.requests.length = 0;
    await t.write(envelopes(Array.from({ length: 100 }, (_, i) => userEvent(`u${i}`))));
    expect(writes().map((r) => r.kind)).toEqual(["rpc"]);
  });

  test("values sends up to 2,098 parameters in one request, then falls back to bulk", async () => {
    fake.handler = tableHandler(() => USERS);
    const t = target({ stage: "values" });
    await t.write(envelopes(Array.from({ length: 1050 }, (_, i) => userEvent(`u${i}`))));
    expect(writes().filter((r) => r.kind === "bulk")).toHaveLength(1);
    fake.requests.length = 0;
    await t.write(envelopes(Array.from({ length: 1049 }, (_, i) => userEvent(`u${i}`))));
    expect(writes().map((r) => r.kind)).toEqual(["rpc"]);
    expect(writes()[0]!.params).toHaveLength(2098);
    expect(writes()[0]!.sql.match(/INSERT INTO #rehydrate_stage/g)).toHaveLength(2);
  });

  test("deletes and the version guard: tombstones staged with their version; refused events are skipped", async () => {
    fake.handler = tableHandler(
      () => USERS,
      () => mergeAnswer({ UPDATE: 1 }, [0, 2]),
    );
    const t = target({
      columns: { email: "$.detail.email", version: "$.detail.version" },
      ifNewer: "version",
      deleteWhen: { "detail-type": ["UserDeleted"] },
    });
    const result = await t.write(
      envelopes([
        userEvent("u1", { email: "a@x", version: 3 }),
        userEvent("u2", { version: 9 }, "UserDeleted"),
        userEvent("u1", { email: "b@x", version: 2 }),
        userEvent("u3", { email: "c@x" }),
      ]),
    );
    expect(result.skipped).toEqual([0, 2]);
    expect(result.failures).toEqual([
      expect.objectContaining({ index: 3, code: "MissingVersion", retryable: false }),
    ]);
    const [request] = writes();
    expect(request!.declarations).toBe(
      "@p0 nvarchar(64), @p1 nvarchar(max), @p2 bigint, @p3 nvarchar(64), @p4 nvarchar(max), @p5 bigint, @p6 nvarchar(64), @p7 nvarchar(max), @p8 bigint",
    );
    expect(request!.params.map((p) => p.value)).toEqual(["u1", "a@x", 3n, "u1", "b@x", 2n, "u2", null, 9n]);
    expect(request!.sql).toContain(
      "VALUES (@p0, @p1, @p2, 0, 0), (@p3, @p4, @p5, 2, 0), (@p6, @p7, @p8, 1, 1);",
    );
    expect(request!.sql).toContain("t.[deleted] = s.[__delete]");
  });

  test("varchar columns are bound as varchar (the server's collation encodes them)", async () => {
    const table = {
      ...USERS,
      columns: [
        USERS.columns[0]!,
        { name: "email", type: "varchar", maxLength: 320, collation: "SQL_Latin1_General_CP1_CI_AS" },
      ],
    };
    fake.handler = tableHandler(() => table);
    const t = target();
    expect(await t.write(envelopes([userEvent("u1", { email: "a@x" })]))).toEqual({ failures: [] });
    expect(writes()[0]!.declarations).toBe("@p0 nvarchar(64), @p1 varchar(320)");
    expect(writes()[0]!.params.map((p) => [p.type, p.value])).toEqual([
      ["nvarchar(64)", "u1"],
      ["varchar(320)", "a@x"],
    ]);
    expect(writes()[0]!.sql).toContain("[v0] varchar(320) COLLATE SQL_Latin1_General_CP1_CI_AS NULL");
  });

  test("a value that does not fit its column fails alone, before anything is sent", async () => {
    fake.handler = tableHandler(() => USERS);
    const t = target({ columns: { email: "$.detail.email", version: "$.detail.version" } });
    const result = await t.write(
      envelopes([
        userEvent("u1", { version: "seven" }),
        userEvent("x".repeat(65)),
        userEvent("u2", { version: 7 }),
      ]),
    );
    expect(result.failures.map((f) => [f.index, f.code, f.retryable])).toEqual([
      [0, "InvalidValue", false],
      [1, "InvalidValue", false],
    ]);
    expect(result.failures[0]!.message).toBe(
      'event at events.ndjson:1: column "version" of table "users": "seven" is not a whole number',
    );
    expect(writes()[0]!.params.map((p) => p.value)).toEqual(["u2", null, 7n]);
  });
});

describe("failures", () => {
  const failOnce = (match: (r: TdsRequest) => boolean, error: { number: number; message: string }) => {
    let failed = false;
    return tableHandler(
      () => USERS,
      (request) => {
        if (!failed && match(request)) {
          failed = true;
          return { kind: "error", error, preceding: [] };
        }
        return mergeAnswer({ INSERT: 1 });
      },
    );
  };

  test("a deadlock (1205) fails the batch as retryable; the retry succeeds", async () => {
    fake.handler = failOnce(() => true, {
      number: 1205,
      message:
        "Transaction (Process ID 52) was deadlocked on lock resources with another process and has been chosen as the deadlock victim. Rerun the transaction.",
    });
    const t = target();
    const batch = envelopes([userEvent("u1"), userEvent("u2")]);
    const first = await t.write(batch);
    expect(first.failures.map((f) => [f.index, f.code, f.retryable, f.throttled])).toEqual([
      [0, "MSSQL_1205", true, false],
      [1, "MSSQL_1205", true, false],
    ]);
    expect(first.failures[0]!.message).toContain("deadlocked");
    expect(await t.write(batch)).toEqual({ failures: [] });
    expect(merges()).toHaveLength(2);
  });

  test("a deadlock in the bulk path rolls the transaction back", async () => {
    fake.handler = failOnce((r) => r.kind === "batch", { number: 1205, message: "deadlocked" });
    const t = target({ stage: "bulk" });
    const first = await t.write(envelopes([userEvent("u1")]));
    expect(first.failures.map((f) => f.code)).toEqual(["MSSQL_1205"]);
    expect(
      writes()
        .filter((r) => r.kind === "transaction")
        .map((r) => r.transaction),
    ).toEqual(["begin", "rollback"]);
  });

  test("error 1205 on the third statement of the bulk path (the insert bulk) rolls back; the retry succeeds", async () => {
    fake.handler = tableHandler(
      () => USERS,
      () => mergeAnswer({ INSERT: 2 }),
    );
    const t = target({ stage: "bulk" });
    await t.open!();
    fake.requests.length = 0;
    fake.failStatement(3, {
      kind: "error",
      error: { number: 1205, message: "chosen as the deadlock victim" },
    });
    const batch = envelopes([userEvent("u1"), userEvent("u2")]);
    const first = await t.write(batch);
    expect(first.failures.map((f) => [f.index, f.code, f.retryable])).toEqual([
      [0, "MSSQL_1205", true],
      [1, "MSSQL_1205", true],
    ]);
    expect(writes().map((r) => r.transaction ?? r.sql.split(/[\n(]/)[0])).toEqual([
      "begin",
      "SET XACT_ABORT ON;",
      "insert bulk [#rehydrate_stage]",
      "rollback",
    ]);
    expect(await t.write(batch)).toEqual({ failures: [] });
  });

  test("a failed transaction begin (error, timeout, cut) does not keep the connection: the pool still closes", async () => {
    for (const fault of [
      { kind: "error", error: { number: 40613, message: "not available" } },
      { kind: "silence" },
      { kind: "cut" },
    ] as const) {
      fake.handler = tableHandler(
        () => USERS,
        () => mergeAnswer({ INSERT: 1 }),
      );
      const t = fakeTarget(fake.port, { stage: "bulk", requestTimeoutMs: 250 });
      await t.open!();
      fake.failStatement(1, fault);
      const result = await t.write(envelopes([userEvent("u1")]));
      expect(result.failures).toEqual([expect.objectContaining({ index: 0, retryable: true })]);
      expect(await t.write(envelopes([userEvent("u1")]))).toEqual({ failures: [] });
      const started = Date.now();
      await t.close!();
      expect(Date.now() - started).toBeLessThan(2000);
    }
  });

  test("Azure transient errors are retryable; 40501 (service busy) counts as throttled", async () => {
    for (const [number, throttled] of [
      [40613, false],
      [40197, false],
      [40501, true],
      [49918, true],
    ] as const) {
      fake.handler = failOnce(() => true, { number, message: `azure ${number}` });
      const t = target();
      const result = await t.write(envelopes([userEvent("u1")]));
      expect(result.failures).toEqual([
        expect.objectContaining({ index: 0, code: `MSSQL_${number}`, retryable: true, throttled }),
      ]);
      expect(await t.write(envelopes([userEvent("u1")]))).toEqual({ failures: [] });
    }
  });

  test("a request timeout is retryable and the pool recovers", async () => {
    let silent = true;
    fake.handler = tableHandler(
      () => USERS,
      () => (silent ? { kind: "silence" } : mergeAnswer({ INSERT: 1 })),
    );
    const t = target({ requestTimeoutMs: 300 });
    const result = await t.write(envelopes([userEvent("u1")]));
    expect(result.failures).toEqual([
      expect.objectContaining({ index: 0, code: "ETIMEOUT", retryable: true }),
    ]);
    silent = false;
    expect(await t.write(envelopes([userEvent("u1")]))).toEqual({ failures: [] });
  });

  test("a lost connection is retryable; the next write gets a new connection", async () => {
    let cut = true;
    fake.handler = tableHandler(
      () => USERS,
      () => {
        if (!cut) return mergeAnswer({ INSERT: 1 });
        cut = false;
        return { kind: "cut" };
      },
    );
    const t = target();
    await t.open!();
    const before = fake.connections();
    const result = await t.write(envelopes([userEvent("u1")]));
    expect(result.failures).toEqual([expect.objectContaining({ index: 0, retryable: true })]);
    expect(["ESOCKET", "ECONNCLOSED", "ECONNRESET", "ECLOSE"]).toContain(result.failures[0]!.code);
    expect(await t.write(envelopes([userEvent("u1")]))).toEqual({ failures: [] });
    expect(fake.connections()).toBeGreaterThan(before);
  });

  test("a refused row fails only its event: the batch is re-run in halves, in read order", async () => {
    fake.handler = tableHandler(
      () => USERS,
      (request) =>
        request.params.some((p) => p.value === "dup@x")
          ? {
              kind: "error",
              error: { number: 3621, message: "The statement has been terminated." },
              preceding: [
                {
                  number: 2627,
                  message:
                    "Violation of UNIQUE KEY constraint 'UQ_email'. Cannot insert duplicate key in object 'dbo.users'. The duplicate key value is (dup@x).",
                  class: 14,
                },
              ],
            }
          : mergeAnswer({ INSERT: 1 }),
    );
    const t = target();
    const batch = envelopes(
      ["a", "b", "c", "d", "e"].map((id) => userEvent(id, { email: id === "c" ? "dup@x" : `${id}@x` })),
    );
    const result = await t.write(batch);
    expect(result.failures).toEqual([
      {
        index: 2,
        retryable: false,
        code: "MSSQL_2627",
        message: expect.stringMatching(
          /^upsert of users\(id=c\) refused: Violation of UNIQUE KEY constraint 'UQ_email'/,
        ),
      },
    ]);
    // [a..e] fails → [a,b,c] fails → [a,b] ok, [c] fails alone → [d,e] ok.
    const parts = merges().map((r) => r.params.filter((_, i) => i % 2 === 0).map((p) => p.value));
    expect(parts).toEqual([["a", "b", "c", "d", "e"], ["a", "b", "c"], ["a", "b"], ["c"], ["d", "e"]]);
  });

  test("a missing table or permission stops the run", async () => {
    for (const error of [
      { number: 208, message: "Invalid object name 'dbo.users'." },
      { number: 229, message: "The INSERT permission was denied on the object 'users'." },
    ]) {
      fake.handler = tableHandler(
        () => USERS,
        () => ({ kind: "error", error }),
      );
      const t = target();
      const thrown = await t.write(envelopes([userEvent("u1")])).catch((e: unknown) => e);
      expect(thrown).toBeInstanceOf(PluginError);
      expect((thrown as Error).message).toBe(
        `writing table "users" failed: ${error.message} (MSSQL_${error.number})`,
      );
    }
  });

  test("an aborted write cancels its request and reports every event cancelled", async () => {
    fake.handler = tableHandler(
      () => USERS,
      () => ({ kind: "silence" }),
    );
    const t = target({ requestTimeoutMs: 10_000 });
    await t.open!();
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const started = Date.now();
    const result = await t.write(envelopes([userEvent("u1"), userEvent("u2")]), {
      signal: controller.signal,
    });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(result.failures.map((f) => [f.index, f.code, f.retryable])).toEqual([
      [0, "Cancelled", true],
      [1, "Cancelled", true],
    ]);
  });
});

describe("names", () => {
  test("a schema and table with brackets, quotes, spaces and semicolons travel quoted, the catalog name as a parameter", async () => {
    const table = "we]ird; 'name\"";
    fake.handler = tableHandler(
      () => USERS,
      () => mergeAnswer({ INSERT: 1 }),
    );
    const t = target({ schema: "my schema", table });
    expect(await t.write(envelopes([userEvent("u1", { email: "a@x" })]))).toEqual({ failures: [] });
    const catalog = fake.requests.find(isCatalog)!;
    expect(catalog.params[0]!.value).toBe(`[my schema].[we]]ird; 'name"]`);
    expect(merges()[0]!.sql).toContain(`MERGE [my schema].[we]]ird; 'name"] WITH (HOLDLOCK) AS t`);
  });
});

describe("lanes", () => {
  test("writes in flight use one connection each, at most `lanes` of them", async () => {
    fake.handler = tableHandler(
      () => USERS,
      async () => {
        await Bun.sleep(60);
        return mergeAnswer({ INSERT: 1 });
      },
    );
    const t = target({ lanes: 2 });
    expect(t.policy.maxInFlight).toBe(2);
    expect(t.sameKey).toBe("collapse");
    await t.open!();
    const before = fake.connections();
    let peak = 0;
    const sampler = setInterval(() => {
      peak = Math.max(peak, fake.openConnections());
    }, 5);
    const results = await Promise.all(
      [1, 2, 3, 4, 5, 6].map((n) => t.write(envelopes([userEvent(`u${n}`, { email: `${n}@x` })]))),
    );
    clearInterval(sampler);
    expect(results.every((r) => r.failures.length === 0)).toBe(true);
    const lanes = new Set(merges().map((r) => r.connection));
    expect(lanes.size).toBe(2);
    expect(peak).toBeLessThanOrEqual(2);
    expect(fake.connections() - before).toBeLessThanOrEqual(1);
  });

  test("rowKey: the row an event writes, compared as SQL Server's default collations do", () => {
    const t = target();
    expect(t.rowKey!(userEvent("Alice "))).toBe(t.rowKey!(userEvent("alice")));
    expect(t.rowKey!(userEvent(42))).toBe(t.rowKey!(userEvent("42")));
    expect(t.rowKey!(userEvent("bob"))).not.toBe(t.rowKey!(userEvent("alice")));
    expect(t.rowKey!(userEvent(undefined))).toBeUndefined();
  });
});

describe("transient errors at start", () => {
  test("the catalog read is retried after a transient error (Azure 40613), not fatal", async () => {
    fake.handler = tableHandler(() => USERS);
    fake.failStatement(1, {
      kind: "error",
      error: { number: 40613, message: "Database is not currently available" },
    });
    const t = target();
    expect((await t.check()).ok).toBe(true);
    expect(fake.requests.filter(isCatalog)).toHaveLength(2);
  });
});
