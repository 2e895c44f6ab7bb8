/**
 * Throughput of the AWS targets against the loopback AWS fake, with a fixed latency per call:
 *
 *   bun scripts/bench/aws-targets.ts [--seconds 8] [--latency 20] [--lanes 16] [--runs 3]
 *
 * For each case the fake runs in its own process (`--serve`), so it shares no event loop with
 * the client. Two figures per case:
 *
 * - **run**: `bun src/cli/main.ts run ...` in another process, endpoints set with
 *   AWS_ENDPOINT_URL_LAMBDA / AWS_ENDPOINT_URL_EVENTBRIDGE and dummy credentials, about
 *   `--seconds` × the ideal rate events (`--limit`), rate = the report's `sent / durationMs`
 *   (median of `--runs`). Per-key lanes are the engine's: keys are hashed to lanes, so lanes get
 *   unequal shares by chance and the busiest one sets the pace.
 * - **direct**: this process drives the target itself (no engine): N workers pull events from
 *   one shared queue and call `target.write`; this is the target's own overhead.
 *
 * Next to them: the ideal `lanes × batch / latency` (`lanes / latency` for Lambda, 10-entry
 * batches for PutEvents), and the same with the latency the fake actually took per call (its
 * timers and HTTP parsing add about a millisecond to `--latency`), and each figure's ratio to
 * the nominal ideal.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import eventbridgePlugin from "../../plugins/eventbridge/index.ts";
import lambdaPlugin from "../../plugins/lambda/index.ts";
import { createHost } from "../../src/host/create-host.ts";
import type { Envelope, EventBridgeEvent, Host, Target } from "../../src/sdk/index.ts";
import { startAwsFake } from "../../test/fakes/aws-server.ts";
import { generateEvents, writeEvents } from "./generate-events.ts";

const root = resolve(import.meta.dir, "../..");

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "8" },
    latency: { type: "string", default: "20" },
    lanes: { type: "string", default: "16" },
    runs: { type: "string", default: "3" },
    serve: { type: "boolean", default: false },
  },
});
const latencyMs = Number(values.latency);

if (values.serve) {
  // Child mode: serve the fake until stdin closes, then print the mean time per call.
  const fake = startAwsFake({ faults: { latencyMs }, buses: ["default", "bench"] });
  console.log(fake.url);
  for await (const _ of process.stdin) {
    // Drain until the parent closes stdin.
  }
  const calls = fake.received.filter((r) => r.operation === "Invoke" || r.operation === "PutEvents");
  const mean = calls.reduce((sum, r) => sum + (r.endedAt - r.startedAt), 0) / Math.max(1, calls.length);
  console.log(JSON.stringify({ meanServiceMs: mean }));
  await fake.stop();
  process.exit(0);
}

const seconds = Number(values.seconds);
const lanes = Number(values.lanes);
const runs = Number(values.runs);

interface Case {
  label: string;
  runArgs: string[];
  /** Parallel calls in flight and events per call. */
  lanes: number;
  batch: number;
  target: (host: Host) => Promise<Target>;
}

const cases: Case[] = [
  {
    label: `lambda, per-key lanes, ${lanes} lanes`,
    runArgs: ["--to", "lambda:bench", "--order-key", "detail.orderId", "--concurrency", String(lanes)],
    lanes: Math.min(lanes, 16),
    batch: 1,
    target: async (host) =>
      lambdaPlugin.create(
        { function: "bench", invocationType: "RequestResponse", retryFunctionErrors: false, maxInFlight: 16 },
        host,
      ),
  },
  {
    label: "eventbridge, 10-entry batches, 1 lane (no key)",
    runArgs: ["--to", "eventbridge:bench"],
    lanes: 1,
    batch: 10,
    target: async (host) => eventbridgeTarget(host),
  },
  {
    label: "eventbridge, 10-entry batches, 4 lanes (key)",
    runArgs: ["--to", "eventbridge:bench", "--order-key", "detail.orderId", "--concurrency", "4"],
    lanes: 4,
    batch: 10,
    target: async (host) => eventbridgeTarget(host),
  },
];

const dir = mkdtempSync(join(tmpdir(), "rehydrate-bench-aws-"));
const events = join(dir, "events.ndjson");
const countOf = (c: Case) => Math.ceil((ideal(c, latencyMs) * seconds) / 10) * 10;
const count = Math.max(...cases.map(countOf));
await writeEvents(events, "ndjson", { count });
const allEnvelopes = [...generateEvents({ count })].map(
  (event: EventBridgeEvent, seq): Envelope => ({ event, seq, position: String(seq), record: event }),
);

