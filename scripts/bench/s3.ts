/**
 * Read-side benchmark of the `s3` source next to the file source reading the same files from disk:
 *
 *   bun scripts/bench/s3.ts [--count 1000000] [--objects 16] [--runs 3] [--dir /tmp] [--gzip]
 *                           [--read-ahead <GETs>] [--read-ahead-bytes <bytes>] [--part-size <bytes>]
 *
 * Generates `count` events with generate-events.ts into `objects` NDJSON files (once, cached in
 * --dir; gzipped with --gzip), starts the test harness's S3 server (S3Proxy on loopback, see
 * test/services/s3-server.ts), uploads the files, then runs each phase in its own process (so each
 * phase's peak RSS is its own), `--runs` times interleaved, and prints the median events/s and
 * peak RSS of each, and the S3/disk ratios. Phases: every record parsed (no pattern), and with the
 * prefilter the engine derives from `{"detail-type":["Order Placed"]}`.
 *
 * Both sources run on one thread (file source `workers: 0`): the comparison is the transport.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { CreateBucketCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import {
  createFileSourcePlugin,
  DEFAULT_BATCH_SIZE,
  DEFAULT_MAX_RECORD_BYTES,
} from "../../plugins/file/source-plugin.ts";
import { FIREHOSE_LAYOUT } from "../../plugins/s3/date-layout.ts";
import { S3Source } from "../../plugins/s3/source.ts";
import {
  DEFAULT_PART_SIZE,
  DEFAULT_READ_AHEAD,
  DEFAULT_READ_AHEAD_BYTES,
} from "../../plugins/s3/source-plugin.ts";
import { createHost } from "../../src/host/create-host.ts";
import type { Source, SourceOpenContext } from "../../src/sdk/index.ts";
import { S3_LOCAL_CREDENTIALS, S3_LOCAL_REGION, startS3Server } from "../../test/services/s3-server.ts";
import { writeEvents } from "./generate-events.ts";

const args = process.argv.slice(2);
const get = (name: string) => {
  const i = args.indexOf(`--${name}`);
  return i === -1 ? undefined : args[i + 1];
};
const LITERALS = [['"Order Placed"']];
const prefilter = (text: string) => text.includes('"Order Placed"');

interface PhaseResult {
  events: number;
  ms: number;
  /** CPU time of the reading process (user + system), start-up included. */
  cpuMs: number;
  peakRssMb: number;
}

/** One phase, in this (child) process: read everything, print the result as JSON. */
async function runPhase(): Promise<void> {
  const phase = get("phase")!;
  const host = createHost({
    pluginName: phase.startsWith("s3") ? "s3" : "file",
    dryRun: false,
    signal: new AbortController().signal,
    baseDir: process.cwd(),
    aws: {},
    stderr: process.stderr,
  });
  let source: Source;
  if (phase.startsWith("s3")) {
    process.env.AWS_ACCESS_KEY_ID = S3_LOCAL_CREDENTIALS.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = S3_LOCAL_CREDENTIALS.secretAccessKey;
    process.env.AWS_REGION = S3_LOCAL_REGION;
    source = new S3Source(
      {
        url: `s3://${get("bucket")}/bench/`,
        endpoint: get("endpoint")!,
        format: "auto",
        batchSize: DEFAULT_BATCH_SIZE,
        maxRecordBytes: DEFAULT_MAX_RECORD_BYTES,
        readAhead: Number(get("read-ahead") ?? DEFAULT_READ_AHEAD),
        readAheadBytes: Number(get("read-ahead-bytes") ?? DEFAULT_READ_AHEAD_BYTES),
        partSize: Number(get("part-size") ?? DEFAULT_PART_SIZE),
        dateLayout: FIREHOSE_LAYOUT,
        dateSlackSeconds: 900,
        sortRunSize: 100_000,
      },
      host,
    );
  } else {
    const plugin = createFileSourcePlugin(() => {
      throw new Error("no stdin in the benchmark");
    });
    source = await plugin.create(
      {
        paths: [join(get("dir")!, "*")],
        format: "auto",
        batchSize: DEFAULT_BATCH_SIZE,
        maxRecordBytes: DEFAULT_MAX_RECORD_BYTES,
        workers: 0,
      },
      host,
    );
  }
  const filtered = phase.endsWith("prefilter");
  const ctx: SourceOpenContext = {
    signal: new AbortController().signal,
    ...(filtered ? { prefilter, prefilterLiterals: LITERALS } : {}),
  };
  const started = performance.now();
  await source.open?.(ctx);
  let events = 0;
  for await (const batch of source.batches(ctx)) events += batch.records.length + (batch.prefiltered ?? 0);
  await source.close?.();
  const ms = performance.now() - started;
  const cpu = process.cpuUsage();
  const result: PhaseResult = { events, ms, cpuMs: (cpu.user + cpu.system) / 1000, peakRssMb: peakRssMb() };
  console.log(JSON.stringify(result));
}

