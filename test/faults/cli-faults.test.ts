/**
 * Fault injection through the real CLI, with real files, disks, pipes and signals: `file:` onto a
 * full disk (a small tmpfs) and onto /dev/full, `stdout:` with the reader gone (`| head -1`),
 * SQLite on a full disk and with its table dropped mid-run, Ctrl-C and SIGTERM mid-run, and the
 * pre-flight checks that keep a run from destroying its own input.
 */
import { Database } from "bun:sqlite";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { RunReport } from "../../src/report/run-report.ts";
import { runCli } from "../support/cli.ts";
import { testEvent } from "../support/fake-plugins.ts";
import { expectAccounted } from "./accounting.ts";

const MAIN = resolve(import.meta.dir, "../../src/cli/main.ts");
const dir = mkdtempSync(join(tmpdir(), "rh-cli-faults-"));
const lines = (count: number) =>
  Array.from({ length: count }, (_, i) => JSON.stringify(testEvent(i, { pad: "x".repeat(600) })));
const inputOf = (name: string, count: number) => {
  const path = join(dir, name);
  writeFileSync(path, lines(count).join("\n") + "\n");
  return path;
};
const byId = (path: string) =>
  new Map(
    readFileSync(path, "utf8")
      .split("\n")
      .filter(Boolean)
      .map((l) => [JSON.parse(l).id as string, l]),
  );
const readReport = (path: string) => JSON.parse(readFileSync(path, "utf8")) as RunReport;

/** A small tmpfs (root only): a disk that fills up. Undefined where it cannot be mounted. */
let fullDisk: string | undefined;
beforeAll(() => {
  const mount = join(dir, "small-disk");
  mkdirSync(mount);
  const result = spawnSync("mount", ["-t", "tmpfs", "-o", "size=256k", "tmpfs", mount]);
  if (result.status === 0) fullDisk = mount;
  else
    console.warn(
      `cli-faults: cannot mount a tmpfs (${String(result.stderr).trim()}): full-disk cases skipped`,
    );
});
afterAll(() => {
  // A handle still open on it (a process not yet gone) makes it busy: then detach it lazily, so
  // the directory can go and no mount is left behind.
  if (fullDisk && spawnSync("umount", [fullDisk]).status !== 0) spawnSync("umount", ["-l", fullDisk]);
  rmSync(dir, { recursive: true, force: true });
});

describe("file target", () => {
  test("onto /dev/full: every event failed and in --failed, none claimed sent", async () => {
    const input = inputOf("devfull.ndjson", 60);
    const failed = join(dir, "devfull-failed.ndjson");
    const report = join(dir, "devfull-report.json");
    const run = await runCli([
      "run",
      "--from",
      input,
      "--to",
      "file:/dev/full",
      "--failed",
      failed,
      "--report",
      report,
    ]);
    expect(run.code).toBe(1);
    const r = readReport(report);
    expect(r.targets[0]).toMatchObject({ sent: 0, failed: 60 });
    expectAccounted(r, { failedPath: failed, inputById: byId(input) });
  });

  test("onto a full disk: sent counts only whole lines, no partial line is left, the rest is in --failed", async () => {
    if (!fullDisk) return;
    const input = inputOf("fulldisk.ndjson", 2000);
    const out = join(fullDisk, "out.ndjson");
    const failed = join(dir, "fulldisk-failed.ndjson");
    const report = join(dir, "fulldisk-report.json");
    const run = await runCli([
      "run",
      "--from",
      input,
      "--to",
      `file:${out}`,
      "--failed",
      failed,
      "--report",
      report,
    ]);
    expect(run.code).toBe(1);
    const r = readReport(report);
    const written = readFileSync(out, "utf8");
    expect(written.endsWith("\n")).toBe(true);
    const writtenLines = written.split("\n").filter(Boolean);
    expect(writtenLines.length).toBe(r.targets[0]!.sent);
    expect(r.targets[0]!.sent).toBeGreaterThan(0);
    expect(r.targets[0]!.sent).toBeLessThan(2000);
    const all = expectAccounted(r, { failedPath: failed, inputById: byId(input) });
    // Written and failed together are the input, each once.
    expect(new Set([...writtenLines, ...all]).size).toBe(2000);
    rmSync(out);
  });
});

