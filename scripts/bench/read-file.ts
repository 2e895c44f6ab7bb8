/**
 * Read-side benchmark of the file source, next to baselines measured in the same run:
 *
 *   bun scripts/bench/read-file.ts [--count 1000000] [--runs 3] [--dir /tmp] [--phases a,b,...]
 *
 * Generates (once, cached in --dir) `count` events as NDJSON and as a JSON array with
 * generate-events.ts, warms the page cache with a raw read, then runs every phase in its own
 * process (so each phase's peak RSS is its own) `--runs` times, interleaved, and prints the
 * median events/s, MB/s and peak RSS of each. The prefilter phases use
 * `t => t.includes('"Order Placed"')`, what the engine derives from a pattern on that literal.
 */
import { createReadStream, existsSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openInput } from "../../plugins/file/open-input.ts";
import {
  createFileSourcePlugin,
  DEFAULT_BATCH_SIZE,
  DEFAULT_MAX_RECORD_BYTES,
} from "../../plugins/file/source-plugin.ts";
import { createHost } from "../../src/host/create-host.ts";
import { writeEvents } from "./generate-events.ts";

interface PhaseResult {
  events: number;
  ms: number;
  peakRssMb: number;
}

type Phase = (ndjson: string, array: string) => Promise<number>;

const CHUNK = 1 << 20;
const prefilter = (text: string) => text.includes('"Order Placed"');

const noStdin = (): never => {
  throw new Error("the benchmark reads files only");
};

/** Reads the file as the source does (one reused buffer), counting newlines: the I/O ceiling. */
async function rawRead(path: string): Promise<number> {
  let lines = 0;
  for await (const chunk of openInput({ name: path, path }, noStdin)) {
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
  }
  return lines;
}

/** A plain loop: split each chunk on newlines and decode each line (optionally `JSON.parse` it). */
async function splitLines(path: string, parse: boolean): Promise<number> {
  let carry: Buffer = Buffer.alloc(0);
  let count = 0;
  let sink = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: CHUNK }) as AsyncIterable<Buffer>) {
    const bytes: Buffer = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
    let pos = 0;
    for (let nl = bytes.indexOf(10); nl !== -1; nl = bytes.indexOf(10, pos)) {
      const line = bytes.toString("utf8", pos, nl);
      if (parse) sink += (JSON.parse(line) as { id: string }).id.length;
      else sink += line.length;
      count++;
      pos = nl + 1;
    }
    carry = bytes.subarray(pos);
  }
  return sink > 0 ? count : 0;
}

async function runSource(path: string, withPrefilter: boolean, workers?: number): Promise<number> {
  const host = createHost({
    pluginName: "file",
    dryRun: false,
    signal: new AbortController().signal,
    baseDir: process.cwd(),
    aws: {},
    stderr: process.stderr,
  });
  const config = {
    paths: [path],
    format: "auto" as const,
    batchSize: DEFAULT_BATCH_SIZE,
    maxRecordBytes: DEFAULT_MAX_RECORD_BYTES,
    workers: workers ?? 0,
  };
  const source = await createFileSourcePlugin().create(config, host);
  const ctx = {
    signal: new AbortController().signal,
    prefilter: withPrefilter ? prefilter : undefined,
    // What workers need to rebuild the prefilter (not in the SDK yet; see plugins/file/README.md).
    ...(withPrefilter && workers ? { prefilterLiterals: [['"Order Placed"']] } : {}),
  };
  await source.open?.(ctx);
  let events = 0;
  for await (const batch of source.batches(ctx)) {
    events += batch.records.length + (batch.prefiltered ?? 0) + (batch.invalid?.length ?? 0);
  }
  await source.close?.();
  return events;
}

