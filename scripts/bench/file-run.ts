/**
 * Whole-pipeline benchmark: `rehydrate run --from file ... --to <target>`, next to baselines
 * measured in the same run on the same (warm) files, and the ratios the file-source goals
 * (issue 15) are stated in:
 *
 *   bun scripts/bench/file-run.ts [--count 1000000] [--runs 3] [--dir .bench]
 *                                 [--memory 300000,3000000] [--only phase,phase]
 *
 * Every phase runs in its own process, so each peak RSS is that phase's own: the larger of its
 * getrusage maxRSS and its process tree's RSS sampled every 50 ms (worker processes included). `--memory a,b` adds the memory table: NDJSON and arrays, from a file and from stdin,
 * selective and match-all, at each size (files of `b` events take ~0.8 KB per event, twice).
 * The selective pattern is the one from docs/performance.md (~4% of generated events match,
 * ~10% pass the prefilter); match-all runs have no pattern.
 *
 * "main CPU s" is the phase's own process; "all CPU s" adds its worker processes (the phase
 * process's rusage after it exits, which counts the children it reaped).
 */
import { createHash } from "node:crypto";
import { createReadStream, existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { builtinPlugins } from "../../plugins/index.ts";
import { resolveRun } from "../../src/config/resolve-run.ts";
import { runPipeline } from "../../src/engine/run.ts";
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

/** The naive program: split lines, `JSON.parse` each (the ceiling of a run that parses all). */
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

interface RunSpec {
  /** `-` reads the file on stdin. */
  stdin?: boolean;
  selective: boolean;
  prefilter?: boolean;
  /** `undefined`: the source's default. */
  workers?: number;
  /** `null:` (default) or a file target path. */
  out?: string;
}

async function run(
  path: string,
  spec: RunSpec,
): Promise<{ events: number; matched: number; workers: number }> {
  const registry = await loadRegistry([...builtinPlugins, nullTarget] as Plugin[], []);
  const source: Record<string, unknown> = { uri: spec.stdin ? "file:-" : `file:${path}` };
  if (spec.workers !== undefined) source.workers = spec.workers;
  const plan = resolveRun(
    {
      baseDir: process.cwd(),
      source,
      targets: [spec.out ? `file:${spec.out}` : "null:"],
      patterns: spec.selective ? [PATTERN] : [],
    },
    registry,
    { progress: false, prefilter: spec.prefilter ?? true, verbose: true },
  );
  let log = "";
  const report = await runPipeline(plan, {
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: {
      write: (text: string) => {
        log += text;
        return true;
      },
    },
    interrupt: new AbortController().signal,
  });
  if (report.exitCode !== 0) throw new Error(`run failed: ${report.error ?? report.status}\n${log}`);
  const workers = Number(/with (\d+) workers/.exec(log)?.[1] ?? 0);
  return { events: report.source.read, matched: report.filter.matched, workers };
}

const hashes = new Map<string, Promise<string>>();
/** SHA-256 of an input file, computed once per benchmark. */
function hashOf(path: string): Promise<string> {
  if (!hashes.has(path)) hashes.set(path, sha256(path));
  return hashes.get(path)!;
}

/** SHA-256 of a file, streamed: to check a match-all run passed bytes through unchanged. */
async function sha256(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path, { highWaterMark: CHUNK })) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

interface PhaseResult {
  events: number;
  matched?: number;
  ms: number;
  peakRssMb: number;
  /** CPU time of the phase's main process (worker processes not included). */
  cpuSeconds?: number;
  /** CPU time of the phase's process and its worker processes. */
  treeCpuSeconds?: number;
  /** Workers the run read with (0: one thread). */
  workers?: number;
  /** Match-all to a file: whether the output equals the NDJSON file of the same events. */
  sameBytes?: boolean;
  /** Set by the phase: compare its output with the NDJSON file (done by the parent). */
  check?: boolean;
}

type Input = "ndjson" | "array";
interface Phase {
  label: string;
  input: Input;
  /** Feed the input on stdin instead of naming the file. */
  stdin?: boolean;
  run: (
    path: string,
    ctx: { out: string; ndjson: string },
  ) => Promise<number | Omit<PhaseResult, "ms" | "peakRssMb">>;
}

/** A match-all run into a file target, checked against the NDJSON file byte for byte. */
const matchAllToFile =
  (extra: Partial<RunSpec> = {}) =>
  async (path: string, ctx: { out: string; ndjson: string }) => {
    const out = await run(path, { selective: false, out: ctx.out, ...extra });
    const result = { events: out.events, matched: out.matched, workers: out.workers };
    // The output is checked by the parent once this process has exited (see runPhase), so
    // neither the clock nor this process's CPU time counts the check.
    return { ...result, check: true };
  };

