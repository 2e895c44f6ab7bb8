/** The checkpoint flags through the CLI (in-process): modes, refusals and the report fields. */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "../support/cli.ts";
import { writeOrderEvents } from "./harness.ts";

const dir = mkdtempSync(join(tmpdir(), "rehydrate-resume-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
writeOrderEvents(dir, { files: 2, perFile: 50, keys: 5, seed: 1 });
const pipeline = join(dir, "p.yaml");
writeFileSync(
  pipeline,
  `source: file:events-*.ndjson
targets:
  - uri: sqlite:out.db#orders
    createTable: true
    key: { order_id: $.detail.orderId }
    columns: { version: $.detail.version }
checkpoint: run.checkpoint
`,
);
const report = join(dir, "report.json");
const readReport = () => JSON.parse(readFileSync(report, "utf8"));

describe("run --checkpoint", () => {
  test("a finished run is marked done; --resume then reads nothing more and reports the logical run", async () => {
    const first = await runCli(["run", pipeline, "--report", report, "-q"]);
    expect(first.code).toBe(0);
    expect(readReport().checkpoint).toMatchObject({ saves: 1, done: true });
    const stored = JSON.parse(readFileSync(join(dir, "run.checkpoint"), "utf8"));
    expect(stored.counters).toMatchObject({ read: 100, matched: 100 });
    // The end of the last input: its index and its size.
    expect(stored.cursor.file).toBe(1);
    expect(stored.cursor.offset).toBe(statSync(join(dir, "events-01.ndjson")).size);

    const again = await runCli(["run", pipeline, "--resume", "--report", report, "-q"]);
    expect(again.code).toBe(0);
    const r = readReport();
    expect(r.source.read).toBe(100);
    expect(r.targets[0].sent).toBe(100);
    expect(r.checkpoint.resumed).toMatchObject({ previousAttempts: 1, mayRepeat: 0 });
    expect(r.checkpoint.resumed.from).toBe(`events-01.ndjson:51`);
  });

  test("refusals name the problem: no checkpoint to resume, a changed configuration, stdin, flags without --checkpoint", async () => {
    const missing = await runCli(["run", pipeline, "--checkpoint", join(dir, "none.checkpoint"), "--resume"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("no checkpoint to resume from");

    const changed = await runCli(["run", pipeline, "--resume", "--pattern", '{"source":["shop"]}']);
    expect(changed.code).toBe(2);
    expect(changed.stderr).toContain("the checkpoint was written for another configuration (patterns: [] →");
    expect(
      (await runCli(["run", pipeline, "--resume", "--force", "--pattern", '{"source":["shop"]}', "-q"])).code,
    ).toBe(0);

    const stdin = await runCli(
      ["run", "--from", "-", "--to", "stdout:", "--checkpoint", join(dir, "stdin.cp")],
      "{}\n",
    );
    expect(stdin.code).toBe(2);
    expect(stdin.stderr).toContain("source - cannot be resumed (it gives no cursors)");

    const lone = await runCli([
      "run",
      "--from",
      join(dir, "events-00.ndjson"),
      "--to",
      "stdout:",
      "--resume",
    ]);
    expect(lone.code).toBe(2);
    expect(lone.stderr).toContain("--resume needs --checkpoint");
    const both = await runCli(["run", pipeline, "--resume", "--restart"]);
    expect(both.stderr).toContain("give --resume or --restart, not both");
  });

  test("--restart overwrites; a shard's checkpoint gets the shard in its name", async () => {
    expect((await runCli(["run", pipeline, "--restart", "--report", report, "-q"])).code).toBe(0);
    expect(readReport().checkpoint.resumed).toBeUndefined();
    const sharded = await runCli([
      "run",
      pipeline,
      "--shard",
      "2/2",
      "--report",
      join(dir, "r-{shard}.json"),
      "-q",
    ]);
    expect(sharded.code).toBe(0);
    const shardReport = JSON.parse(readFileSync(join(dir, "r-2-of-2.json"), "utf8"));
    expect(shardReport.shard).toEqual({ index: 2, count: 2, mode: "split" });
    expect(shardReport.checkpoint.location).toBe(join(dir, "run.checkpoint-shard-2-of-2"));
    expect(shardReport.source.read).toBe(50);
  });
});
