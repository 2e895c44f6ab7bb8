/**
 * Whole-pipeline benchmark: `rehydrate run --from file --pattern P --to <null target>`, next
 * to baselines measured in the same run on the same (warm) file:
 *
 *   bun scripts/bench/file-run.ts [--count 1000000] [--big 5000000] [--runs 3] [--dir /tmp]
 *
 * Every phase runs in its own process, so each peak RSS (getrusage maxRSS) is that phase's
 * own. `--big N` adds an NDJSON run over N events to show memory stays flat as input grows.
 * The pattern is the selective one from docs/performance.md (~4% of generated events match).
 */
import { createReadStream, existsSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { builtinPlugins } from "../../plugins/index.ts";
import { resolveRun } from "../../src/config/resolve-run.ts";
import { runPipeline } from "../../src/engine/runner.ts";
import { loadRegistry } from "../../src/host/registry.ts";
import type { Plugin, TargetPlugin } from "../../src/sdk/index.ts";
import { writeEvents } from "./generate-events.ts";

const PATTERN = { "detail-type": ["Order Placed"], detail: { amount: [{ numeric: [">", 100] }] } };
const CHUNK = 1 << 20;

/** A target that counts and drops, so the figures are the engine's and the source's. */
const nullTarget: TargetPlugin = {
  kind: "target",
  name: "null",
  api: 1,
  summary: "drops events (benchmark)",
  config: { fields: {} },
  create: () => ({
    policy: { maxItems: 1000, maxInFlight: 1, lingerMs: 0 },
    check: async () => ({ ok: true, details: [] }),
    plan: async () => [],
    write: async () => ({ failures: [] }),
  }),
};

async function rawRead(path: string): Promise<number> {
  let lines = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: CHUNK }) as AsyncIterable<Buffer>) {
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
  }
  return lines;
}

/** The naive program: split lines, `JSON.parse` each. */
async function parseLoop(path: string): Promise<number> {
  const decoder = new TextDecoder();
  let carry = "";
  let count = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: CHUNK }) as AsyncIterable<Buffer>) {
    const last = chunk.lastIndexOf(10);
    const text = carry + decoder.decode(chunk.subarray(0, last + 1));
    carry = decoder.decode(chunk.subarray(last + 1));
    let pos = 0;
    for (let nl = text.indexOf("\n"); nl !== -1; nl = text.indexOf("\n", pos)) {
      if ((JSON.parse(text.slice(pos, nl)) as { id: string }).id) count++;
      pos = nl + 1;
    }
  }
  return count;
}

async function run(
  path: string,
  prefilter: boolean,
  workers = 0,
): Promise<{ read: number; matched: number }> {
  const registry = await loadRegistry([...builtinPlugins, nullTarget] as Plugin[], []);
  const plan = resolveRun(
    {
      baseDir: process.cwd(),
      source: { uri: `file:${path}`, workers },
      targets: ["null:"],
      patterns: [PATTERN],
    },
    registry,
    { progress: false, prefilter },
  );
  const report = await runPipeline(plan, {
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    interrupt: new AbortController().signal,
  });
  if (report.exitCode !== 0) throw new Error(`run failed: ${report.error ?? report.status}`);
  return { read: report.source.read, matched: report.filter.matched };
}

interface PhaseResult {
  events: number;
  matched?: number;
  ms: number;
  peakRssMb: number;
}

const PHASES: Record<
  string,
  {
    label: string;
    input: "ndjson" | "array" | "big";
    run: (path: string) => Promise<number | { read: number; matched: number }>;
  }
> = {
  raw: { label: "NDJSON: raw read of the file", input: "ndjson", run: rawRead },
  parse: { label: "NDJSON: split + JSON.parse per line", input: "ndjson", run: parseLoop },
  run: { label: "NDJSON: rehydrate run, pattern, prefilter", input: "ndjson", run: (p) => run(p, true) },
  "run-workers": {
    label: "NDJSON: rehydrate run, pattern, prefilter, 2 workers",
    input: "ndjson",
    run: (p) => run(p, true, 2),
  },
  "run-noprefilter": {
    label: "NDJSON: rehydrate run, pattern, --no-prefilter",
    input: "ndjson",
    run: (p) => run(p, false),
  },
  "array-raw": { label: "array: raw read of the file", input: "array", run: rawRead },
  "array-run": {
    label: "array: rehydrate run, pattern, prefilter",
    input: "array",
    run: (p) => run(p, true),
  },
  "big-run": {
    label: "NDJSON (big): rehydrate run, pattern, prefilter",
    input: "big",
    run: (p) => run(p, true),
  },
};

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? undefined : process.argv[i + 1];
}

