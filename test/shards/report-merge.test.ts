import { describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { mergeReports, type ShardRunReport } from "../../src/cli/commands/report/merge-reports.ts";
import { newTargetReport } from "../../src/report/run-report.ts";

function shardReport(
  index: number,
  count: number,
  n: number,
  mode: "split" | "key-hash" = "split",
): ShardRunReport {
  const target = newTargetReport("sqlite:out.db#t", "sqlite");
  Object.assign(target, { selected: n, sent: n - 1, failed: 1, batches: 2, failuresByCode: { X: 1 } });
  target.failures.push({ position: `f${index}:1`, code: "X", message: "boom" });
  return {
    version: 1,
    tool: { name: "rehydrate", version: "0.1.0" },
    dryRun: false,
    startedAt: `2024-01-01T00:00:0${index}.000Z`,
    finishedAt: `2024-01-01T00:01:0${index}.000Z`,
    durationMs: 60_000,
    status: "failed",
    exitCode: 1,
    source: {
      name: "file:*.ndjson",
      plugin: "file",
      read: mode === "key-hash" ? 1000 : n * 2,
      invalid: 0,
      invalidSamples: [],
    },
    filter: {
      patterns: 1,
      matched: n,
      unmatched: mode === "key-hash" ? 1000 - n : n,
      prefiltered: 0,
      unrouted: 0,
    },
    events: {
      firstTime: `2024-0${index}-01T00:00:00Z`,
      firstId: `a${index}`,
      lastTime: `2024-0${index}-09T00:00:00Z`,
      lastId: `z${index}`,
    },
    throughput: { readPerSecond: 1, matchedPerSecond: 1 },
    targets: [target],
    shard: { index, count, mode },
  };
}

describe("report merge", () => {
  test("sums the shards' counters and spans their times", () => {
    const reports = [1, 2, 3].map((i) => shardReport(i, 3, 10 * i));
    const { report, shards } = mergeReports(reports, ["a", "b", "c"]);
    expect(shards).toEqual({ count: 3, mode: "split", merged: [1, 2, 3], missing: [], duplicates: [] });
    expect(report.source.read).toBe(120);
    expect(report.filter.matched).toBe(60);
    expect(report.targets[0]).toMatchObject({
      selected: 60,
      sent: 57,
      failed: 3,
      batches: 6,
      failuresByCode: { X: 3 },
    });
    expect(report.targets[0]!.failures).toHaveLength(3);
    expect(report.startedAt).toBe("2024-01-01T00:00:01.000Z");
    expect(report.finishedAt).toBe("2024-01-01T00:01:03.000Z");
    expect(report.durationMs).toBe(62_000);
    expect(report.events).toMatchObject({ firstId: "a1", lastId: "z3" });
    expect(report.status).toBe("failed");
    expect(report.exitCode).toBe(1);
  });

  test("says which shards are missing and exits 3 until all are in; a rerun shard's latest report wins", () => {
    const early = shardReport(2, 4, 5);
    const late = { ...shardReport(2, 4, 7), finishedAt: "2024-01-01T00:09:00.000Z" };
    const { report, shards } = mergeReports([shardReport(1, 4, 5), late, early], ["a", "b", "c"]);
    expect(shards.missing).toEqual([3, 4]);
    expect(shards.duplicates).toEqual([2]);
    expect(report.filter.matched).toBe(12);
    expect(report.exitCode).toBe(3);
  });

  test("key-hash shards all read everything: read once, matched summed", () => {
    const { report } = mergeReports(
      [1, 2].map((i) => shardReport(i, 2, 100 * i, "key-hash")),
      ["a", "b"],
    );
    expect(report.source.read).toBe(1000);
    expect(report.filter.matched).toBe(300);
    expect(report.filter.unmatched).toBe(700);
  });

  test("refuses a report that is not a shard's, and shards of different splits", () => {
    const plain = shardReport(1, 2, 1);
    delete plain.shard;
    expect(() => mergeReports([plain], ["plain.json"])).toThrow(/plain\.json: not the report of a shard/);
    expect(() => mergeReports([shardReport(1, 2, 1), shardReport(2, 3, 1)], ["a", "b.json"])).toThrow(
      /b\.json: shard 2\/3 is from a run split in 3, not 2/,
    );
  });

  test("the CLI writes the merged report and exits non-zero while shards are missing", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rehydrate-merge-"));
    const files = [1, 2].map((i) => {
      const file = join(dir, `shard-${i}.json`);
      writeFileSync(file, JSON.stringify({ ...shardReport(i, 3, 4), status: "completed", exitCode: 0 }));
      return file;
    });
    const run = (args: string[]) =>
      Bun.spawnSync(["bun", "src/cli/main.ts", "report", "merge", ...args], {
        cwd: join(import.meta.dir, "../.."),
        stderr: "pipe",
      });
    const partial = run([...files, "--output", join(dir, "merged.json")]);
    expect(partial.exitCode).toBe(3);
    expect(partial.stderr.toString()).toContain("shards: 2/3 in · missing 3");
    expect(JSON.parse(readFileSync(join(dir, "merged.json"), "utf8")).shards.missing).toEqual([3]);
    const third = join(dir, "shard-3.json");
    writeFileSync(third, JSON.stringify({ ...shardReport(3, 3, 4), status: "completed", exitCode: 0 }));
    const whole = run([...files, third, "-o", join(dir, "merged.json")]);
    expect(whole.exitCode).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, "merged.json"), "utf8")).filter.matched).toBe(12);
  });
});
