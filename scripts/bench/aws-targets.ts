/**
 * Throughput of the AWS targets through `rehydrate run`, against the loopback AWS fake:
 *
 *   bun scripts/bench/aws-targets.ts [--count 4000] [--latency 20] [--lanes 16] [--runs 3]
 *
 * The fake runs in its own process (`--serve`), so it does not share an event loop with the
 * run; the run is `bun src/cli/main.ts run ...` in another process, its endpoint set with
 * AWS_ENDPOINT_URL_LAMBDA / AWS_ENDPOINT_URL_EVENTBRIDGE and dummy credentials. Every call
 * waits `--latency` ms at the fake. Figures are the report's `sent` divided by its
 * `durationMs` (which includes start-up and the pre-flight check), medians of `--runs` runs.
 *
 * Printed next to each figure is the ideal: `lanes / latency` for Lambda (one invoke per lane
 * in flight) and `lanes × 10 / latency` for PutEvents (10-entry batches).
 *
 * A second table drives the targets directly (no engine): N workers pull events from one
 * shared queue and call `target.write`, which shows the target's own overhead apart from the
 * engine's (start-up, static hash lanes whose loads differ by chance, linger).
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import eventbridgePlugin from "../../plugins/eventbridge/index.ts";
import lambdaPlugin from "../../plugins/lambda/index.ts";
import { createHost } from "../../src/host/create-host.ts";
import type { Envelope, EventBridgeEvent, Target } from "../../src/sdk/index.ts";
import { startAwsFake } from "../../test/fakes/aws-server.ts";
import { generateEvents, writeEvents } from "./generate-events.ts";

const root = resolve(import.meta.dir, "../..");

const { values } = parseArgs({
  options: {
    count: { type: "string", default: "4000" },
    latency: { type: "string", default: "20" },
    lanes: { type: "string", default: "16" },
    runs: { type: "string", default: "3" },
    serve: { type: "boolean", default: false },
  },
});
const latencyMs = Number(values.latency);

if (values.serve) {
  // Child mode: serve the fake until stdin closes.
  const fake = startAwsFake({ faults: { latencyMs }, buses: ["default", "bench"] });
  console.log(fake.url);
  for await (const _ of process.stdin) {
    // Drain until the parent closes stdin.
  }
  await fake.stop();
  process.exit(0);
}

const count = Number(values.count);
const lanes = Number(values.lanes);
const runs = Number(values.runs);
const dir = mkdtempSync(join(tmpdir(), "rehydrate-bench-aws-"));
const events = join(dir, "events.ndjson");
await writeEvents(events, "ndjson", { count });

const server = Bun.spawn([process.execPath, import.meta.path, "--serve", "--latency", String(latencyMs)], {
  stdin: "pipe",
  stdout: "pipe",
  stderr: "inherit",
});
const url = await firstLine(server.stdout);

const env = {
  ...process.env,
  AWS_ACCESS_KEY_ID: "AKIDBENCHBENCHBENCH",
  AWS_SECRET_ACCESS_KEY: "bench-secret",
  AWS_REGION: "us-east-1",
  AWS_EC2_METADATA_DISABLED: "true",
  AWS_CONFIG_FILE: "/nonexistent/rehydrate-bench",
  AWS_SHARED_CREDENTIALS_FILE: "/nonexistent/rehydrate-bench",
  AWS_ENDPOINT_URL_LAMBDA: url,
  AWS_ENDPOINT_URL_EVENTBRIDGE: url,
};

interface Case {
  label: string;
  args: string[];
  ideal: number;
}

const cases: Case[] = [
  {
    label: `lambda, --order-key, ${lanes} lanes`,
    args: ["--to", "lambda:bench", "--order-key", "detail.orderId", "--concurrency", String(lanes)],
    ideal: (Math.min(lanes, 16) * 1000) / latencyMs,
  },
  {
    label: "eventbridge, 10-entry batches, 1 lane (no key)",
    args: ["--to", "eventbridge:bench"],
    ideal: (10 * 1000) / latencyMs,
  },
  {
    label: "eventbridge, 10-entry batches, --order-key, 4 lanes",
    args: ["--to", "eventbridge:bench", "--order-key", "detail.orderId", "--concurrency", "4"],
    ideal: (4 * 10 * 1000) / latencyMs,
  },
];

console.log(
  `${count} events, fake latency ${latencyMs} ms, median of ${runs} runs through \`rehydrate run\``,
);
try {
  for (const c of cases) {
    const rates: number[] = [];
    for (let r = 0; r < runs; r++) rates.push(await runOnce(c.args));
    const median = rates.sort((a, b) => a - b)[Math.floor(rates.length / 2)]!;
    console.log(
      `${c.label.padEnd(52)} ${fmt(median).padStart(8)} events/s   ideal ${fmt(c.ideal).padStart(7)}   ` +
        `ratio ${(median / c.ideal).toFixed(2)}`,
    );
  }
  console.log("\ndirect (target.write from a shared queue, no engine):");
  Object.assign(process.env, env);
  const host = createHost({
    pluginName: "bench",
    dryRun: false,
    signal: new AbortController().signal,
    baseDir: root,
    aws: {},
    stderr: process.stderr,
  });
  const envelopes = [...generateEvents({ count })].map(
    (event: EventBridgeEvent, seq): Envelope => ({ event, seq, position: String(seq), record: event }),
  );
  const lambdaTarget = await lambdaPlugin.create(
    { function: "bench", invocationType: "RequestResponse", retryFunctionErrors: false, maxInFlight: 16 },
    host,
  );
  const busTarget = await eventbridgePlugin.create(
    { bus: "bench", markReplayIn: "detail", maxRequestBytes: 256 * 1024, maxInFlight: 4 },
    host,
  );
  const direct: Array<[string, Target, number, number]> = [
    [`lambda, ${lanes} workers`, lambdaTarget, lanes, 1],
    ["eventbridge, 10-entry batches, 1 worker", busTarget, 1, 10],
    ["eventbridge, 10-entry batches, 4 workers", busTarget, 4, 10],
  ];
  for (const [label, target, workers, batchSize] of direct) {
    const rate = await directRate(target, envelopes, workers, batchSize);
    const ideal = (workers * batchSize * 1000) / latencyMs;
    console.log(
      `${label.padEnd(52)} ${fmt(rate).padStart(8)} events/s   ideal ${fmt(ideal).padStart(7)}   ` +
        `ratio ${(rate / ideal).toFixed(2)}`,
    );
  }
  await lambdaTarget.close?.();
  await busTarget.close?.();
} finally {
  server.stdin.end();
  await server.exited;
  rmSync(dir, { recursive: true, force: true });
}

async function runOnce(args: string[]): Promise<number> {
  const report = join(dir, "report.json");
  const run = Bun.spawn(
    [process.execPath, join(root, "src/cli/main.ts"), "run", "--from", events, "--report", report, ...args],
    { env, stdout: "ignore", stderr: "pipe" },
  );
  const code = await run.exited;
  if (code !== 0) throw new Error(`run failed (${code}): ${await new Response(run.stderr).text()}`);
  const parsed = JSON.parse(readFileSync(report, "utf8")) as {
    durationMs: number;
    targets: Array<{ sent: number }>;
  };
  return (parsed.targets[0]!.sent * 1000) / parsed.durationMs;
}

/** Events/s of `workers` loops taking `batchSize` events at a time from one shared queue. */
async function directRate(target: Target, envelopes: Envelope[], workers: number, batchSize: number) {
  await target.write(envelopes.slice(0, batchSize)); // warm the connection and the SDK
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (next < envelopes.length) {
        const batch = envelopes.slice(next, next + batchSize);
        next += batch.length;
        const result = await target.write(batch);
        if (result.failures.length > 0)
          throw new Error(`unexpected failures: ${result.failures[0]!.message}`);
      }
    }),
  );
  return (envelopes.length * 1000) / (performance.now() - started);
}

async function firstLine(stream: ReadableStream<Uint8Array>): Promise<string> {
  const decoder = new TextDecoder();
  let text = "";
  for await (const chunk of stream) {
    text += decoder.decode(chunk);
    const newline = text.indexOf("\n");
    if (newline >= 0) return text.slice(0, newline).trim();
  }
  throw new Error("the fake server exited before printing its URL");
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}