const PHASES: Record<string, Phase> = {
  raw: { label: "NDJSON: raw read of the file", input: "ndjson", run: rawRead },
  parse: { label: "NDJSON: split + JSON.parse per line (plain loop)", input: "ndjson", run: parseLoop },
  run: {
    label: "NDJSON: run, selective, one thread (workers: 0)",
    input: "ndjson",
    run: (p) => run(p, { selective: true, workers: 0 }),
  },
  "run-w2": {
    label: "NDJSON: run, selective, workers: 2 (processes, matching)",
    input: "ndjson",
    run: (p) => run(p, { selective: true, workers: 2 }),
  },
  "run-w1": {
    label: "NDJSON: run, selective, workers: 1 (and this thread)",
    input: "ndjson",
    run: (p) => run(p, { selective: true, workers: 1 }),
  },
  "run-auto": {
    label: "NDJSON: run, selective, default (the source's choice)",
    input: "ndjson",
    run: (p) => run(p, { selective: true }),
  },
  "run-noprefilter": {
    label: "NDJSON: run, selective, --no-prefilter",
    input: "ndjson",
    run: (p) => run(p, { selective: true, prefilter: false }),
  },
  "array-run": {
    label: "array: run, selective",
    input: "array",
    run: (p) => run(p, { selective: true }),
  },
  "all-file": {
    label: "NDJSON: run, match-all → file target",
    input: "ndjson",
    run: matchAllToFile(),
  },
  "all-file-w1": {
    label: "NDJSON: run, match-all → file target, workers: 1 (verifying)",
    input: "ndjson",
    run: matchAllToFile({ workers: 1 }),
  },
  "all-file-w2": {
    label: "NDJSON: run, match-all → file target, workers: 2 (verifying)",
    input: "ndjson",
    run: matchAllToFile({ workers: 2 }),
  },
  "all-file-auto": {
    label: "NDJSON: run, match-all → file target, default (the source's choice)",
    input: "ndjson",
    run: matchAllToFile({}),
  },
  "array-all-file": {
    label: "array: run, match-all → file target",
    input: "array",
    run: matchAllToFile(),
  },
};

/** The memory table's cases: format × file/stdin × selective/match-all (to /dev/null). */
function memoryPhases(): Record<string, Phase> {
  const phases: Record<string, Phase> = {};
  for (const input of ["ndjson", "array"] as const) {
    for (const stdin of [false, true]) {
      for (const selective of [true, false]) {
        const name = `mem-${input}-${stdin ? "stdin" : "file"}-${selective ? "selective" : "all"}`;
        phases[name] = {
          label: `${input}, ${stdin ? "stdin" : "file"}, ${selective ? "selective" : "match-all → file:/dev/null"}`,
          input,
          stdin,
          run: (p) => run(p, { selective, stdin, ...(selective ? {} : { out: "/dev/null" }) }),
        };
      }
    }
  }
  return phases;
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? undefined : process.argv[i + 1];
}

async function child(phase: string, path: string, out: string, ndjson: string): Promise<void> {
  const spec = PHASES[phase] ?? memoryPhases()[phase]!;
  const started = performance.now();
  const result = await spec.run(path, { out, ndjson });
  const ms = performance.now() - started;
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  const usage = process.resourceUsage();
  const cpuSeconds = (usage.userCPUTime + usage.systemCPUTime) / 1e6;
  const base = typeof result === "number" ? { events: result } : result;
  const line: PhaseResult = {
    ...base,
    ms,
    peakRssMb,
    cpuSeconds,
  };
  process.stdout.write(JSON.stringify(line) + "\n");
}

const fileOf = (dir: string, count: number, input: Input) =>
  join(dir, `rehydrate-bench-${count}.${input === "ndjson" ? "ndjson" : "json"}`);

async function ensureFiles(dir: string, count: number): Promise<void> {
  for (const input of ["ndjson", "array"] as const) {
    const path = fileOf(dir, count, input);
    if (!existsSync(path)) {
      console.error(`generating ${path} (${count} events)`);
      await writeEvents(path, input, { count });
    }
  }
}

