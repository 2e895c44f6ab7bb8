/**
 * End-to-end: `rehydrate run` from an NDJSON file to the AWS targets, against the loopback fake
 * with injected faults. The fake's ordered record is the ground truth the report must match.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TargetReport } from "../../src/report/run-report.ts";
import {
  type AwsFake,
  type ReceivedEventBridge,
  type ReceivedInvoke,
  startAwsFake,
} from "../fakes/aws-server.ts";
import { useAwsFakeEnv } from "./aws-env.ts";
import { makeEvent } from "./helpers.ts";
import { runCli } from "./run-cli.ts";

const EVENTS = 400;
const KEYS = 40;
/** Events the function rejects every time (a non-retryable FunctionError). */
const POISON = new Set([17, 123, 250, 399]);
/** The EventBridge run uses the first 200 events: each 10-entry batch settles with backoff. */
const EB_EVENTS = 200;
const EB_POISON = new Set([...POISON].filter((n) => n < EB_EVENTS));

let fake: AwsFake;
let restoreEnv: () => void;
let dir: string;
let lines: string[];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "rehydrate-aws-e2e-"));
  lines = Array.from({ length: EVENTS }, (_, n) =>
    JSON.stringify(
      makeEvent(n, {
        detail: { orderId: `order-${n % KEYS}`, n, ...(POISON.has(n) ? { poison: true, reject: true } : {}) },
      }),
    ),
  );
  writeFileSync(join(dir, "events.ndjson"), lines.join("\n") + "\n");
  writeFileSync(join(dir, "events-eb.ndjson"), lines.slice(0, EB_EVENTS).join("\n") + "\n");
  fake = startAwsFake({
    seed: 42,
    functions: ["projector"],
    buses: ["default", "orders"],
    functionErrorFor: (payload) =>
      (payload as { detail?: { poison?: boolean } }).detail?.poison ? "poisoned order" : undefined,
    entryFailureFor: (entry) => (JSON.parse(entry.Detail ?? "{}").reject ? "InvalidArgument" : undefined),
  });
  restoreEnv = useAwsFakeEnv(fake.url);
});
afterAll(async () => {
  restoreEnv();
  await fake.stop();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  fake.received.length = 0;
  fake.setFaults({});
});

async function run(
  args: string[],
  from = join(dir, "events.ndjson"),
): Promise<{ code: number; report: TargetReport; stderr: string }> {
  const reportFile = join(dir, `report-${Math.random().toString(36).slice(2)}.json`);
  const result = await runCli(["run", "--from", from, "--report", reportFile, ...args]);
  const report = JSON.parse(readFileSync(reportFile, "utf8")) as { targets: TargetReport[] };
  return { code: result.code, report: report.targets[0]!, stderr: result.stderr };
}

/** `detail.n` of an event's JSON text. */
const nOf = (text: string | undefined) =>
  (JSON.parse(text ?? "{}") as { detail?: { n: number } }).detail?.n ?? -1;
/** `n` of a PutEvents entry's `Detail` (the event's detail as JSON text). */
const detailN = (text: string | undefined) => (JSON.parse(text ?? "{}") as { n?: number }).n ?? -1;

