/** End to end: `rehydrate run` → file source → pattern → `sqlite:` target, in-process. */
import { Database } from "bun:sqlite";
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runCli } from "../../test/support/cli.ts";
import { tempFolder, userEvent } from "./test-support.ts";

let folder: ReturnType<typeof tempFolder>;
beforeEach(() => {
  folder = tempFolder();
  const events = [
    userEvent("u1", { email: "one@x" }, "UserCreated"),
    userEvent("u2", { email: "two@x" }, "UserCreated"),
    userEvent("u1", { email: "uno@x" }, "UserUpdated"),
    userEvent(undefined, { email: "nobody@x" }, "UserUpdated"),
    userEvent("u2", {}, "UserDeleted"),
    { ...userEvent("u3", { email: "three@x" }, "UserCreated"), source: "other" },
  ];
  writeFileSync(join(folder.dir, "events.ndjson"), events.map((e) => JSON.stringify(e)).join("\n") + "\n");
  writeFileSync(
    join(folder.dir, "pipeline.yaml"),
    [
      "source: file:events.ndjson",
      "pattern: { source: [users] }",
      "targets:",
      "  - uri: sqlite:out/state.db#users",
      "    createTable: true",
      "    key: { id: $.detail.userId }",
      "    columns: { email: $.detail.email, updated_at: $.time }",
      "    deleteWhen: { detail-type: [UserDeleted] }",
    ].join("\n"),
  );
});
afterEach(() => folder.remove());

describe("rehydrate run → sqlite:", () => {
  test("upserts, deletes, and reports the event without a key as failed", async () => {
    const failed = join(folder.dir, "failed.ndjson");
    const { code, stderr } = await runCli(["run", join(folder.dir, "pipeline.yaml"), "--failed", failed]);
    expect(stderr).toContain("4 sent (upsert 3, delete 1), 1 failed");
    expect(stderr).toContain("MissingKey");
    expect(code).toBe(1);
    const db = new Database(join(folder.dir, "out/state.db"), { readonly: true });
    expect(db.query("SELECT id, email FROM users ORDER BY id").all()).toEqual([{ id: "u1", email: "uno@x" }]);
    db.close();
    const failedEvents = readFileSync(failed, "utf8").trim().split("\n");
    expect(failedEvents).toHaveLength(1);
    expect(JSON.parse(failedEvents[0]!).detail).toEqual({ userId: undefined, email: "nobody@x" });
  });

  test("--dry-run plans the writes and creates nothing", async () => {
    const report = join(folder.dir, "report.json");
    const { code, stderr } = await runCli([
      "run",
      join(folder.dir, "pipeline.yaml"),
      "--dry-run",
      "--report",
      report,
    ]);
    expect(code).toBe(0);
    expect(existsSync(join(folder.dir, "out"))).toBe(false);
    const target = JSON.parse(readFileSync(report, "utf8")).targets[0];
    expect(target.planned).toBe(5);
    expect(target.plannedActions).toEqual({ upsert: 3, delete: 1, skip: 1 });
    expect(stderr).toContain("dry run");
  });

  test("a plain --to URI writes whole events keyed by id into an existing table", async () => {
    const path = join(folder.dir, "plain.db");
    const setup = new Database(path);
    setup.run("CREATE TABLE events (id TEXT PRIMARY KEY, event TEXT)");
    setup.close();
    const { code } = await runCli([
      "run",
      "--from",
      join(folder.dir, "events.ndjson"),
      "--to",
      `sqlite:${path}#events`,
    ]);
    expect(code).toBe(0);
    const db = new Database(path, { readonly: true });
    const rows = db.query("SELECT id, event FROM events").all() as Array<{ id: string; event: string }>;
    db.close();
    expect(rows).toHaveLength(6);
    for (const row of rows) expect(JSON.parse(row.event).id).toBe(row.id);
  });

  test("a missing database without createTable stops the run before writing, naming the file", async () => {
    const path = join(folder.dir, "missing.db");
    const { code, stderr } = await runCli([
      "run",
      "--from",
      join(folder.dir, "events.ndjson"),
      "--to",
      `sqlite:${path}#events`,
    ]);
    expect(code).not.toBe(0);
    expect(stderr).toContain(`${path}`);
    expect(stderr).toContain("createTable");
    expect(existsSync(path)).toBe(false);
  });
});
