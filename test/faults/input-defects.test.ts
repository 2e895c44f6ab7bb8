/**
 * The smaller defects of "every event accounted for", each through the CLI: one line and exit 2
 * for every user error, bad records as invalid records with positions, secrets never shown.
 */
import { describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { buildEntry } from "../../plugins/eventbridge/entries.ts";
import { redactUri } from "../../src/host/helpers/redact.ts";
import type { Envelope } from "../../src/sdk/index.ts";
import { runCli } from "../support/cli.ts";
import { testEvent } from "../support/fake-plugins.ts";

const dir = mkdtempSync(join(tmpdir(), "rh-defects-"));
const file = (name: string, text: string | Uint8Array) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const ndjson = (count: number) =>
  Array.from({ length: count }, (_, i) => JSON.stringify(testEvent(i))).join("\n") + "\n";
const oneLine = (text: string) => text.trim().split("\n").length === 1 && !/\n\s+at /.test(text);

describe("user errors are one line, exit 2", () => {
  test("--limit -1", async () => {
    const run = await runCli([
      "run",
      "--from",
      file("l.ndjson", ndjson(2)),
      "--to",
      "stdout:",
      "--limit",
      "-1",
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("--limit must be a whole number ≥ 0");
  });

  test("an alias bomb in a --template file", async () => {
    const lines = ["a: &a [x, x, x, x, x, x, x, x, x]"];
    for (let i = 0; i < 9; i++)
      lines.push(
        `${"bcdefghij"[i]}: &${"bcdefghij"[i]} [${Array(9)
          .fill(`*${i === 0 ? "a" : "abcdefghij"[i]}`)
          .join(", ")}]`,
      );
    lines.push("Resources: {R: {Type: AWS::Events::Rule, Properties: {EventPattern: {source: [x]}}}}");
    const template = file("bomb.yaml", lines.join("\n"));
    const run = await runCli([
      "run",
      "--from",
      file("t.ndjson", ndjson(1)),
      "--to",
      "stdout:",
      "--template",
      `${template}#R`,
    ]);
    expect(run.code).toBe(2);
    expect(oneLine(run.stderr)).toBe(true);
  });

  test("a 200,000-deep pipeline JSON", async () => {
    const pipeline = file(
      "deep.json",
      `{"source": "x.ndjson", "envelope": ${"[".repeat(200_000)}${"]".repeat(200_000)}}`,
    );
    const run = await runCli(["run", pipeline]);
    expect(run.code).toBe(2);
    expect(oneLine(run.stderr)).toBe(true);
  });
});

describe("bad records are invalid records, with positions", () => {
  test("an envelope time out of the range of dates", async () => {
    const input = file(
      "times.ndjson",
      ['{"kind":"a","at":1e20}', '{"kind":"b","at":-1e300}', '{"kind":"c","at":1700000000}'].join("\n") +
        "\n",
    );
    const pipeline = file(
      "times.json",
      JSON.stringify({
        source: input,
        targets: ["stdout:"],
        envelope: { source: { const: "s" }, "detail-type": "$.kind", time: "$.at" },
        skipInvalid: true,
      }),
    );
    const run = await runCli(["run", pipeline, "--report", join(dir, "times-report.json")]);
    const report = JSON.parse(readFileSync(join(dir, "times-report.json"), "utf8"));
    expect(report.source.invalid).toBe(2);
    expect(report.source.invalidSamples[0].position).toBe(`${input}:1`);
    expect(report.source.invalidSamples[0].message).toContain("outside the range of dates");
    expect(run.stdout.trim().split("\n")).toHaveLength(1);
  });

  test("the --failed copy of an invalid-UTF-8 record keeps its bytes", async () => {
    const bad = Buffer.concat([
      Buffer.from('{"id":"x","bad":"'),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('"}\n'),
    ]);
    const input = file("utf8.ndjson", Buffer.concat([Buffer.from(ndjson(1)), bad]));
    const failed = join(dir, "utf8-failed.ndjson");
    await runCli([
      "run",
      "--from",
      input,
      "--to",
      "stdout:",
      "--skip-invalid",
      "--no-prefilter",
      "--failed",
      failed,
    ]);
    expect(readFileSync(failed)).toEqual(bad);
  });

  test('EventBridge: "resources" that is not a list fails the event instead of becoming []', () => {
    const event = { ...testEvent(1), resources: "arn:x" };
    const built = buildEntry(
      { event, position: "p:1", seq: 0, record: event } as unknown as Envelope,
      "bus",
      {
        markReplayIn: "detail",
      },
    );
    expect(built).toMatchObject({ code: "InvalidArgument" });
    expect((built as { message: string }).message).toContain('"resources" must be a list');
  });

  test("a lambda-local handler calling process.exit fails its event; the run goes on and reports", async () => {
    const handler = resolve(import.meta.dir, "fixtures/exiting-handler.ts");
    const report = join(dir, "exit-report.json");
    const run = await runCli([
      "run",
      "--from",
      file("exit.ndjson", ndjson(6)),
      "--to",
      `lambda-local:${handler}`,
      "--report",
      report,
    ]);
    expect(run.code).toBe(1);
    const r = JSON.parse(readFileSync(report, "utf8"));
    expect(r.targets[0]).toMatchObject({ sent: 5, failed: 1 });
    expect(r.targets[0].failures[0].message).toContain("process.exit");
  });
});

describe("validate and dry runs find what the real run would fail on", () => {
  test("a missing input file", async () => {
    const missing = join(dir, "nope.ndjson");
    const validate = await runCli(["validate", "--from", missing, "--to", "stdout:"]);
    expect(validate.code).toBe(1);
    expect(validate.stdout).toContain("no such file");
    const dry = await runCli(["run", "--from", missing, "--to", "stdout:", "--dry-run"]);
    expect(dry.code).toBe(2);
    expect(dry.stderr).toContain("no such file");
  });

  test("a read-only SQLite database; a dry run leaves no -wal/-shm beside it", async () => {
    const { Database } = await import("bun:sqlite");
    const path = join(dir, "ro.db");
    const db = new Database(path);
    db.run("PRAGMA journal_mode = WAL");
    db.run("create table t (id text primary key, event text)");
    db.close();
    const input = file("ro.ndjson", ndjson(3));
    const dry = await runCli([
      "run",
      "--from",
      input,
      "--to",
      `sqlite:${path}#t`,
      "--dry-run",
      "--set",
      'key={"id":"$.id"}',
    ]);
    expect(existsSync(`${path}-wal`)).toBe(false);
    expect(existsSync(`${path}-shm`)).toBe(false);
    expect(dry.code).toBe(0);
    // A database on a read-only file system (chmod alone does not stop root, who runs CI).
    const { spawnSync } = await import("node:child_process");
    const { copyFileSync, mkdirSync } = await import("node:fs");
    const mount = join(dir, "ro-mount");
    mkdirSync(mount);
    if (spawnSync("mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", mount]).status !== 0) {
      console.warn("input-defects: cannot mount a tmpfs: the read-only database case is skipped");
      return;
    }
    try {
      copyFileSync(path, join(mount, "ro.db"));
      expect(spawnSync("mount", ["-o", "remount,ro", mount]).status).toBe(0);
      const validate = await runCli([
        "validate",
        "--from",
        input,
        "--to",
        `sqlite:${join(mount, "ro.db")}#t`,
        "--set",
        'key={"id":"$.id"}',
      ]);
      expect(validate.code).toBe(1);
      expect(validate.stdout).toContain("read-only");
    } finally {
      spawnSync("umount", [mount]);
    }
  });
});

describe("secrets", () => {
  test("userinfo is redacted in URIs and scheme-less endpoints", () => {
    expect(redactUri("postgres://app:s3cret@db:5432/x#t")).toBe("postgres://…@db:5432/x#t");
    expect(redactUri("endpoint user:s3cret@127.0.0.1:8000")).toBe("endpoint …@127.0.0.1:8000");
    expect(redactUri("mail me at someone@example.com")).toBe("mail me at someone@example.com");
  });

  test("an endpoint password never shows in --verbose logs, the summary or the report", async () => {
    const report = join(dir, "secret-report.json");
    const input = file("secret.ndjson", ndjson(2));
    const pipeline = file(
      "secret.json",
      JSON.stringify({
        source: input,
        targets: [
          {
            uri: "dynamodb:users",
            endpoint: "http://admin:hunter2-very-secret@127.0.0.1:9",
            key: { pk: "$.id" },
          },
        ],
        report,
      }),
    );
    const run = await runCli(["run", pipeline, "--verbose", "--dry-run", "--region", "us-east-1"]);
    const everything = run.stdout + run.stderr + (existsSync(report) ? readFileSync(report, "utf8") : "");
    expect(everything).not.toContain("hunter2-very-secret");
  });
});

describe("the summary splits a store's writes in real runs", () => {
  test("sqlite: upserts and deletes counted by the target, shown like a dry run's plan", async () => {
    const events = Array.from({ length: 10 }, (_, i) => ({
      ...testEvent(i),
      "detail-type": i % 5 === 4 ? "Order Archived" : "Order Placed",
      detail: { orderId: `o${i}` },
    }));
    const input = file("split.ndjson", events.map((e) => JSON.stringify(e)).join("\n") + "\n");
    const db = join(dir, "split.db");
    const report = join(dir, "split-report.json");
    const pipeline = file(
      "split.json",
      JSON.stringify({
        source: input,
        targets: [
          {
            uri: `sqlite:${db}#orders`,
            createTable: true,
            key: { id: "$.detail.orderId" },
            deleteWhen: { "detail-type": ["Order Archived"] },
          },
        ],
        report,
      }),
    );
    const run = await runCli(["run", pipeline]);
    expect(run.code).toBe(0);
    const target = JSON.parse(readFileSync(report, "utf8")).targets[0];
    expect(target.actions).toEqual({ upsert: 8, delete: 2 });
    expect(run.stderr).toContain("10 sent (upsert 8, delete 2)");
  });
});
