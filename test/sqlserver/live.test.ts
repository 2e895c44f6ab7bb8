/**
 * The SQL Server target against a real server. Runs only when `REHYDRATE_SQLSERVER_URL` is set
 * (e.g. `sqlserver://sa:<password>@127.0.0.1:1433/master?encrypt=false`, see
 * docs/targets/sqlserver.md for the Docker command); otherwise every test here is reported as
 * **skipped**, never passed. No SQL Server can run on the project's machines, so these tests
 * have not been run there.
 *
 * Properties, as for the PostgreSQL target: a batch leaves what applying its events one by one
 * leaves (both staging paths), re-running the same input changes nothing, and under a version
 * guard any order of the same events converges to the same table (deletes as tombstones).
 * Each test uses its own table and drops it.
 */
import { afterAll, describe, expect, test } from "bun:test";
import type * as Mssql from "mssql";
import { loadMssql } from "../../plugins/sqlserver/connection.ts";
import type { Envelope, EventBridgeEvent } from "../../src/sdk/index.ts";
import { seededRandom } from "../support/seeded-random.ts";
import { envelopes, fakeTarget, userEvent } from "./support.ts";

const URL_ENV = process.env.REHYDRATE_SQLSERVER_URL;
const live = test.skipIf(!URL_ENV);

const created: string[] = [];
let admin: Mssql.ConnectionPool | undefined;

async function adminPool(): Promise<Mssql.ConnectionPool> {
  if (admin) return admin;
  const mssql = await loadMssql();
  const url = new URL(URL_ENV!);
  admin = new mssql.ConnectionPool({
    server: url.hostname,
    port: url.port ? Number(url.port) : 1433,
    database: decodeURIComponent(url.pathname.slice(1)) || "master",
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
    options: {
      encrypt: url.searchParams.get("encrypt") !== "false",
      trustServerCertificate: url.searchParams.get("trustServerCertificate") === "true",
    },
  });
  await admin.connect();
  return admin;
}

afterAll(async () => {
  if (!admin) return;
  for (const table of created)
    await admin
      .request()
      .batch(`DROP TABLE IF EXISTS [dbo].[${table}]`)
      .catch(() => {});
  await admin.close();
});

let counter = 0;
function tableName(): string {
  const name = `rehydrate_live_${process.pid}_${Date.now().toString(36)}_${++counter}`;
  created.push(name);
  return name;
}

/** A target on the live server (createTable on), with `overrides`. */
function liveTarget(table: string, overrides: Record<string, unknown> = {}) {
  const url = new URL(URL_ENV!);
  return fakeTarget(Number(url.port || 1433), {
    url: URL_ENV,
    table,
    createTable: true,
    types: { id: "NVARCHAR(64)" },
    requestTimeoutMs: 30_000,
    connectTimeoutMs: 15_000,
    ...overrides,
  });
}

async function rows(table: string): Promise<Array<Record<string, unknown>>> {
  const pool = await adminPool();
  const result = await pool.request().query(`SELECT * FROM [dbo].[${table}] ORDER BY [id]`);
  return result.recordset.map((row) => ({ ...row }));
}

/** Random upserts and deletes over a few keys (so batches repeat keys), reproducible. */
function randomEvents(seed: number, count: number, withVersions: boolean): EventBridgeEvent[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, (_, i) => {
    const id = `k${Math.floor(random() * 12)}`;
    const detail: Record<string, unknown> = { email: `${id}-${i}@x`, n: Math.floor(random() * 1000) };
    // Unique versions: with ties, which equal-version event wins depends on read order.
    if (withVersions) detail.version = i + 1;
    return userEvent(id, detail, random() < 0.2 ? "UserDeleted" : "UserUpdated");
  });
}

async function writeAll(target: ReturnType<typeof liveTarget>, events: Envelope[], batchSize: number) {
  await target.open!();
  for (let i = 0; i < events.length; i += batchSize) {
    const result = await target.write(events.slice(i, i + batchSize));
    expect(result.failures).toEqual([]);
  }
  await target.flush!();
}

