import { Database } from "bun:sqlite";
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { EventBridgeEvent, Host } from "../../src/sdk/index.ts";
import { seededRandom as seeded } from "../../test/support/seeded-random.ts";
import { envelopes, openTarget, tempFolder, testHost, userEvent } from "./test-support.ts";

let folder: ReturnType<typeof tempFolder>;
let host: Host;
let dbPath: string;
beforeEach(() => {
  folder = tempFolder();
  host = testHost({ baseDir: folder.dir });
  dbPath = join(folder.dir, "state.db");
});
afterEach(() => folder.remove());

/** Reads every row of a table, ordered by its first column, through a separate connection. */
function rows(table = "users", path = dbPath): Record<string, unknown>[] {
  const db = new Database(path, { readonly: true });
  try {
    return db.query(`SELECT * FROM "${table.replaceAll('"', '""')}" ORDER BY 1`).all() as Record<
      string,
      unknown
    >[];
  } finally {
    db.close();
  }
}

function withDb<T>(fn: (db: Database) => T, path = dbPath): T {
  const db = new Database(path);
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

const usersMapping = {
  path: "state.db",
  table: "users",
  key: { id: "$.detail.userId" },
  columns: { email: "$.detail.email", updated_at: "$.time" },
  deleteWhen: { "detail-type": ["UserDeleted"] },
  createTable: true,
};

describe("sqlite target: mapping", () => {
  test("default mapping: table created, key from $.id, the whole event in `event`", async () => {
    const target = await openTarget({ path: "state.db", table: "events", createTable: true }, host);
    const events = [userEvent(1), userEvent(2)];
    const result = await target.write(envelopes(events));
    await target.close?.();
    expect(result.failures).toEqual([]);
    const stored = rows("events");
    expect(stored.map((r) => r.id)).toEqual(events.map((e) => e.id).sort());
    for (const row of stored) {
      expect(JSON.parse(row.event as string)).toEqual(events.find((e) => e.id === row.id)!);
    }
    expect(withDb((db) => db.query("PRAGMA journal_mode").get())).toEqual({ journal_mode: "wal" });
  });

  test("mapped columns: declared types, booleans as 1/0, objects as JSON text, missing as NULL", async () => {
    const target = await openTarget(
      {
        path: "state.db",
        table: "users",
        key: { id: "$.detail.userId" },
        columns: {
          age: "$.detail.age",
          active: "$.detail.active",
          tags: "$.detail.tags",
          nick: "$.detail.nick",
        },
        types: { id: "INTEGER", age: "INTEGER", tags: "JSON" },
        createTable: true,
      },
      host,
    );
    await target.write(
      envelopes([userEvent(7, { age: 30, active: true, tags: ["a"] }), userEvent(8, { active: false })]),
    );
    await target.close?.();
    expect(rows()).toEqual([
      { id: 7, age: 30, active: 1, tags: '["a"]', nick: null },
      { id: 8, age: null, active: 0, tags: null, nick: null },
    ]);
    const declared = withDb((db) => db.query("SELECT name, type, pk FROM pragma_table_info('users')").all());
    expect(declared).toEqual([
      { name: "id", type: "INTEGER", pk: 1 },
      { name: "age", type: "INTEGER", pk: 0 },
      { name: "active", type: "", pk: 0 },
      { name: "tags", type: "TEXT", pk: 0 },
      { name: "nick", type: "", pk: 0 },
    ]);
  });

  test("an event without a key fails with MissingKey; the rest of the batch is written", async () => {
    const target = await openTarget(usersMapping, host);
    const result = await target.write(envelopes([userEvent("a"), userEvent(undefined), userEvent("b")]));
    await target.close?.();
    expect(result.failures).toHaveLength(1);
    expect(result.failures[0]).toMatchObject({ index: 1, retryable: false, code: "MissingKey" });
    expect(result.failures[0]!.message).toContain("events.ndjson:2");
    expect(rows().map((r) => r.id)).toEqual(["a", "b"]);
  });
});

describe("sqlite target: keys", () => {
  test("composite keys, and key columns only (columns: {})", async () => {
    const target = await openTarget(
      {
        path: "state.db",
        table: "members",
        key: { team: "$.detail.team", user: "$.detail.userId" },
        columns: {},
        deleteWhen: { "detail-type": ["UserDeleted"] },
        createTable: true,
      },
      host,
    );
    expect(target.policy).toEqual({ maxItems: 500, maxInFlight: 1 });
    const result = await target.write(
      envelopes([
        userEvent("u1", { team: "red" }),
        userEvent("u1", { team: "blue" }),
        userEvent("u1", { team: "red" }),
        userEvent("u2", { team: "red" }),
        userEvent("u1", { team: "blue" }, "UserDeleted"),
      ]),
    );
    await target.close?.();
    expect(result.failures).toEqual([]);
    expect(rows("members")).toEqual([
      { team: "red", user: "u1" },
      { team: "red", user: "u2" },
    ]);
  });
});

describe("sqlite target: last write wins", () => {
  test("within a batch and across batches", async () => {
    const target = await openTarget({ ...usersMapping, batchSize: 10 }, host);
    await target.write(
      envelopes([
        userEvent("u1", { email: "1" }),
        userEvent("u2", { email: "2" }),
        userEvent("u1", { email: "3" }),
      ]),
    );
    expect(rows().map((r) => [r.id, r.email])).toEqual([
      ["u1", "3"],
      ["u2", "2"],
    ]);
    await target.write(envelopes([userEvent("u2", { email: "4" })]));
    await target.close?.();
    expect(rows().map((r) => [r.id, r.email])).toEqual([
      ["u1", "3"],
      ["u2", "4"],
    ]);
  });

  test("deleteWhen deletes the row; upsert-then-delete and delete-then-upsert in one batch", async () => {
    const target = await openTarget(usersMapping, host);
    await target.write(envelopes([userEvent("a", { email: "a1" }), userEvent("b", { email: "b1" })]));
    const result = await target.write(
      envelopes([
        userEvent("a", { email: "a2" }),
        userEvent("a", {}, "UserDeleted"),
        userEvent("b", {}, "UserDeleted"),
        userEvent("b", { email: "b2" }),
        userEvent("c", {}, "UserDeleted"),
      ]),
    );
    await target.close?.();
    expect(result.failures).toEqual([]);
    expect(rows().map((r) => [r.id, r.email])).toEqual([["b", "b2"]]);
  });

  test("a batch write leaves exactly what applying its events one by one leaves", async () => {
    // A column the mapping does not set shows the difference between "update" and
    // "delete, then insert": after a delete it must be back to its default.
    const setup = (path: string) =>
      withDb((db) => {
        db.run(
          'CREATE TABLE users (id TEXT PRIMARY KEY, email TEXT, updated_at TEXT, note TEXT DEFAULT "d")',
        );
        for (const k of ["k0", "k1", "k2"]) db.run("INSERT INTO users (id, note) VALUES (?, 'preset')", [k]);
      }, path);
    const random = seeded(42);
    for (let round = 0; round < 20; round++) {
      const events: EventBridgeEvent[] = [];
      for (let i = 0; i < 30; i++) {
        const key = `k${Math.floor(random() * 4)}`;
        events.push(random() < 0.3 ? userEvent(key, {}, "UserDeleted") : userEvent(key, { email: `e${i}` }));
      }
      const batchedPath = join(folder.dir, `batched-${round}.db`);
      const singlePath = join(folder.dir, `single-${round}.db`);
      setup(batchedPath);
      setup(singlePath);
      const batched = await openTarget({ ...usersMapping, path: batchedPath, createTable: false }, host);
      await batched.write(envelopes(events));
      await batched.close?.();
      const single = await openTarget({ ...usersMapping, path: singlePath, createTable: false }, host);
      for (const env of envelopes(events)) await single.write([env]);
      await single.close?.();
      const expected = reference(events);
      expect(rows("users", batchedPath)).toEqual(rows("users", singlePath));
      expect(rows("users", batchedPath)).toEqual(expected);
    }
  });
});

describe("sqlite target: volume", () => {
  test("50,000 events over 10,000 keys in one write: one row per key, each from its last event", async () => {
    const target = await openTarget({ ...usersMapping, batchSize: 50_000 }, host);
    const events = Array.from({ length: 50_000 }, (_, i) => userEvent(`k${i % 10_000}`, { email: `e${i}` }));
    const result = await target.write(envelopes(events));
    await target.close?.();
    expect(result.failures).toEqual([]);
    const stored = rows();
    expect(stored).toHaveLength(10_000);
    for (const row of stored) {
      const k = Number(String(row.id).slice(1));
      expect(row.email).toBe(`e${40_000 + k}`);
    }
  });
});

describe("sqlite target: failures", () => {
  test("a refused row fails alone, naming the constraint; the others are written", async () => {
    withDb((db) => db.run("CREATE TABLE users (id TEXT PRIMARY KEY, email TEXT UNIQUE, updated_at TEXT)"));
    const target = await openTarget({ ...usersMapping, createTable: false }, host);
    const result = await target.write(
      envelopes([
        userEvent("a", { email: "same@x" }),
        userEvent("b", { email: "other@x" }),
        userEvent("c", { email: "same@x" }),
        userEvent("d", { email: "d@x" }),
        userEvent("b", {}, "UserDeleted"),
      ]),
    );
    await target.close?.();
    expect(result.failures).toHaveLength(1);
    expect(result.failures[0]).toMatchObject({
      index: 2,
      retryable: false,
      code: "SQLITE_CONSTRAINT_UNIQUE",
    });
    expect(result.failures[0]!.message).toContain("users(id=c)");
    expect(result.failures[0]!.message).toContain("UNIQUE constraint failed: users.email");
    expect(rows().map((r) => [r.id, r.email])).toEqual([
      ["a", "same@x"],
      ["d", "d@x"],
    ]);
  });

  test("when a key's last event is refused, its earlier events still apply, as one by one", async () => {
    withDb((db) => db.run("CREATE TABLE users (id TEXT PRIMARY KEY, email TEXT UNIQUE, updated_at TEXT)"));
    const target = await openTarget({ ...usersMapping, createTable: false }, host);
    const result = await target.write(
      envelopes([
        userEvent("a", { email: "a1" }),
        userEvent("b", { email: "b1" }),
        userEvent("a", { email: "b1" }),
      ]),
    );
    await target.flush?.();
    await target.close?.();
    expect(result.failures.map((f) => [f.index, f.code])).toEqual([[2, "SQLITE_CONSTRAINT_UNIQUE"]]);
    expect(rows().map((r) => [r.id, r.email])).toEqual([
      ["a", "a1"],
      ["b", "b1"],
    ]);
  });

  test("a key of the wrong type for an INTEGER PRIMARY KEY fails alone with SQLITE_MISMATCH", async () => {
    const target = await openTarget({ ...usersMapping, types: { id: "INTEGER" } }, host);
    const result = await target.write(envelopes([userEvent(1), userEvent("not-a-number"), userEvent(2)]));
    await target.close?.();
    expect(result.failures.map((f) => [f.index, f.retryable, f.code])).toEqual([
      [1, false, "SQLITE_MISMATCH"],
    ]);
    expect(rows().map((r) => r.id)).toEqual([1, 2]);
  });

  test("a locked database fails the batch as retryable SQLITE_BUSY; a retry succeeds", async () => {
    const target = await openTarget({ ...usersMapping, busyTimeoutMs: 20 }, host);
    const blocker = new Database(dbPath);
    blocker.run("BEGIN IMMEDIATE");
    const batch = envelopes([userEvent("a"), userEvent(undefined), userEvent("b")]);
    const busy = await target.write(batch);
    expect(busy.failures.map((f) => [f.index, f.retryable, f.code])).toEqual([
      [0, true, "SQLITE_BUSY"],
      [1, false, "MissingKey"],
      [2, true, "SQLITE_BUSY"],
    ]);
    blocker.run("ROLLBACK");
    blocker.close();
    const retried = await target.write([batch[0]!, batch[2]!]);
    await target.close?.();
    expect(retried.failures).toEqual([]);
    expect(rows().map((r) => r.id)).toEqual(["a", "b"]);
  });

  test("a broken target (table dropped under it) throws instead of failing items", async () => {
    const target = await openTarget(usersMapping, host);
    withDb((db) => db.run("DROP TABLE users"));
    await expect(target.write(envelopes([userEvent("a")]))).rejects.toThrow(/no such table|users/);
    await target.close?.();
  });

  test("opening a missing database without createTable is a clear error", async () => {
    await expect(openTarget({ ...usersMapping, createTable: false }, host)).rejects.toThrow(
      /state\.db: database file does not exist \(set createTable: true/,
    );
    expect(existsSync(dbPath)).toBe(false);
  });

  test("createTable also creates the database's folder", async () => {
    const target = await openTarget({ ...usersMapping, path: "out/deeper/state.db" }, host);
    await target.write(envelopes([userEvent("a")]));
    await target.close?.();
    expect(rows("users", join(folder.dir, "out/deeper/state.db")).map((r) => r.id)).toEqual(["a"]);
  });

  test("opening a table that does not fit the mapping is a clear error", async () => {
    withDb((db) => db.run("CREATE TABLE users (id TEXT, email TEXT, updated_at TEXT)"));
    await expect(openTarget({ ...usersMapping, createTable: false }, host)).rejects.toThrow(
      /neither the PRIMARY KEY .* nor a UNIQUE index/,
    );
  });
});

describe("sqlite target: SQL injection stays inert", () => {
  test("hostile table, column and value text is stored, never executed", async () => {
    withDb((db) => db.run("CREATE TABLE victims (x)"));
    const table = 'users"; DROP TABLE victims; --';
    const column = "e\"); DELETE FROM victims; --'";
    const target = await openTarget(
      {
        path: "state.db",
        table,
        key: { 'i"d': "$.detail.userId" },
        columns: { [column]: "$.detail.email" },
        createTable: true,
      },
      host,
    );
    const hostile = "'); DROP TABLE victims; --";
    const result = await target.write(envelopes([userEvent(`k'"; --`, { email: hostile })]));
    const check = await target.check();
    await target.close?.();
    expect(result.failures).toEqual([]);
    expect(check.ok).toBe(true);
    expect(rows(table)).toEqual([{ 'i"d': `k'"; --`, [column]: hostile }]);
    expect(
      withDb((db) => db.query("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all()),
    ).toEqual([{ name: table }, { name: "victims" }]);
  });
});

describe("sqlite target: dry run", () => {
  test("open, check and plan never create the database; write refuses", async () => {
    const dry = testHost({ baseDir: folder.dir, dryRun: true });
    const target = await openTarget(usersMapping, dry);
    const check = await target.check();
    const plan = await target.plan(
      envelopes([userEvent("a", { email: "x" }), userEvent("a", {}, "UserDeleted")]),
    );
    expect(check.ok).toBe(true);
    expect(check.details.join("\n")).toContain("will be created");
    expect(plan.map((p) => [p.action, p.destination])).toEqual([
      ["upsert", "users(id=a)"],
      ["delete", "users(id=a)"],
    ]);
    await expect(target.write(envelopes([userEvent("a")]))).rejects.toThrow(/dry run/);
    await target.close?.();
    expect(existsSync(dbPath)).toBe(false);
    expect(existsSync(`${dbPath}-wal`)).toBe(false);
  });

  test("check on an existing database leaves its bytes unchanged", async () => {
    const target = await openTarget(usersMapping, host);
    await target.write(envelopes([userEvent("a", { email: "x" })]));
    await target.close?.();
    const before = await Bun.file(dbPath).bytes();
    const dry = testHost({ baseDir: folder.dir, dryRun: true });
    const dryTarget = await openTarget(usersMapping, dry);
    expect((await dryTarget.check()).ok).toBe(true);
    await dryTarget.close?.();
    expect(await Bun.file(dbPath).bytes()).toEqual(before);
  });
});

/** What applying events one by one leaves, computed without SQL. */
function reference(events: readonly EventBridgeEvent[]): Record<string, unknown>[] {
  const table = new Map<string, Record<string, unknown>>();
  for (const k of ["k0", "k1", "k2"]) table.set(k, { id: k, email: null, updated_at: null, note: "preset" });
  for (const event of events) {
    const { userId, email } = event.detail as { userId: string; email?: string };
    if (event["detail-type"] === "UserDeleted") table.delete(userId);
    else {
      const existing = table.get(userId);
      table.set(userId, {
        id: userId,
        email: email ?? null,
        updated_at: event.time,
        note: existing?.note ?? "d",
      });
    }
  }
  return [...table.values()].sort((a, b) => String(a.id).localeCompare(String(b.id)));
}