describe("rehydrate run → lambda", () => {
  test("per-key order at --concurrency 16, nothing lost or duplicated, exact counts under 30% throttles", async () => {
    fake.setFaults({ latencyMs: 2, jitterMs: 8, lambdaThrottleRate: 0.3, retryAfterSeconds: 0 });
    const { code, report } = await run([
      "--to",
      "lambda:projector",
      "--order-key",
      "detail.orderId",
      "--concurrency",
      "16",
    ]);
    const invokes = fake.received.filter(
      (r): r is ReceivedInvoke => r.service === "lambda" && r.invocationType !== "DryRun",
    );

    // Byte-faithful: every payload is one of the file's lines, unchanged.
    const lineSet = new Set(lines);
    expect(invokes.every((r) => lineSet.has(r.body))).toBe(true);

    // Ground truth from the fake.
    const okCount = new Map<number, number>();
    for (const r of invokes)
      if (r.outcome === "ok") okCount.set(nOf(r.body), (okCount.get(nOf(r.body)) ?? 0) + 1);
    expect([...okCount.values()].every((count) => count === 1)).toBe(true); // no duplicates
    const delivered = okCount.size;
    const throttles = invokes.filter((r) => r.outcome === "throttled").length;
    const functionErrors = invokes.filter((r) => r.outcome === "function-error");
    expect(throttles).toBeGreaterThan(EVENTS * 0.2); // the fault injection really happened
    expect(new Set(functionErrors.map((r) => nOf(r.body)))).toEqual(POISON);
    expect(functionErrors).toHaveLength(POISON.size); // function errors are not retried by default

    // Nothing lost: every event was delivered, failed as poison, or gave up after 8 throttles.
    const exhausted = [...Array(EVENTS).keys()].filter((n) => !okCount.has(n) && !POISON.has(n));
    for (const n of exhausted) {
      expect(invokes.filter((r) => nOf(r.body) === n && r.outcome === "throttled")).toHaveLength(8);
    }
    expect(report.sent).toBe(delivered);
    expect(report.failed).toBe(POISON.size + exhausted.length);
    expect(report.sent + report.failed).toBe(EVENTS);
    expect(report.retried).toBe(throttles - exhausted.length);
    expect(report.throttled).toBe(report.retried);
    expect(code).toBe(1);

    // Per-key order: a key's invokes never overlap in time and follow the file's order.
    const byKey = new Map<number, ReceivedInvoke[]>();
    for (const r of invokes) {
      const key = nOf(r.body) % KEYS;
      byKey.set(key, [...(byKey.get(key) ?? []), r]);
    }
    for (const calls of byKey.values()) {
      const ordered = [...calls].sort((a, b) => a.startedAt - b.startedAt);
      for (let i = 1; i < ordered.length; i++) {
        expect(ordered[i]!.startedAt).toBeGreaterThanOrEqual(ordered[i - 1]!.endedAt);
        expect(nOf(ordered[i]!.body)).toBeGreaterThanOrEqual(nOf(ordered[i - 1]!.body));
      }
    }
    // ...while different keys really ran in parallel.
    expect(maxOverlap(invokes)).toBeGreaterThanOrEqual(8);
  }, 45_000);

  test("dry run checks with DryRun and invokes nothing", async () => {
    const { code, report } = await run(["--to", "lambda:projector", "--dry-run"]);
    expect(code).toBe(0);
    expect(report.planned).toBe(EVENTS);
    expect(report.plannedActions).toEqual({ invoke: EVENTS });
    expect(fake.received.map((r) => (r as ReceivedInvoke).invocationType)).toEqual(["DryRun"]);
  });
});