describe("live SQL Server (REHYDRATE_SQLSERVER_URL)", () => {
  const mapping = {
    key: { id: "$.detail.userId" },
    columns: { email: "$.detail.email", n: "$.detail.n" },
    types: { id: "NVARCHAR(64)", n: "INT" },
    deleteWhen: { "detail-type": ["UserDeleted"] },
  };

  live(
    "a batch leaves what one-by-one leaves, for both staging paths, and a re-run changes nothing",
    async () => {
      const events = envelopes(randomEvents(1, 400, false));
      const oneByOne = tableName();
      await writeAll(liveTarget(oneByOne, mapping), events, 1);
      const expected = await rows(oneByOne);
      expect(expected.length).toBeGreaterThan(0);
      // And what one by one means, computed here: the last upsert of a key, unless deleted after.
      const model = new Map<string, Record<string, unknown>>();
      for (const { event } of events) {
        const detail = event.detail as { userId: string; email: string; n: number };
        if (event["detail-type"] === "UserDeleted") model.delete(detail.userId);
        else model.set(detail.userId, { id: detail.userId, email: detail.email, n: detail.n });
      }
      expect(expected).toEqual([...model.values()].sort((a, b) => String(a.id).localeCompare(String(b.id))));
      for (const stage of ["values", "bulk"]) {
        const table = tableName();
        const target = liveTarget(table, { ...mapping, stage, bulkChunkRows: 37 });
        await writeAll(target, events, 150);
        expect(await rows(table)).toEqual(expected);
        await writeAll(target, events, 150);
        expect(await rows(table)).toEqual(expected);
        await target.close!();
      }
    },
  );

  live("version guard: any order of the same events converges; older events are skipped", async () => {
    const guarded = {
      key: { id: "$.detail.userId" },
      columns: { email: "$.detail.email", version: "$.detail.version" },
      types: { id: "NVARCHAR(64)", version: "BIGINT" },
      ifNewer: "version",
      deleteWhen: { "detail-type": ["UserDeleted"] },
    };
    const events = randomEvents(2, 300, true);
    let reference: Array<Record<string, unknown>> | undefined;
    for (const seed of [3, 4, 5]) {
      const random = seededRandom(seed);
      const shuffled = [...events].sort(() => random() - 0.5);
      const table = tableName();
      const target = liveTarget(table, guarded);
      await writeAll(target, envelopes(shuffled), 64);
      const result = await rows(table);
      reference ??= result;
      expect(result).toEqual(reference);
      // Re-running everything: the table already holds the newest state, so every event is skipped.
      const again = await target.write(envelopes(shuffled.slice(0, 64)));
      expect(again.failures).toEqual([]);
      expect(again.skipped?.length).toBe(64);
      await target.close!();
    }
    // Each key holds its highest version; deleted keys are tombstones.
    const highest = new Map<string, EventBridgeEvent>();
    for (const event of events) {
      const detail = event.detail as { userId: string; version: number };
      const held = highest.get(detail.userId);
      if (!held || (held.detail as { version: number }).version < detail.version)
        highest.set(detail.userId, event);
    }
    for (const row of reference!) {
      const event = highest.get(String(row.id))!;
      expect(Number(row.version)).toBe((event.detail as { version: number }).version);
      expect(row.deleted).toBe(event["detail-type"] === "UserDeleted");
    }
  });

  live("a refused row fails only its own event; the others are written", async () => {
    const table = tableName();
    const target = liveTarget(table, {
      key: { id: "$.detail.userId" },
      columns: { email: "$.detail.email" },
    });
    await target.open!();
    const pool = await adminPool();
    await pool
      .request()
      .batch(`CREATE UNIQUE INDEX [UQ_${table}] ON [dbo].[${table}] ([email]) WHERE [email] IS NOT NULL`);
    const result = await target.write(
      envelopes([
        userEvent("a", { email: "same@x" }),
        userEvent("b", { email: "b@x" }),
        userEvent("c", { email: "same@x" }),
      ]),
    );
    expect(result.failures.map((f) => [f.index, f.code, f.retryable])).toEqual([[2, "MSSQL_2601", false]]);
    expect((await rows(table)).map((r) => r.id)).toEqual(["a", "b"]);
    await target.close!();
  });

  live("check passes on a created table and names a missing one", async () => {
    const table = tableName();
    const target = liveTarget(table, { createTable: false });
    expect((await target.check()).ok).toBe(false);
    await target.close!();
    const creating = liveTarget(table);
    await creating.open!();
    const check = await creating.check();
    expect(check).toMatchObject({ ok: true });
    expect(check.details).toContain("key (id) is the PRIMARY KEY");
    await creating.close!();
  });
});
