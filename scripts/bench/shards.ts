/**
 * A sharded run against a single one: the same file → SQLite hydration as one process, and as
 * `--shards` processes started at once (`--shard i/N`, each shard its own SQLite file so they do
 * not wait on one another's write lock), their reports merged with `rehydrate report merge`:
 *
 *   bun scripts/bench/shards.ts [--events 400000] [--files 8] [--shards 2,4] [--runs 3]
 *
 * Prints wall time (first start to last exit) and events/s, medians of `--runs`. On one machine
 * shards compete for its cores; on N machines each shard has its own, so the figure here is the
 * floor of what a split run gains, not the ceiling.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { writeEvents } from "./generate-events.ts";

const root = resolve(import.meta.dir, "../..");
const { values } = parseArgs({
  options: {
    events: { type: "string", default: "400000" },
    files: { type: "string", default: "8" },
    shards: { type: "string", default: "2,4" },
    runs: { type: "string", default: "3" },
  },
});
const events = Number(values.events);
const files = Number(values.files);
const runs = Number(values.runs);
const counts = values.shards!.split(",").map(Number);

const dir = mkdtempSync(join(tmpdir(), "rehydrate-bench-shards-"));
try {
  for (let f = 0; f < files; f++) {
    await writeEvents(join(dir, `events-${f}.ndjson`), "ndjson", {
      count: Math.ceil(events / files),
      seed: f + 1,
    });
  }
  const pipeline = join(dir, "pipeline.yaml");
  writeFileSync(
    pipeline,
    `source: file:events-*.ndjson
targets:
  - uri: sqlite:out-\${env:SHARD_DB}.db#orders
    createTable: true
    key: { id: $.id }
    columns: { order_id: $.detail.orderId, amount: $.detail.amount }
`,
  );
  const cli = (args: string[], env: Record<string, string>) =>
    Bun.spawn(["bun", join(root, "src/cli/main.ts"), ...args], {
      cwd: dir,
      env: { ...process.env, ...env },
      stdout: "ignore",
      stderr: "pipe",
    });
  const wall = new Map<number, number[]>();
  for (let run = 0; run < runs; run++) {
    for (const n of [1, ...counts]) {
      Bun.spawnSync(["sh", "-c", "rm -f out-*.db* report-*.json"], { cwd: dir });
      const started = performance.now();
      const procs = Array.from({ length: n }, (_, i) =>
        cli(
          [
            "run",
            pipeline,
            "-q",
            "--report",
            `report-${i + 1}.json`,
            ...(n > 1 ? ["--shard", `${i + 1}/${n}`] : []),
          ],
          { SHARD_DB: String(i + 1) },
        ),
      );
      const codes = await Promise.all(procs.map((p) => p.exited));
      const ms = performance.now() - started;
      if (codes.some((c) => c !== 0)) throw new Error(`${n} shards: exit codes ${codes.join(", ")}`);
      if (n > 1) {
        const reports = Array.from({ length: n }, (_, i) => `report-${i + 1}.json`);
        const merged = Bun.spawnSync(
          ["bun", join(root, "src/cli/main.ts"), "report", "merge", ...reports, "-o", "merged.json"],
          { cwd: dir },
        );
        if (merged.exitCode !== 0) throw new Error(`merge: exit ${merged.exitCode}`);
        const sent = JSON.parse(readFileSync(join(dir, "merged.json"), "utf8")).targets[0].sent;
        if (sent !== Math.ceil(events / files) * files) throw new Error(`${n} shards sent ${sent}`);
      }
      wall.set(n, [...(wall.get(n) ?? []), ms]);
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const total = Math.ceil(events / files) * files;
  const single = median(wall.get(1)!);
  console.log(
    `file → SQLite, ${total.toLocaleString("en-US")} events in ${files} files, ${navigator.hardwareConcurrency} cores, median of ${runs}\n`,
  );
  console.log("| processes | wall (ms) | events/s | vs one |");
  console.log("| ---: | ---: | ---: | ---: |");
  for (const n of [1, ...counts]) {
    const ms = median(wall.get(n)!);
    console.log(
      `| ${n} | ${Math.round(ms)} | ${Math.round(total / (ms / 1000)).toLocaleString("en-US")} | ${(single / ms).toFixed(2)}× |`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
