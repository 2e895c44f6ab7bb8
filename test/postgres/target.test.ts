import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type postgres from "postgres";
import type { Envelope, EventBridgeEvent } from "../../src/sdk/index.ts";
import {
  freshSchema,
  POSTGRES_HOOK_TIMEOUT_MS,
  type PostgresServer,
  postgresServer,
} from "../services/postgres.ts";
import { seededRandom } from "../support/seeded-random.ts";
import { chunks, envelopes, holdLock, ident, openTarget, testHost, userEvent, writeAll } from "./support.ts";

let server: PostgresServer;
let sql: postgres.Sql;

beforeAll(async () => {
  server = await postgresServer();
  sql = server.client();
}, POSTGRES_HOOK_TIMEOUT_MS);

afterAll(async () => {
  await sql?.end();
});

/** The table's rows as plain objects. */
const dump = async (schema: string, table: string, order: string): Promise<Record<string, unknown>[]> =>
  (await sql.unsafe(`SELECT * FROM ${ident(schema)}.${ident(table)} ORDER BY ${order}`)).map((row) => ({
    ...row,
  }));

/** The first row of a query. */
const one = async (text: string, params: string[] = []): Promise<Record<string, unknown>> => ({
  ...(await sql.unsafe(text, params))[0],
});

describe("postgres target: writes", () => {
  test("whole events keyed by id into a created table; a re-run changes nothing", async () => {
    const schema = await freshSchema(server);
    const target = await openTarget(server, { schema, table: "events", createTable: true });
    const batch = envelopes([1, 2, 3].map((n) => ({ ...userEvent(n), id: `id-${n}` })));
    expect(await target.write(batch)).toEqual({ failures: [] });
    const rows = await dump(schema, "events", "id");
    expect(rows.map((r) => r.id)).toEqual(["id-1", "id-2", "id-3"]);
    expect(rows[0]!.event).toEqual(batch[0]!.event);
    const versions = await sql.unsafe(`SELECT xmin::text AS x FROM ${ident(schema)}.events ORDER BY id`);
    expect(await target.write(batch)).toEqual({ failures: [] });
    expect(await dump(schema, "events", "id")).toEqual(rows);
    // Re-running rewrote the rows with identical values (no version guard): same content.
    expect(versions.length).toBe(3);
    await target.close?.();
  });

  test("a batch leaves what applying its events one by one leaves (seeded, few keys, deletes, composite key)", async () => {
    const schema = await freshSchema(server);
    const random = seededRandom(1313);
    const events: EventBridgeEvent[] = [];
    for (let i = 0; i < 600; i++) {
      const tenant = random() < 0.5 ? "a" : "b";
      const user = Math.floor(random() * 6);
      const deleted = random() < 0.2;
      events.push(
        userEvent(
          user,
          { tenant, n: i, email: random() < 0.2 ? undefined : `u${i}@x`, tags: [i % 3] },
          deleted ? "UserDeleted" : "UserUpdated",
        ),
      );
    }
    const config = (table: string) => ({
      schema,
      table,
      key: { tenant: "$.detail.tenant", user_id: "$.detail.userId" },
      columns: { n: "$.detail.n", email: "$.detail.email", tags: "$.detail.tags" },
      types: { user_id: "INTEGER", n: "BIGINT", tags: "JSON" },
      deleteWhen: { "detail-type": ["UserDeleted"] },
    });
    for (const table of ["batched", "one_by_one"]) {
      // An unmapped column with a default: a delete then an upsert in one batch must reset it.
      await sql.unsafe(
        `CREATE TABLE ${ident(schema)}.${table} (tenant text, user_id integer, n bigint, email text, tags jsonb, note text DEFAULT 'fresh', PRIMARY KEY (tenant, user_id))`,
      );
    }
    const batched = await openTarget(server, config("batched"));
    const single = await openTarget(server, config("one_by_one"));
    const all = envelopes(events);
    let at = 0;
    let round = 0;
    while (at < all.length) {
      const size = 1 + Math.floor(random() * 120);
      const batch = all.slice(at, at + size);
      expect((await batched.write(batch)).failures).toEqual([]);
      for (const envelope of batch) expect((await single.write([envelope])).failures).toEqual([]);
      // Touch the unmapped column between batches, so "replace" is observable.
      await sql.unsafe(`UPDATE ${ident(schema)}.batched SET note = 'touched ${round}'`);
      await sql.unsafe(`UPDATE ${ident(schema)}.one_by_one SET note = 'touched ${round}'`);
      at += size;
      round++;
    }
    const a = await dump(schema, "batched", "tenant, user_id");
    const b = await dump(schema, "one_by_one", "tenant, user_id");
    expect(a.length).toBeGreaterThan(0);
    expect(a).toEqual(b);
    await batched.close?.();
    await single.close?.();
  });

  test("version guard with tombstones: shuffled replays in random batches converge; older events count as skipped", async () => {
    const schema = await freshSchema(server);
    const random = seededRandom(77);
    const events: EventBridgeEvent[] = [];
    for (let version = 1; version <= 400; version++) {
      const user = `u${Math.floor(random() * 8)}`;
      const deleted = random() < 0.25;
      events.push(
        userEvent(
          user,
          { v: version, email: `${user}.v${version}@x` },
          deleted ? "UserDeleted" : "UserUpdated",
        ),
      );
    }
    const config = (table: string) => ({
      schema,
      table,
      key: { id: "$.detail.userId" },
      columns: { v: "$.detail.v", email: "$.detail.email" },
      types: { v: "BIGINT" },
      ifNewer: "v",
      deleteWhen: { "detail-type": ["UserDeleted"] },
      createTable: true,
    });
    // Expected: per key, the event with the highest version.
    const newest = new Map<string, EventBridgeEvent>();
    for (const event of events) newest.set((event.detail as { userId: string }).userId, event);
    const expected = [...newest.entries()]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([id, event]) => {
        const detail = event.detail as { v: number; email: string };
        return {
          id,
          v: String(detail.v),
          email: detail.email,
          deleted: event["detail-type"] === "UserDeleted",
        };
      });
    for (let replay = 0; replay < 4; replay++) {
      const table = `replay_${replay}`;
      const target = await openTarget(server, config(table));
      const shuffled = [...events];
      for (let i = shuffled.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
      }
      const all = envelopes(shuffled);
      let at = 0;
      while (at < all.length) {
        const size = 1 + Math.floor(random() * 90);
        expect((await target.write(all.slice(at, at + size))).failures).toEqual([]);
        at += size;
      }
      const rows = await dump(schema, table, "id");
      expect(rows.map((r) => ({ ...r }))).toEqual(expected);
      // Replaying everything again: nothing is newer, so every event is skipped.
      const again = await target.write(envelopes(events));
      expect(again.failures).toEqual([]);
      expect(again.skipped).toEqual(events.map((_, i) => i));
      await target.close?.();
    }
  });

  test("hostile identifiers: quotes, spaces and semicolons in schema, table and column names", async () => {
    const schema = await freshSchema(server, 'we"ird; schema');
    const table = 'ta"ble; DROP TABLE x; --';
    const target = await openTarget(server, {
      schema,
      table,
      key: { 'k"ey; 1': "$.detail.userId" },
      columns: { "e mail;": "$.detail.email", 'v"': "$.detail.v" },
      types: { 'v"': "INTEGER" },
      ifNewer: 'v"',
      deleteWhen: { "detail-type": ["UserDeleted"] },
      tombstoneColumn: "gone; --",
      createTable: true,
    });
    const result = await target.write(
      envelopes([
        userEvent("a'); DROP", { email: "x\ty\n\\z'\"", v: 1 }),
        userEvent("b", { email: "b@x", v: 1 }),
        userEvent("b", { v: 2 }, "UserDeleted"),
      ]),
    );
    expect(result).toEqual({ failures: [] });
    const rows = await dump(schema, table, ident('k"ey; 1'));
    expect(rows.map((r) => ({ ...r }))).toEqual([
      { 'k"ey; 1': "a'); DROP", "e mail;": "x\ty\n\\z'\"", 'v"': 1, "gone; --": false },
      { 'k"ey; 1': "b", "e mail;": null, 'v"': 2, "gone; --": true },
    ]);
    expect((await target.check()).ok).toBe(true);
    await target.close?.();
  });
});