async function child(phase: string, path: string): Promise<void> {
  const started = performance.now();
  const out = await PHASES[phase]!.run(path);
  const ms = performance.now() - started;
  const events = typeof out === "number" ? out : out.read;
  const result: PhaseResult = {
    events,
    ...(typeof out === "number" ? {} : { matched: out.matched }),
    ms,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
  };
  process.stdout.write(JSON.stringify(result) + "\n");
}

async function main(): Promise<void> {
  const count = Number(arg("count") ?? 1_000_000);
  const big = arg("big") ? Number(arg("big")) : undefined;
  const runs = Number(arg("runs") ?? 3);
  const dir = arg("dir") ?? tmpdir();
  const files = {
    ndjson: join(dir, `rehydrate-bench-${count}.ndjson`),
    array: join(dir, `rehydrate-bench-${count}.json`),
    big: join(dir, `rehydrate-bench-${big ?? 0}.ndjson`),
  };
  const wanted: Array<[string, "ndjson" | "array", number]> = [
    [files.ndjson, "ndjson", count],
    [files.array, "array", count],
  ];
  if (big) wanted.push([files.big, "ndjson", big]);
  for (const [path, format, n] of wanted) {
    if (!existsSync(path)) {
      console.error(`generating ${path} (${n} events)`);
      await writeEvents(path, format, { count: n });
    }
  }
  const phases = Object.keys(PHASES).filter((p) => big || PHASES[p]!.input !== "big");
  // Warm the page cache so every phase reads from memory (this VM pages out idle files).
  for (const [path] of wanted) await rawRead(path);

  const results = new Map<string, PhaseResult[]>();
  for (let r = 0; r < runs; r++) {
    for (const phase of phases) {
      const path = files[PHASES[phase]!.input];
      const proc = Bun.spawn([process.execPath, import.meta.path, "--child", phase, "--path", path], {
        stdout: "pipe",
        stderr: "inherit",
      });
      const out = await new Response(proc.stdout).text();
      if ((await proc.exited) !== 0) throw new Error(`phase ${phase} failed`);
      results.set(phase, [...(results.get(phase) ?? []), JSON.parse(out) as PhaseResult]);
    }
  }

  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  const rateOf = (phase: string) => {
    const list = results.get(phase)!;
    return list[0]!.events / (median(list.map((x) => x.ms)) / 1000);
  };
  console.log(
    `\nrehydrate run benchmark: ${count.toLocaleString("en")} events${big ? ` (big: ${big.toLocaleString("en")})` : ""}, ` +
      `median of ${runs}, warm page cache, Bun ${Bun.version}, ${navigator.hardwareConcurrency} cores`,
  );
  console.log(`pattern: ${JSON.stringify(PATTERN)}`);
  console.log("| phase | events/s | MB/s | peak RSS | matched |\n|---|---:|---:|---:|---:|");
  for (const phase of phases) {
    const list = results.get(phase)!;
    const spec = PHASES[phase]!;
    const seconds = median(list.map((x) => x.ms)) / 1000;
    const mbs = statSync(files[spec.input]).size / 1e6 / seconds;
    const matched = list[0]!.matched;
    console.log(
      `| ${spec.label} | ${Math.round(rateOf(phase)).toLocaleString("en")} | ${Math.round(mbs)} | ` +
        `${Math.round(median(list.map((x) => x.peakRssMb)))} MiB | ${matched === undefined ? "" : matched.toLocaleString("en")} |`,
    );
  }
  const ratio = (a: string, b: string) => (rateOf(a) / rateOf(b)).toFixed(2);
  console.log(
    `\nrun ÷ raw read: ${ratio("run", "raw")}   run ÷ JSON.parse loop: ${ratio("run", "parse")}   array run ÷ NDJSON run: ${ratio("array-run", "run")}`,
  );
  const m = results.get("run")![0]!.matched;
  if (results.get("run-noprefilter")![0]!.matched !== m || results.get("array-run")![0]!.matched !== m) {
    console.log("WARNING: the phases disagree on the number of matched events");
    process.exitCode = 1;
  }
}

const childPhase = arg("child");
if (childPhase) await child(childPhase, arg("path")!);
else await main();