describe("stdout target", () => {
  test("with the reader gone (| head -1): a quiet, normal end, every event accounted for", () => {
    const input = inputOf("head.ndjson", 20_000);
    const failed = join(dir, "head-failed.ndjson");
    const report = join(dir, "head-report.json");
    const result = spawnSync(
      "sh",
      [
        "-c",
        `"${process.execPath}" "${MAIN}" run --from "${input}" --to stdout: --failed "${failed}" --report "${report}" | head -1 >/dev/null; echo "exit=\${PIPESTATUS:-$?}"`,
      ],
      { encoding: "utf8" },
    );
    const r = readReport(report);
    expect(r.status === "output-closed" || r.status === "completed").toBe(true);
    expect(r.exitCode).toBe(0);
    expect(result.stderr).not.toContain("EPIPE");
    expect(result.stderr).not.toMatch(/error:/);
    expectAccounted(r, { failedPath: failed });
  });
});

describe("sqlite target", () => {
  test("on a full disk: rows in the table equal sent, the rest failed or cancelled and in --failed", async () => {
    if (!fullDisk) return;
    const input = inputOf("sqlite-full.ndjson", 3000);
    const db = join(fullDisk, "full.db");
    const failed = join(dir, "sqlite-full-failed.ndjson");
    const report = join(dir, "sqlite-full-report.json");
    const pipeline = join(dir, "sqlite-full.json");
    writeFileSync(
      pipeline,
      JSON.stringify({
        source: input,
        targets: [
          {
            uri: `sqlite:${db}#events`,
            createTable: true,
            key: { id: "$.id" },
            columns: { pad: "$.detail.pad" },
          },
        ],
        failed,
        report,
      }),
    );
    const run = await runCli(["run", pipeline]);
    expect(run.code).toBe(1);
    const r = readReport(report);
    // Closed at once: an open handle on the tmpfs would keep it from being unmounted.
    const database = new Database(db, { readonly: true });
    const rows = database.query("select count(*) as n from events").get() as { n: number };
    database.close();
    expect(rows.n).toBe(r.targets[0]!.sent);
    expect(r.targets[0]!.sent).toBeLessThan(3000);
    expectAccounted(r, { failedPath: failed, inputById: byId(input) });
    rmSync(db, { force: true });
    rmSync(`${db}-wal`, { force: true });
    rmSync(`${db}-shm`, { force: true });
  });

  test("with its table dropped mid-run: the run stops, every event accounted for", async () => {
    const input = inputOf("sqlite-drop.ndjson", 30_000);
    const db = join(dir, "drop.db");
    const failed = join(dir, "sqlite-drop-failed.ndjson");
    const report = join(dir, "sqlite-drop-report.json");
    const pipeline = join(dir, "sqlite-drop.json");
    writeFileSync(
      pipeline,
      JSON.stringify({
        source: input,
        targets: [{ uri: `sqlite:${db}#events`, createTable: true, batchSize: 100, key: { id: "$.id" } }],
        failed,
        report,
      }),
    );
    const dropper = setInterval(() => {
      if (!existsSync(db)) return;
      try {
        const other = new Database(db);
        other.run("PRAGMA busy_timeout = 2000");
        if (other.query("select count(*) as n from events").get()) other.run("DROP TABLE events");
        other.close();
        clearInterval(dropper);
      } catch {
        // not created yet, or busy: try again
      }
    }, 20);
    const run = await runCli(["run", pipeline]);
    clearInterval(dropper);
    const r = readReport(report);
    expect(run.code).toBe(1);
    expect(r.status).toBe("stopped");
    expect(r.error).toMatch(/no such table|events/);
    expectAccounted(r, { failedPath: failed, inputById: byId(input) });
  });
});