console.log(
  `fake latency ${latencyMs} ms; ~${seconds} s of events per case; run = median of ${runs} \`rehydrate run\`; ` +
    `direct = target.write from a shared queue`,
);
console.log(
  `${"case".padEnd(48)} ${"run ev/s".padStart(9)} ${"direct".padStart(7)} ${"ideal".padStart(7)} ` +
    `${"ideal@measured".padStart(15)}   ratio run / direct`,
);
try {
  for (const c of cases) {
    const n = countOf(c);
    const fake = await startFakeProcess();
    const env = awsEnv(fake.url);
    const rates: number[] = [];
    for (let r = 0; r < runs; r++) rates.push(await runOnce(env, [...c.runArgs, "--limit", String(n)]));
    const run = rates.sort((a, b) => a - b)[Math.floor(rates.length / 2)]!;
    Object.assign(process.env, env);
    const host = createHost({
      pluginName: "bench",
      dryRun: false,
      signal: new AbortController().signal,
      baseDir: root,
      aws: {},
      stderr: process.stderr,
    });
    const target = await c.target(host);
    const direct = await directRate(target, allEnvelopes.slice(0, n), c.lanes, c.batch);
    await target.close?.();
    const { meanServiceMs } = await fake.stop();
    const nominal = ideal(c, latencyMs);
    const measured = ideal(c, meanServiceMs);
    console.log(
      `${c.label.padEnd(48)} ${fmt(run).padStart(9)} ${fmt(direct).padStart(7)} ${fmt(nominal).padStart(7)} ` +
        `${`${fmt(measured)} (${meanServiceMs.toFixed(1)} ms)`.padStart(15)}   ` +
        `${(run / nominal).toFixed(2)} / ${(direct / nominal).toFixed(2)}`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

function ideal(c: Case, perCallMs: number): number {
  return (c.lanes * c.batch * 1000) / perCallMs;
}

function eventbridgeTarget(host: Host): Promise<Target> {
  return Promise.resolve(
    eventbridgePlugin.create(
      { bus: "bench", markReplayIn: "detail", maxRequestBytes: 256 * 1024, maxInFlight: 4 },
      host,
    ),
  );
}

function awsEnv(url: string): Record<string, string> {
  return {
    AWS_ACCESS_KEY_ID: "AKIDBENCHBENCHBENCH",
    AWS_SECRET_ACCESS_KEY: "bench-secret",
    AWS_REGION: "us-east-1",
    AWS_EC2_METADATA_DISABLED: "true",
    AWS_CONFIG_FILE: "/nonexistent/rehydrate-bench",
    AWS_SHARED_CREDENTIALS_FILE: "/nonexistent/rehydrate-bench",
    AWS_ENDPOINT_URL_LAMBDA: url,
    AWS_ENDPOINT_URL_EVENTBRIDGE: url,
  };
}

async function startFakeProcess(): Promise<{ url: string; stop(): Promise<{ meanServiceMs: number }> }> {
  const child = Bun.spawn([process.execPath, import.meta.path, "--serve", "--latency", String(latencyMs)], {
    stdin: "pipe",
    stdout: "pipe",
    stderr: "inherit",
  });
  const lines = readLines(child.stdout);
  const url = (await lines.next()).value as string;
  return {
    url,
    async stop() {
      child.stdin.end();
      const stats = JSON.parse((await lines.next()).value as string) as { meanServiceMs: number };
      await child.exited;
      return stats;
    },
  };
}

async function runOnce(env: Record<string, string>, args: string[]): Promise<number> {
  const report = join(dir, "report.json");
  const run = Bun.spawn(
    [process.execPath, join(root, "src/cli/main.ts"), "run", "--from", events, "--report", report, ...args],
    { env: { ...process.env, ...env }, stdout: "ignore", stderr: "pipe" },
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

async function* readLines(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let text = "";
  for await (const chunk of stream) {
    text += decoder.decode(chunk, { stream: true });
    for (let newline = text.indexOf("\n"); newline >= 0; newline = text.indexOf("\n")) {
      yield text.slice(0, newline).trim();
      text = text.slice(newline + 1);
    }
  }
  throw new Error("the fake server exited early");
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}