/** This process's peak RSS (VmHWM on Linux, else the resource usage's maxRSS). */
function peakRssMb(): number {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"));
    if (match) return Number(match[1]) / 1024;
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS / 1024;
}

/** Writes the objects once (cached): `objects` NDJSON files of count/objects events each. */
async function prepare(dir: string, count: number, objects: number, gzip: boolean): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  const suffix = gzip ? ".ndjson.gz" : ".ndjson";
  const names = Array.from({ length: objects }, (_, i) => `part-${String(i).padStart(3, "0")}${suffix}`);
  const per = Math.ceil(count / objects);
  for (const [i, name] of names.entries()) {
    const path = join(dir, name);
    if (existsSync(path)) continue;
    const plain = join(dir, `tmp-${i}.ndjson`);
    await writeEvents(plain, "ndjson", { count: Math.min(per, count - i * per), seed: 42 + i });
    if (gzip) writeFileSync(path, gzipSync(readFileSync(plain)));
    else writeFileSync(path, readFileSync(plain));
    Bun.spawnSync(["rm", "-f", plain]);
  }
  return names;
}

async function main(): Promise<void> {
  if (get("phase")) return runPhase();
  const count = Number(get("count") ?? 1_000_000);
  const objects = Number(get("objects") ?? 16);
  const runs = Number(get("runs") ?? 3);
  const gzip = args.includes("--gzip");
  const dir = join(get("dir") ?? tmpdir(), `rehydrate-bench-s3-${count}-${objects}${gzip ? "-gz" : ""}`);
  const names = await prepare(dir, count, objects, gzip);
  const bytes = names.reduce((sum, name) => sum + statSync(join(dir, name)).size, 0);
  console.log(
    `${count} events in ${objects} objects, ${(bytes / 1e6).toFixed(0)} MB${gzip ? " gzipped" : ""}`,
  );
  const server = await startS3Server();
  const client = server.client();
  const bucket = "bench";
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  for (const name of names) {
    await client.send(
      new PutObjectCommand({ Bucket: bucket, Key: `bench/${name}`, Body: readFileSync(join(dir, name)) }),
    );
  }
  // Warm the page cache for both: the disk files and the server's blob files.
  for (const name of readdirSync(dir)) readFileSync(join(dir, name));
  const phases = ["disk", "s3", "disk-prefilter", "s3-prefilter"];
  const results: Record<string, PhaseResult[]> = Object.fromEntries(phases.map((p) => [p, []]));
  for (let run = 0; run < runs; run++) {
    for (const phase of phases) {
      const child = spawnSync(
        process.execPath,
        [
          import.meta.path,
          "--phase",
          phase,
          "--dir",
          dir,
          "--endpoint",
          server.endpoint,
          "--bucket",
          bucket,
          ...["read-ahead", "read-ahead-bytes", "part-size"].flatMap((name) =>
            get(name) ? [`--${name}`, get(name)!] : [],
          ),
        ],
        { encoding: "utf8", maxBuffer: 1 << 20 },
      );
      if (child.status !== 0) throw new Error(`phase ${phase} failed:\n${child.stderr}`);
      results[phase]!.push(JSON.parse(child.stdout.trim().split("\n").pop()!) as PhaseResult);
    }
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  const rate: Record<string, number> = {};
  console.log("| phase | events/s (median) | CPU s of the reader (median) | peak RSS MB (max) |");
  console.log("|---|---|---|---|");
  for (const phase of phases) {
    const list = results[phase]!;
    if (list.some((r) => r.events !== count))
      throw new Error(`${phase} read ${list.map((r) => r.events)} events, not ${count}`);
    rate[phase] = median(list.map((r) => (r.events / r.ms) * 1000));
    const rss = Math.max(...list.map((r) => r.peakRssMb));
    const cpu = median(list.map((r) => r.cpuMs)) / 1000;
    console.log(
      `| ${phase} | ${Math.round(rate[phase]!).toLocaleString("en")} | ${cpu.toFixed(1)} | ${rss.toFixed(0)} |`,
    );
  }
  console.log(
    `S3/disk: ${(rate.s3! / rate.disk!).toFixed(2)}× (parse all), ${(rate["s3-prefilter"]! / rate["disk-prefilter"]!).toFixed(2)}× (prefilter); goal ≥ 0.7×, peak RSS ≤ 200 MB`,
  );
  process.kill(server.pid, "SIGKILL");
}

await main();