describe("signals", () => {
  for (const [signal, code] of [
    ["SIGINT", 130],
    ["SIGTERM", 143],
  ] as const) {
    test(`${signal} mid-run drains, writes the report and --failed, exits ${code}`, async () => {
      const input = inputOf(`${signal}.ndjson`, 5000);
      const failed = join(dir, `${signal}-failed.ndjson`);
      const report = join(dir, `${signal}-report.json`);
      const handler = resolve(import.meta.dir, "fixtures/slow-handler.ts");
      const child = spawn(
        process.execPath,
        [
          MAIN,
          "run",
          "--from",
          input,
          "--to",
          `lambda-local:${handler}`,
          "--failed",
          failed,
          "--report",
          report,
        ],
        { stdio: ["ignore", "ignore", "pipe"] },
      );
      let stderr = "";
      child.stderr.on("data", (c) => {
        stderr += c;
      });
      await Bun.sleep(1500);
      child.kill(signal);
      const exit = await new Promise<number | null>((done) => child.on("exit", (c) => done(c)));
      expect(exit).toBe(code);
      expect(stderr).toContain("interrupted");
      const r = readReport(report);
      expect(r.status).toBe("interrupted");
      expect(r.targets[0]!.sent).toBeGreaterThan(0);
      expect(r.targets[0]!.sent).toBeLessThan(5000);
      expectAccounted(r, { failedPath: failed, inputById: byId(input) });
    }, 60_000);
  }
});

describe("pre-flight: nothing is destroyed", () => {
  const original = lines(5).join("\n") + "\n";
  const fresh = (name: string) => {
    const path = join(dir, name);
    writeFileSync(path, original);
    return path;
  };

  test.each([
    ["--to file:<the input>", (input: string) => ["--to", `file:${input}`]],
    ["--failed <the input>", (input: string) => ["--to", "stdout:", "--failed", input]],
    ["--report <the input>", (input: string) => ["--to", "stdout:", "--report", input]],
  ])("%s is refused (exit 2) and the input is intact", async (_name, extra) => {
    const input = fresh(`clash-${Math.random()}.ndjson`);
    const run = await runCli(["run", "--from", input, ...extra(input)]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("are the same file");
    expect(readFileSync(input, "utf8")).toBe(original);
  });

  test("--report and --failed on one file, or the report onto a target's output, are refused", async () => {
    const input = fresh("clash-in.ndjson");
    const x = join(dir, "x.out");
    const a = await runCli(["run", "--from", input, "--to", "stdout:", "--report", x, "--failed", x]);
    expect(a.code).toBe(2);
    const b = await runCli(["run", "--from", input, "--to", `file:${x}`, "--report", x]);
    expect(b.code).toBe(2);
    expect(existsSync(x)).toBe(false);
  });

  test("a glob never reads the run's own output", async () => {
    const folder = join(dir, "globbed");
    mkdirSync(folder);
    writeFileSync(join(folder, "a.ndjson"), original);
    writeFileSync(join(folder, "out.ndjson"), original); // an earlier run's output
    const report = join(dir, "glob-report.json");
    const run = await runCli([
      "run",
      "--from",
      `${folder}/*.ndjson`,
      "--to",
      `file:${folder}/out.ndjson`,
      "--report",
      report,
    ]);
    expect(run.code).toBe(0);
    expect(readReport(report).source.read).toBe(5);
    expect(readFileSync(join(folder, "out.ndjson"), "utf8")).toBe(original);
  });

  test.each([
    ["a folder", () => dir],
    ["a missing folder", () => join(dir, "no", "such", "report.json")],
  ])("--report onto %s fails before anything is written (exit 2)", async (_name, path) => {
    const input = fresh("report-check.ndjson");
    const out = join(dir, `never-${Math.random()}.ndjson`);
    const run = await runCli(["run", "--from", input, "--to", `file:${out}`, "--report", path()]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--report/);
    expect(existsSync(out)).toBe(false);
    expect(run.stderr).not.toMatch(/0 read/);
  });

  test("--failed onto a folder fails before anything is written (exit 2)", async () => {
    const input = fresh("failed-check.ndjson");
    const out = join(dir, `never-${Math.random()}.ndjson`);
    const run = await runCli(["run", "--from", input, "--to", `file:${out}`, "--failed", dir]);
    expect(run.code).toBe(2);
    expect(existsSync(out)).toBe(false);
  });
});