async function runPhase(phase: string, spec: Phase, dir: string, count: number): Promise<PhaseResult> {
  const path = fileOf(dir, count, spec.input);
  const out = join(dir, `bench-out-${process.pid}.ndjson`);
  const proc = Bun.spawn(
    [
      process.execPath,
      import.meta.path,
      "--child",
      phase,
      "--path",
      path,
      "--out",
      out,
      "--ndjson",
      fileOf(dir, count, "ndjson"),
    ],
    { stdin: spec.stdin ? Bun.file(path) : "ignore", stdout: "pipe", stderr: "inherit" },
  );
  // Worker processes have their own RSS: sample the whole process tree's.
  let treePeak = 0;
  const sampler = setInterval(() => {
    treePeak = Math.max(treePeak, treeRssMb(proc.pid));
  }, 50);
  const text = await new Response(proc.stdout).text();
  const code = await proc.exited;
  clearInterval(sampler);
  if (code !== 0) throw new Error(`phase ${phase} failed`);
  const result = JSON.parse(text) as PhaseResult;
  if (result.check) result.sameBytes = (await sha256(out)) === (await hashOf(fileOf(dir, count, "ndjson")));
  await rm(out, { force: true });
  const usage = proc.resourceUsage();
  if (usage) result.treeCpuSeconds = Number(usage.cpuTime.total) / 1e6;
  // The tree's sampled peak can miss a short spike of the main process: take the larger.
  result.peakRssMb = Math.max(result.peakRssMb, treePeak);
  return result;
}

/** Resident memory of a process and all its descendants, in MiB (Linux /proc). */
function treeRssMb(pid: number): number {
  let kb = 0;
  const visit = (p: number) => {
    try {
      const status = readFileSync(`/proc/${p}/status`, "utf8");
      kb += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
      for (const task of readdirSync(`/proc/${p}/task`)) {
        const children = readFileSync(`/proc/${p}/task/${task}/children`, "utf8").trim();
        for (const child of children ? children.split(" ") : []) visit(Number(child));
      }
    } catch {
      // The process ended between two reads.
    }
  };
  visit(pid);
  return kb / 1024;
}