describe("postgres target: failures", () => {
  test("a refused row fails alone with its SQLSTATE and position; a key's earlier events still apply", async () => {
    const schema = await freshSchema(server);
    await sql.unsafe(
      `CREATE TABLE ${ident(schema)}.users (id text PRIMARY KEY, email text CHECK (email LIKE '%@%'), age integer)`,
    );
    const target = await openTarget(server, {
      schema,
      table: "users",
      key: { id: "$.detail.userId" },
      columns: { email: "$.detail.email", age: "$.detail.age" },
    });
    const batch: Envelope[] = envelopes([
      ...Array.from({ length: 40 }, (_, i) => userEvent(`ok${i}`, { email: `ok${i}@x`, age: i })),
      userEvent("u1", { email: "first@x", age: 1 }), // 40: applied
      userEvent("u1", { email: "no-at-sign", age: 2 }), // 41: CHECK refuses
      userEvent("u2", { email: "u2@x", age: "abc" }), // 42: integer refuses
      userEvent(undefined, { email: "k@x" }), // 43: no key
      userEvent("u3", { email: "u3@x", age: JSON.parse("1e400") }), // 44: not finite
    ]);
    const result = await target.write(batch);
    expect(result.failures.map((f) => [f.index, f.code, f.retryable])).toEqual([
      [41, "23514", false],
      [42, "22P02", false],
      [43, "MissingKey", false],
      [44, "NumberOutOfRange", false],
    ]);
    expect(result.failures[0]!.message).toContain("events.ndjson:42");
    expect(result.failures[0]!.message).toContain("SQLSTATE 23514");
    expect(result.failures[1]!.message).toContain("events.ndjson:43");
    const rows = await dump(schema, "users", "id");
    expect(rows.length).toBe(41);
    expect(rows.find((r) => r.id === "u1")).toEqual({ id: "u1", email: "first@x", age: 1 });
    await target.close?.();
  });

  test("a connection terminated mid-write (pg_terminate_backend) fails the batch as retryable; the retry writes it", async () => {
    const schema = await freshSchema(server);
    const target = await openTarget(server, { schema, table: "t", createTable: true });
    expect((await target.write(envelopes([{ ...userEvent(0), id: "warm" }]))).failures).toEqual([]);
    // Hold a lock so the target's merge waits, then kill its backend while it waits.
    const unlock = await holdLock(sql, `${ident(schema)}.t`);
    const batch = envelopes([1, 2, 3].map((n) => ({ ...userEvent(n), id: `k${n}` })));
    const pending = target.write(batch, { signal: new AbortController().signal });
    let killed = 0;
    for (let i = 0; i < 100 && killed === 0; i++) {
      await Bun.sleep(20);
      const rows = await sql.unsafe(
        `SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity
         WHERE application_name LIKE 'rehydrate%' AND wait_event_type = 'Lock'`,
      );
      killed = rows.length;
    }
    await unlock();
    expect(killed).toBe(1);
    const result = await pending;
    expect(result.failures.length).toBe(3);
    expect(result.failures.every((f) => f.retryable)).toBe(true);
    expect(result.failures[0]!.code).toMatch(/57P01|CONNECTION_/);
    const [retried] = await writeAll(target, [batch]);
    expect(retried!.failures).toEqual([]);
    expect((await dump(schema, "t", "id")).map((r) => r.id)).toEqual(["k1", "k2", "k3", "warm"]);
    // Closing after a lost connection must not hang (postgres.js keeps the dead connection's
    // last query and would wait for it).
    const closing = performance.now();
    await target.close?.();
    expect(performance.now() - closing).toBeLessThan(2000);
  });

  test("an aborted write cancels its statement and writes nothing", async () => {
    const schema = await freshSchema(server);
    const target = await openTarget(server, { schema, table: "t", createTable: true });
    const unlock = await holdLock(sql, `${ident(schema)}.t`);
    const controller = new AbortController();
    const pending = target.write(envelopes([{ ...userEvent(1), id: "x" }]), { signal: controller.signal });
    await Bun.sleep(150);
    controller.abort();
    await expect(pending).rejects.toThrow(/cancelled/);
    await unlock();
    expect(await dump(schema, "t", "id")).toEqual([]);
    await target.close?.();
  });

  test("a table dropped under the target stops the run (throws) instead of failing items", async () => {
    const schema = await freshSchema(server);
    const target = await openTarget(server, { schema, table: "t", createTable: true });
    await sql.unsafe(`DROP TABLE ${ident(schema)}.t`);
    await expect(target.write(envelopes([userEvent(1)]))).rejects.toThrow(/SQLSTATE 42P01/);
    await target.close?.();
  });

  test("many lanes at once, each on its own connection, end as one by one", async () => {
    const schema = await freshSchema(server);
    const target = await openTarget(server, {
      schema,
      table: "t",
      key: { id: "$.detail.userId" },
      columns: { n: "$.detail.n" },
      types: { n: "INTEGER" },
      connections: 4,
      createTable: true,
    });
    // Lanes carry disjoint keys (the engine orders per row key), so they may run at once.
    const lanes = [0, 1, 2, 3].map((lane) =>
      chunks(
        envelopes(Array.from({ length: 400 }, (_, i) => userEvent(`l${lane}-${i % 50}`, { n: i }))),
        100,
      ),
    );
    await Promise.all(lanes.map((batches) => writeAll(target, batches)));
    const rows = await dump(schema, "t", "id");
    expect(rows.length).toBe(200);
    expect(rows.every((r) => (r.n as number) >= 350)).toBe(true);
    const { count } = await one(
      "SELECT count(*)::int AS count FROM pg_stat_activity WHERE application_name LIKE 'rehydrate%'",
    );
    expect(count).toBeGreaterThan(1);
    await target.close?.();
  });
});