const PHASES: Record<string, { label: string; input: "ndjson" | "array"; run: Phase }> = {
  raw: { label: "NDJSON: raw read (count newlines)", input: "ndjson", run: (n) => rawRead(n) },
  split: { label: "NDJSON: split lines only", input: "ndjson", run: (n) => splitLines(n, false) },
  parse: { label: "NDJSON: split + JSON.parse per line", input: "ndjson", run: (n) => splitLines(n, true) },
  source: { label: "NDJSON: file source, no prefilter", input: "ndjson", run: (n) => runSource(n, false) },
  prefilter: { label: "NDJSON: file source + prefilter", input: "ndjson", run: (n) => runSource(n, true) },
  workers: {
    label: "NDJSON: file source, workers: 2, no prefilter (one thread: workers need one)",
    input: "ndjson",
    run: (n) => runSource(n, false, 2),
  },
  "workers-prefilter": {
    label: "NDJSON: file source, 2 workers + prefilter (literal sets)",
    input: "ndjson",
    run: (n) => runSource(n, true, 2),
  },
  "array-raw": { label: "array: raw read", input: "array", run: (_, a) => rawRead(a) },
  "array-source": {
    label: "array: file source, no prefilter",
    input: "array",
    run: (_, a) => runSource(a, false),
  },
  "array-prefilter": {
    label: "array: file source + prefilter",
    input: "array",
    run: (_, a) => runSource(a, true),
  },
};

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? undefined : process.argv[i + 1];
}

function peakRssMb(): number {
  // maxRSS is in KiB on Linux: the process's true peak, not a sample.
  return process.resourceUsage().maxRSS / 1024;
}

async function child(phase: string, ndjson: string, array: string): Promise<void> {
  const spec = PHASES[phase];
  if (!spec) throw new Error(`unknown phase ${phase}`);
  const started = performance.now();
  const events = await spec.run(ndjson, array);
  const result: PhaseResult = { events, ms: performance.now() - started, peakRssMb: peakRssMb() };
  process.stdout.write(JSON.stringify(result) + "\n");
}

async function main(): Promise<void> {
  const count = Number(arg("count") ?? 1_000_000);
  const runs = Number(arg("runs") ?? 1);
  const dir = arg("dir") ?? tmpdir();
  const phases = (arg("phases") ?? Object.keys(PHASES).join(",")).split(",");
  const ndjson = join(dir, `rehydrate-bench-${count}.ndjson`);
  const array = join(dir, `rehydrate-bench-${count}.json`);
  for (const [path, format] of [
    [ndjson, "ndjson"],
    [array, "array"],
  ] as const) {
    if (!existsSync(path)) {
      console.error(`generating ${path}`);
      await writeEvents(path, format, { count });
    }
  }
  // Warm the page cache so every phase reads from memory: the raw read phase is the reference.
  await rawRead(ndjson);
  await rawRead(array);
  const results = new Map<string, PhaseResult[]>();
  for (let run = 0; run < runs; run++) {
    for (const phase of phases) {
      const proc = Bun.spawn(
        [process.execPath, import.meta.path, "--child", phase, "--ndjson", ndjson, "--array", array],
        {
          stdout: "pipe",
          stderr: "inherit",
        },
      );
      const out = await new Response(proc.stdout).text();
      if ((await proc.exited) !== 0) throw new Error(`phase ${phase} failed`);
      const list = results.get(phase) ?? [];
      list.push(JSON.parse(out) as PhaseResult);
      results.set(phase, list);
    }
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  const sizes = { ndjson: statSync(ndjson).size, array: statSync(array).size };
  console.log(
    `\nfile source benchmark: ${count} events, ${runs} run(s) per phase (median), warm page cache, Bun ${Bun.version}`,
  );
  console.log(`| phase | events/s | MB/s | peak RSS |\n|---|---:|---:|---:|`);
  for (const phase of phases) {
    const list = results.get(phase)!;
    const ms = median(list.map((r) => r.ms));
    const spec = PHASES[phase]!;
    const mbs = sizes[spec.input] / 1e6 / (ms / 1000);
    const events = list[0]!.events;
    const rate = events / (ms / 1000);
    console.log(
      `| ${spec.label} | ${Math.round(rate).toLocaleString("en")} | ${Math.round(mbs)} | ${Math.round(median(list.map((r) => r.peakRssMb)))} MiB |`,
    );
    // The raw read counts newlines; a pretty array has two more lines than elements.
    if (events !== count && phase !== "array-raw")
      console.log(`|   (read ${events} events, expected ${count}) | | | |`);
  }
}

const childPhase = arg("child");
if (childPhase) await child(childPhase, arg("ndjson")!, arg("array")!);
else await main();