/** Which worker counts the runs of a phase used, when any used workers. */
function workersNote(list: PhaseResult[]): string {
  const counts = [...new Set(list.map((x) => x.workers ?? 0))];
  return counts.some((c) => c > 0) ? ` [workers used: ${counts.join("/")}]` : "";
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const fmt = (n: number) => Math.round(n).toLocaleString("en");

/**
 * How many cores this benchmark really has now: a CPU-bound loop run alone, then twice at once
 * in two processes; `2 × alone ÷ pair` is ~2 with two free cores and ~1 when others' work
 * leaves the equivalent of one (the load average lags, and says nothing of a hypervisor's).
 */
async function parallelism(): Promise<number> {
  const spin = async () => {
    const started = performance.now();
    const proc = Bun.spawn([process.execPath, "-e", "let x=0;for(let i=0;i<1e8;i++)x=(x+i*7)%1000003;"], {
      stdout: "ignore",
    });
    await proc.exited;
    return performance.now() - started;
  };
  const alone = await spin();
  const pair = await Promise.all([spin(), spin()]);
  return (2 * alone) / Math.max(...pair);
}

async function loadAverage(): Promise<string> {
  try {
    return (await Bun.file("/proc/loadavg").text()).split(" ").slice(0, 3).join(" ");
  } catch {
    return "unknown";
  }
}

async function main(): Promise<void> {
  const count = Number(arg("count") ?? 1_000_000);
  const runs = Number(arg("runs") ?? 3);
  const dir = arg("dir") ?? ".bench";
  const only = arg("only")?.split(",");
  const memorySizes = arg("memory")?.split(",").map(Number);
  await ensureFiles(dir, count);
  for (const size of memorySizes ?? []) await ensureFiles(dir, size);
  const loadBefore = await loadAverage();
  const coresBefore = await parallelism();

  const phases = Object.keys(PHASES).filter((p) => !only || only.includes(p));
  // Warm the page cache so every phase reads from memory (this VM pages out idle files).
  for (const input of ["ndjson", "array"] as const) await rawRead(fileOf(dir, count, input));
  const results = new Map<string, PhaseResult[]>();
  // Interleaved: one pass over every phase, `runs` times, so load changes hit all phases alike.
  for (let r = 0; r < runs; r++) {
    for (const phase of phases) {
      const result = await runPhase(phase, PHASES[phase]!, dir, count);
      results.set(phase, [...(results.get(phase) ?? []), result]);
    }
  }
  const rateOf = (phase: string) => {
    const list = results.get(phase);
    return list ? list[0]!.events / (median(list.map((x) => x.ms)) / 1000) : Number.NaN;
  };
  console.log(
    `\nrehydrate run benchmark: ${fmt(count)} events, median of ${runs}, warm page cache, ` +
      `Bun ${Bun.version}, ${navigator.hardwareConcurrency} cores, load average before ${loadBefore}, after ${await loadAverage()}; ` +
      `two CPU-bound processes ran ${coresBefore.toFixed(2)}× one before, ${(await parallelism()).toFixed(2)}× after (2: two free cores)`,
  );
  console.log(`selective pattern: ${JSON.stringify(PATTERN)}`);
  console.log(
    "| phase | events/s | MB/s | main CPU s | all CPU s | peak RSS | matched |\n|---|---:|---:|---:|---:|---:|---:|",
  );
  for (const phase of phases) {
    const list = results.get(phase)!;
    const spec = PHASES[phase]!;
    const seconds = median(list.map((x) => x.ms)) / 1000;
    const mbs = statSync(fileOf(dir, count, spec.input)).size / 1e6 / seconds;
    const matched = list[0]!.matched;
    const same = list.some((x) => x.sameBytes === false)
      ? " (OUTPUT DIFFERS)"
      : list[0]!.sameBytes
        ? " (bytes identical)"
        : "";
    console.log(
      `| ${spec.label}${workersNote(list)} | ${fmt(rateOf(phase))} | ${Math.round(mbs)} | ${median(list.map((x) => x.cpuSeconds ?? 0)).toFixed(2)} | ${median(list.map((x) => x.treeCpuSeconds ?? 0)).toFixed(2)} | ` +
        `${Math.round(median(list.map((x) => x.peakRssMb)))} MiB | ${matched === undefined ? "" : fmt(matched)}${same} |`,
    );
  }
  const ratios: Array<[string, string, string]> = [
    ["1. array ÷ NDJSON, selective, one thread each (≥ 0.8)", "array-run", "run"],
    ["1. array ÷ NDJSON, match-all → file (≥ 0.8)", "array-all-file", "all-file"],
    ["3. workers: 2 ÷ one thread, selective (≥ 1.6)", "run-w2", "run"],
    ["3. workers: 1 (+ this thread) ÷ one thread, selective", "run-w1", "run"],
    ["3. default ÷ one thread, selective", "run-auto", "run"],
    ["4. match-all → file ÷ JSON.parse loop (≥ 0.9)", "all-file", "parse"],
    ["4. match-all → file, workers: 1 ÷ JSON.parse loop", "all-file-w1", "parse"],
    ["4. match-all → file, workers: 2 ÷ JSON.parse loop", "all-file-w2", "parse"],
    ["4. match-all → file, default ÷ JSON.parse loop", "all-file-auto", "parse"],
    ["(array) match-all → file ÷ JSON.parse loop", "array-all-file", "parse"],
    ["selective run ÷ raw read", "run", "raw"],
  ];
  const shown = ratios.filter(([, a, b]) => results.has(a) && results.has(b));
  if (shown.length > 0) console.log("\n| goal | ratio |\n|---|---:|");
  for (const [label, a, b] of shown) console.log(`| ${label} | ${(rateOf(a) / rateOf(b)).toFixed(2)} |`);
  const matchedSets = new Set(
    ["run", "run-w1", "run-w2", "run-auto", "run-noprefilter", "array-run"]
      .filter((p) => results.has(p))
      .map((p) => results.get(p)![0]!.matched),
  );
  let failed = matchedSets.size > 1;
  if (failed) console.log("WARNING: the selective phases disagree on the number of matched events");
  if ([...results.values()].flat().some((x) => x.sameBytes === false)) {
    console.log("WARNING: a match-all run did not pass the bytes through unchanged");
    failed = true;
  }

  if (memorySizes) {
    const names = Object.keys(memoryPhases());
    const table = new Map<string, PhaseResult[]>();
    for (const size of memorySizes) {
      for (const input of ["ndjson", "array"] as const) await rawRead(fileOf(dir, size, input));
      for (const name of names)
        table.set(`${name}@${size}`, [await runPhase(name, memoryPhases()[name]!, dir, size)]);
    }
    console.log(`\nmemory: peak RSS by input size (one run each; load average now ${await loadAverage()})`);
    console.log(
      `| case | ${memorySizes.map((s) => `${fmt(s)}: events/s | peak RSS`).join(" | ")} | growth |\n|---|${memorySizes.map(() => "---:|---:").join("|")}|---:|`,
    );
    for (const name of names) {
      const cells = memorySizes.map((s) => table.get(`${name}@${s}`)![0]!);
      const rss = cells.map((c) => c.peakRssMb);
      const growth = ((rss[rss.length - 1]! / rss[0]! - 1) * 100).toFixed(0);
      console.log(
        `| ${memoryPhases()[name]!.label} | ${cells
          .map((c) => `${fmt(c.events / (c.ms / 1000))} | ${Math.round(c.peakRssMb)} MiB`)
          .join(" | ")} | ${growth}% |`,
      );
    }
  }
  if (failed) process.exitCode = 1;
}

const childPhase = arg("child");
if (childPhase) await child(childPhase, arg("path")!, arg("out")!, arg("ndjson")!);
else await main();