describe("rehydrate run → eventbridge", () => {
  test("exact counts under 30% partial failures; nothing lost or duplicated", async () => {
    fake.setFaults({
      latencyMs: 1,
      jitterMs: 3,
      putEventsFailureRate: 0.3,
      putEventsFailureCodes: ["ThrottlingException", "InternalFailure"],
    });
    const { code, report } = await run(
      ["--to", "eventbridge:orders", "--order-key", "detail.orderId", "--concurrency", "4"],
      join(dir, "events-eb.ndjson"),
    );
    const entries = fake.received
      .filter((r): r is ReceivedEventBridge => r.service === "eventbridge" && r.operation === "PutEvents")
      .flatMap((r) => r.entries!);
    expect(
      fake.received
        .filter((r) => r.service === "eventbridge" && r.operation === "PutEvents")
        .every((r) => (r as ReceivedEventBridge).entries!.length <= 10),
    ).toBe(true);
    const okCount = new Map<number, number>();
    for (const e of entries)
      if (e.outcome === "ok") okCount.set(detailN(e.Detail), (okCount.get(detailN(e.Detail)) ?? 0) + 1);
    expect([...okCount.values()].every((count) => count === 1)).toBe(true);
    const retryableFailures = entries.filter(
      (e) => e.outcome === "ThrottlingException" || e.outcome === "InternalFailure",
    );
    expect(retryableFailures.length).toBeGreaterThan(EB_EVENTS * 0.2);
    const rejected = entries.filter((e) => e.outcome === "InvalidArgument").map((e) => detailN(e.Detail));
    expect(new Set(rejected)).toEqual(EB_POISON);
    expect(rejected).toHaveLength(EB_POISON.size);
    const exhausted = [...Array(EB_EVENTS).keys()].filter((n) => !okCount.has(n) && !EB_POISON.has(n));
    expect(report.sent).toBe(okCount.size);
    expect(report.failed).toBe(EB_POISON.size + exhausted.length);
    expect(report.sent + report.failed).toBe(EB_EVENTS);
    expect(report.retried).toBe(retryableFailures.length - exhausted.length);
    // An exhausted item's last failure is final, not a retry, so it is not counted as throttled.
    const finalThrottles = exhausted.filter(
      (n) => entries.findLast((e) => detailN(e.Detail) === n)?.outcome === "ThrottlingException",
    ).length;
    expect(report.throttled).toBe(
      retryableFailures.filter((e) => e.outcome === "ThrottlingException").length - finalThrottles,
    );
    expect(code).toBe(1);
    // The entries carry the original time.
    const first = entries.find((e) => detailN(e.Detail) === 5)!;
    expect(first.Time).toBe(Date.parse(JSON.parse(lines[5]!).time) / 1000);
  }, 45_000);

  test("per-key order under 30% throttled entries: no later event of a key overtakes a throttled one (one key, and four keys in lanes)", async () => {
    for (const [keys, extra] of [
      [1, []],
      [4, ["--order-key", "detail.orderId", "--concurrency", "4"]],
    ] as const) {
      fake.received.length = 0;
      fake.setFaults({ putEventsFailureRate: 0.3, putEventsFailureCodes: ["ThrottlingException"] });
      const input = join(dir, `order-${keys}.ndjson`);
      const count = 60;
      writeFileSync(
        input,
        Array.from({ length: count }, (_, n) =>
          JSON.stringify({
            version: "0",
            id: `o${n}`,
            "detail-type": "OrderPlaced",
            source: "shop",
            account: "1",
            time: "2024-01-01T00:00:00Z",
            region: "us-east-1",
            resources: [],
            detail: { n, orderId: `k${n % keys}` },
          }),
        ).join("\n") + "\n",
      );
      const { report } = await run(["--to", "eventbridge:orders", "--max-attempts", "50", ...extra], input);
      expect(report.sent).toBe(count);
      const delivered = fake.received
        .filter((r): r is ReceivedEventBridge => r.service === "eventbridge" && r.operation === "PutEvents")
        .flatMap((r) => r.entries!)
        .filter((e) => e.outcome !== "ThrottlingException")
        .map((e) => detailN(e.Detail));
      expect(delivered).toHaveLength(count);
      for (let k = 0; k < keys; k++) {
        const ofKey = delivered.filter((n) => n % keys === k);
        expect(ofKey).toEqual([...ofKey].sort((a, b) => a - b));
      }
      expect(report.throttled).toBeGreaterThan(5);
    }
  }, 45_000);

  test("dry run describes the bus and puts nothing", async () => {
    const { code, report } = await run(["--to", "eventbridge:orders", "--dry-run"]);
    expect(code).toBe(0);
    expect(report.planned).toBe(EVENTS);
    expect(fake.received.map((r) => (r as ReceivedEventBridge).operation)).toEqual(["DescribeEventBus"]);
  });
});

describe("rehydrate run → lambda-local", () => {
  test("calls the handler once per event, per-key order kept", async () => {
    const handler = join(dir, "handler.ts");
    writeFileSync(
      handler,
      `const calls = ((globalThis as any).__e2eLocalCalls ??= []);
       export async function project(event: any) {
         calls.push(event.detail.n);
         await Bun.sleep((event.detail.n * 7) % 5);
         if (event.detail.poison) throw new RangeError("poisoned " + event.detail.n);
       }`,
    );
    const { code, report } = await run([
      "--to",
      `lambda-local:${handler}#project`,
      "--order-key",
      "detail.orderId",
      "--concurrency",
      "16",
    ]);
    const calls = (globalThis as Record<string, unknown>).__e2eLocalCalls as number[];
    expect(code).toBe(1);
    expect(report.sent).toBe(EVENTS - POISON.size);
    expect(report.failed).toBe(POISON.size);
    expect(report.failures[0]!.message).toContain("RangeError: poisoned");
    expect([...calls].sort((a, b) => a - b)).toEqual([...Array(EVENTS).keys()]);
    for (let key = 0; key < KEYS; key++) {
      const ofKey = calls.filter((n) => n % KEYS === key);
      expect(ofKey).toEqual([...ofKey].sort((a, b) => a - b));
    }
  });
});

/** The most requests in flight at once, from their start and end times. */
function maxOverlap(requests: Array<{ startedAt: number; endedAt: number }>): number {
  const edges = requests.flatMap((r) => [
    [r.startedAt, 1],
    [r.endedAt, -1],
  ]) as Array<[number, number]>;
  edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let open = 0;
  let max = 0;
  for (const [, delta] of edges) {
    open += delta;
    max = Math.max(max, open);
  }
  return max;
}
