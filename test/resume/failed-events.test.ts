/**
 * The failed-events file across a SIGKILL: the file is synced before a checkpoint passes its
 * events, and a resumed run appends to it, so after kill + --resume every event that failed is
 * in it (the window after the checkpoint possibly twice), and nothing else.
 */
import { afterAll, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FIXTURE_PLUGINS, readLedger, runCliToEnd, spawnCli, writeOrderEvents } from "./harness.ts";

const dir = mkdtempSync(join(tmpdir(), "rehydrate-failed-resume-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("after SIGKILL and --resume the failed-events file holds every failed event", async () => {
  const { events } = writeOrderEvents(dir, { files: 2, perFile: 200, keys: 10, seed: 4 });
  writeFileSync(
    join(dir, "p.yaml"),
    `source: { plugin: file, paths: [events-*.ndjson], batchSize: 8 }
targets:
  - { uri: "ledger:ledger.log", failEvery: 7, delayMs: 3 }
checkpoint: { location: run.checkpoint, intervalSeconds: 0.05 }
failed: failed.ndjson
report: report.json
`,
  );
  const args = ["run", "p.yaml", "--plugin-dir", FIXTURE_PLUGINS];
  const proc = spawnCli(args, { RUN_TAG: "a" }, dir);
  // Kill once about half the events were delivered and a checkpoint exists.
  while (readLedger(join(dir, "ledger.log")).length < 150 || !existsSync(join(dir, "run.checkpoint"))) {
    if (proc.exitCode !== null) break;
    await Bun.sleep(5);
  }
  proc.kill("SIGKILL");
  await proc.exited;
  expect(proc.signalCode).toBe("SIGKILL");
  const stored = JSON.parse(readFileSync(join(dir, "run.checkpoint"), "utf8"));
  expect(stored.counters.targets[0].failed).toBeGreaterThan(0);

  const resumed = await runCliToEnd([...args, "--resume"], { RUN_TAG: "b" }, dir);
  // Exit 1: some events failed (on purpose).
  expect(resumed.code).toBe(1);
  const failing = events.filter((e) => Number(e.id.slice(1)) % 7 === 0).map((e) => e.id);
  const failedIds = readFileSync(join(dir, "failed.ndjson"), "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line).id as string);
  expect(new Set(failedIds)).toEqual(new Set(failing));
  const report = JSON.parse(readFileSync(join(dir, "report.json"), "utf8"));
  // The counters count each event of the logical run once.
  expect(report.targets[0].failed).toBe(failing.length);
  expect(report.targets[0].sent).toBe(events.length - failing.length);
}, 60_000);