describe("postgres target: check and dry run", () => {
  test("each problem is named: missing column, key not unique, NOT NULL without default, types", async () => {
    const schema = await freshSchema(server);
    await sql.unsafe(
      `CREATE TABLE ${ident(schema)}.bad (id text, "Email" text, age text, doc jsonb, must text NOT NULL, deleted integer)`,
    );
    const target = await openTarget(
      server,
      {
        schema,
        table: "bad",
        key: { id: "$.detail.userId" },
        columns: { email: "$.detail.email", age: "$.detail.age", doc: "$.detail.doc", v: "$.detail.v" },
        types: { age: "INTEGER" },
        ifNewer: "v",
        deleteWhen: { "detail-type": ["UserDeleted"] },
      },
      testHost({ dryRun: true }),
    );
    const result = await target.check();
    expect(result.ok).toBe(false);
    const text = result.details.join("\n");
    expect(text).toContain('column "email" (mapped from $.detail.email) does not exist');
    expect(text).toContain(`(names are case-sensitive: there is "Email")`);
    expect(text).toContain('column "v" (mapped from $.detail.v) does not exist');
    expect(text).toContain('column "age" of table');
    expect(text).toContain("declares INTEGER");
    expect(text).toContain('column "doc" of table');
    expect(text).toContain("declare it in types as JSON");
    expect(text).toContain('tombstone column "deleted"');
    expect(text).toContain('column "must" of table');
    expect(text).toContain("NOT NULL without a default");
    expect(text).toContain("key columns (id) are neither the PRIMARY KEY (none) nor a UNIQUE index");
    await target.close?.();
  });

  test("a missing table fails unless createTable; a unique index on the key passes", async () => {
    const schema = await freshSchema(server);
    const missing = await openTarget(server, { schema, table: "nope" }, testHost({ dryRun: true }));
    const result = await missing.check();
    expect(result.ok).toBe(false);
    expect(result.details.at(-1)).toContain("does not exist (set createTable: true to create it)");
    await sql.unsafe(`CREATE TABLE ${ident(schema)}.u (id text NOT NULL, event jsonb)`);
    await sql.unsafe(`CREATE UNIQUE INDEX u_id ON ${ident(schema)}.u (id)`);
    const unique = await openTarget(server, { schema, table: "u" }, testHost({ dryRun: true }));
    const ok = await unique.check();
    expect(ok).toMatchObject({ ok: true });
    expect(ok.details.join("\n")).toContain('has UNIQUE index "u_id"');
  });

  test("a dry run with createTable checks and plans, and leaves no table, no row and no session behind", async () => {
    const schema = await freshSchema(server);
    const target = await openTarget(
      server,
      { schema, table: "planned", createTable: true },
      testHost({ dryRun: true }),
    );
    const result = await target.check();
    expect(result.ok).toBe(true);
    expect(result.details.join("\n")).toContain("it will be created: CREATE TABLE IF NOT EXISTS");
    const plan = await target.plan(envelopes([userEvent(1)]));
    expect(plan[0]).toMatchObject({ action: "upsert" });
    await expect(target.write(envelopes([userEvent(1)]))).rejects.toThrow(/dry run/);
    await target.close?.();
    const { found } = await one("SELECT to_regclass($1) IS NOT NULL AS found", [`${ident(schema)}.planned`]);
    expect(found).toBe(false);
    // The check's read-only session is closed again: nothing of the target stays connected.
    const { count } = await one(
      "SELECT count(*)::int AS count FROM pg_stat_activity WHERE application_name LIKE 'rehydrate%'",
    );
    expect(count).toBe(0);
  });

  test("check takes no lock on the table: it completes while another session holds ACCESS EXCLUSIVE", async () => {
    const schema = await freshSchema(server);
    await sql.unsafe(`CREATE TABLE ${ident(schema)}.busy (id text PRIMARY KEY, event jsonb)`);
    const unlock = await holdLock(sql, `${ident(schema)}.busy`);
    try {
      const target = await openTarget(server, { schema, table: "busy" }, testHost({ dryRun: true }));
      const result = await Promise.race([target.check(), Bun.sleep(5000).then(() => "blocked" as const)]);
      expect(result).toMatchObject({ ok: true });
    } finally {
      await unlock();
    }
  });

  test("a role without rights: check names them, and opening the target stops the run", async () => {
    const schema = await freshSchema(server);
    await sql.unsafe(`CREATE TABLE ${ident(schema)}.locked (id text PRIMARY KEY, event jsonb)`);
    const role = `reader_${process.pid}`;
    await sql.unsafe(`DROP ROLE IF EXISTS ${role}`);
    await sql.unsafe(`CREATE ROLE ${role} LOGIN PASSWORD 'reader-pw'`);
    await sql.unsafe(`GRANT USAGE ON SCHEMA ${ident(schema)} TO ${role}`);
    await sql.unsafe(`GRANT SELECT ON ${ident(schema)}.locked TO ${role}`);
    await sql.unsafe(`REVOKE TEMPORARY ON DATABASE postgres FROM PUBLIC`);
    try {
      const url = `postgres://${role}:reader-pw@127.0.0.1:${server.port}/postgres`;
      const dry = await openTarget(server, { url, schema, table: "locked" }, testHost({ dryRun: true }));
      const result = await dry.check();
      expect(result.ok).toBe(false);
      const text = result.details.join("\n");
      expect(text).toContain("this role lacks INSERT, UPDATE on table");
      expect(text).toContain("may not create temporary tables");
      await expect(openTarget(server, { url, schema, table: "locked" })).rejects.toThrow(
        /lacks INSERT, UPDATE/,
      );
    } finally {
      await sql.unsafe(`GRANT TEMPORARY ON DATABASE postgres TO PUBLIC`);
      await sql.unsafe(`DROP OWNED BY ${role}`);
      await sql.unsafe(`DROP ROLE ${role}`);
    }
  });

  test("a wrong password is reported without the password", async () => {
    const target = await openTarget(
      server,
      { url: server.url.replace(server.password, "not-the-password-s3cr3t"), table: "t" },
      testHost({ dryRun: true }),
    );
    const result = await target.check();
    expect(result.ok).toBe(false);
    const text = result.details.join("\n");
    expect(text).toContain(`cannot check 127.0.0.1:${server.port}/postgres`);
    expect(text).toContain("28P01");
    expect(text).not.toContain("s3cr3t");
    expect(text).not.toContain(server.password);
  });
});

