/**
 * What checkpointing costs: the same run file → SQLite without `--checkpoint`, with it at the
 * default interval (5 s), and at shorter intervals, each run in its own process:
 *
 *   bun scripts/bench/checkpoint.ts [--events 600000] [--runs 3] [--intervals 5,1,0.2]
 *
 * Two figures per case, medians of `--runs` (cases interleaved so drift hits them alike):
 * - **overhead**: the run's `durationMs` against the run without a checkpoint;
 * - **saving**: the report's `checkpoint.savingMs` (every durability barrier — in-flight writes
 *   finished, SQLite and the failed-events file synced — plus the crash-safe write: temp file,
 *   fsync, rename, fsync of the folder) as a share of the run.
 * The goal (issue 11): ≤ 2% at the default interval.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { writeEvents } from "./generate-events.ts";

const root = resolve(import.meta.dir, "../..");
const { values } = parseArgs({
  options: {
    events: { type: "string", default: "600000" },
    runs: { type: "string", default: "3" },
    intervals: { type: "string", default: "5,1,0.2" },
  },
});
const events = Number(values.events);
const runs = Number(values.runs);
const intervals = values.intervals!.split(",").map(Number);

const dir = mkdtempSync(join(tmpdir(), "rehydrate-bench-checkpoint-"));
try {
  const input = join(dir, "events.ndjson");
  await writeEvents(input, "ndjson", { count: events });
  const pipeline = join(dir, "pipeline.yaml");
  writeFileSync(
    pipeline,
    `source: file:${input}
targets:
  - uri: sqlite:out.db#orders
    createTable: true
    key: { id: $.id }
    columns: { order_id: $.detail.orderId, amount: $.detail.amount, type: $.detail-type }
`,
  );
  const cases: Array<{ name: string; interval?: number }> = [
    { name: "no checkpoint" },
    ...intervals.map((interval) => ({
      name: `every ${interval} s${interval === 5 ? " (default)" : ""}`,
      interval,
    })),
  ];
  const results = new Map<string, Array<{ durationMs: number; savingMs: number; saves: number }>>();
  for (let run = 0; run < runs; run++) {
    for (const c of cases) {
      rmSync(join(dir, "out.db"), { force: true });
      rmSync(join(dir, "cp.json"), { force: true });
      const report = join(dir, "report.json");
      const args = ["bun", join(root, "src/cli/main.ts"), "run", pipeline, "--report", report, "-q"];
      if (c.interval !== undefined)
        args.push("--checkpoint", join(dir, "cp.json"), "--checkpoint-interval", String(c.interval));
      const proc = Bun.spawnSync(args, { cwd: dir, stderr: "pipe" });
      if (proc.exitCode !== 0) throw new Error(`${c.name}: exit ${proc.exitCode}: ${proc.stderr.toString()}`);
      const r = JSON.parse(readFileSync(report, "utf8"));
      if (r.targets[0].sent !== events) throw new Error(`${c.name}: sent ${r.targets[0].sent} of ${events}`);
      const list = results.get(c.name) ?? [];
      list.push({
        durationMs: r.durationMs,
        savingMs: r.checkpoint?.savingMs ?? 0,
        saves: r.checkpoint?.saves ?? 0,
      });
      results.set(c.name, list);
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const base = median(results.get("no checkpoint")!.map((r) => r.durationMs));
  console.log(`file → SQLite, ${events.toLocaleString("en-US")} events, median of ${runs} runs\n`);
  console.log("| case | run (ms) | events/s | overhead | saves | saving (ms) | saving share |");
  console.log("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
  for (const c of cases) {
    const list = results.get(c.name)!;
    const duration = median(list.map((r) => r.durationMs));
    const saving = median(list.map((r) => r.savingMs));
    const saves = median(list.map((r) => r.saves));
    const overhead = c.interval === undefined ? "—" : `${(((duration - base) / base) * 100).toFixed(1)}%`;
    const share = c.interval === undefined ? "—" : `${((saving / duration) * 100).toFixed(2)}%`;
    console.log(
      `| ${c.name} | ${duration} | ${Math.round(events / (duration / 1000)).toLocaleString("en-US")} | ${overhead} | ${saves} | ${saving} | ${share} |`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