describe("postgres target: TLS", () => {
  // The harness turns TLS on when `openssl` can make a certificate. Without openssl there is no
  // TLS server to talk to: the test is then reported skipped, never counted as passed.
  const opensslAvailable = Bun.which("openssl") !== null;
  test.skipIf(!opensslAvailable)(
    "require and verify-full (with the CA file) connect over TLS, disable does not; verify-full without the CA is refused",
    async () => {
      expect(server.tlsCaFile).toBeDefined();
      const schema = await freshSchema(server);
      const inTls = async (tls: Record<string, unknown>) => {
        const target = await openTarget(server, { schema, table: "t", createTable: true, tls });
        const result = await target.write(
          envelopes([{ ...userEvent(1), id: `x-${JSON.stringify(tls).length}` }]),
        );
        const { ssl } = await one(
          "SELECT bool_or(s.ssl) AS ssl FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) WHERE a.application_name LIKE 'rehydrate%'",
        );
        await target.close?.();
        return { result, ssl };
      };
      expect(await inTls({ mode: "require" })).toEqual({ result: { failures: [] }, ssl: true });
      expect(await inTls({ mode: "verify-full", caFile: server.tlsCaFile })).toEqual({
        result: { failures: [] },
        ssl: true,
      });
      expect(await inTls({ mode: "disable" })).toEqual({ result: { failures: [] }, ssl: false });
      // Without the CA, the self-signed certificate is refused.
      const untrusted = await openTarget(
        server,
        { schema, table: "t", tls: { mode: "verify-full" } },
        testHost({ dryRun: true }),
      );
      const check = await untrusted.check();
      expect(check.ok).toBe(false);
      expect(check.details.join("\n")).toMatch(/certificate/i);
    },
  );
});
