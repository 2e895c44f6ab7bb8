import { describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runPipeline } from "../../src/engine/run.ts";
import {
  type MemorySourceLog,
  memorySource,
  newRecordingLog,
  recordingTarget,
  seededRandom,
  testEvent,
} from "../support/fake-plugins.ts";
import { planFor, testIO } from "../support/run-plan.ts";

const events = (count: number) => Array.from({ length: count }, (_, i) => testEvent(i));
const ids = (count: number) => Array.from({ length: count }, (_, i) => `e${i}`);

describe("ordering", () => {
  test("without an order key a target sees events in read order, one write at a time", async () => {
    const log = newRecordingLog();
    const random = seededRandom(1);
    const target = recordingTarget({ log, maxItems: 3, maxInFlight: 8, latency: () => random() * 3 });
    const report = await runPipeline(
      planFor(memorySource(events(200), { batchSize: 7 }), [target]),
      testIO(),
    );
    expect(report.exitCode).toBe(0);
    expect(log.delivered).toEqual(ids(200));
    expect(log.maxConcurrent).toBe(1);
    expect(report.targets[0]!.sent).toBe(200);
  });

  test("with an order key, per-key order holds across 16 lanes under random latency and 30% retryable failures", async () => {
    const log = newRecordingLog();
    const random = seededRandom(7);
    const target = recordingTarget({
      log,
      maxItems: 1,
      maxInFlight: 16,
      latency: () => random() * 4,
      failure: (_e, attempt) =>
        attempt < 4 && random() < 0.3
          ? { retryable: true, throttled: true, code: "ThrottlingException", message: "slow down" }
          : undefined,
    });
    const input = Array.from({ length: 400 }, (_, i) => testEvent(i, { orderId: `k${i % 23}` }));
    const report = await runPipeline(
      planFor(memorySource(input, { batchSize: 50 }), [target], {
        orderKey: "detail.orderId",
        concurrency: 16,
      }),
      testIO(),
    );
    expect(report.exitCode).toBe(0);
    expect(log.maxConcurrent).toBeGreaterThan(1);
    expect(log.maxConcurrent).toBeLessThanOrEqual(16);
    // Every event delivered exactly once.
    expect([...log.delivered].sort()).toEqual(ids(400).sort());
    // Per key, delivery order equals read order.
    const byKey = new Map<string, number[]>();
    for (const id of log.delivered) {
      const n = Number(id.slice(1));
      const key = `k${n % 23}`;
      byKey.set(key, [...(byKey.get(key) ?? []), n]);
    }
    for (const seq of byKey.values()) expect(seq).toEqual([...seq].sort((a, b) => a - b));
    // Counts are exact: every write beyond one per event is a counted retry.
    const writes = log.writes.flat().length;
    expect(report.targets[0]!.retried).toBe(writes - 400);
    expect(report.targets[0]!.retried).toBeGreaterThan(50);
    expect(report.targets[0]!.throttled).toBe(report.targets[0]!.retried);
  });
});

describe("failures", () => {
  test("non-retryable failures are counted, sampled and written to the failed-events file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rh-"));
    const failedPath = join(dir, "failed.ndjson");
    const log = newRecordingLog();
    const target = recordingTarget({
      log,
      failure: (e) =>
        Number(e.event.id.slice(1)) % 10 === 3 ? { retryable: false, code: "Bad", message: "no" } : undefined,
    });
    const report = await runPipeline(planFor(memorySource(events(50)), [target], { failedPath }), testIO());
    expect(report.exitCode).toBe(1);
    expect(report.status).toBe("failed");
    expect(report.targets[0]!.failed).toBe(5);
    expect(report.targets[0]!.sent).toBe(45);
    expect(report.targets[0]!.failures.map((f) => f.position)).toEqual([
      "mem:4",
      "mem:14",
      "mem:24",
      "mem:34",
      "mem:44",
    ]);
    const failed = readFileSync(failedPath, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l).id);
    expect(failed).toEqual(["e3", "e13", "e23", "e33", "e43"]);
  });

  test("retryable failures that never succeed fail after the attempt budget", async () => {
    const log = newRecordingLog();
    const target = recordingTarget({
      log,
      failure: (e) =>
        e.event.id === "e2" ? { retryable: true, code: "InternalFailure", message: "boom" } : undefined,
    });
    const report = await runPipeline(planFor(memorySource(events(5)), [target]), testIO());
    expect(report.targets[0]!.failed).toBe(1);
    expect(report.targets[0]!.retried).toBe(5); // 6 attempts in all
    expect(report.targets[0]!.failures[0]!.message).toContain("gave up after 6 attempts");
  });

  test("an event failing on two targets is written to the failed file once", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rh-"));
    const failedPath = join(dir, "failed.ndjson");
    const fail = () => ({ retryable: false, code: "X", message: "x" });
    const a = recordingTarget({
      log: newRecordingLog(),
      failure: (e) => (e.event.id === "e1" ? fail() : undefined),
    });
    const b = recordingTarget({
      log: newRecordingLog(),
      failure: (e) => (e.event.id === "e1" ? fail() : undefined),
    });
    await runPipeline(planFor(memorySource(events(3)), [a, b], { failedPath }), testIO());
    expect(readFileSync(failedPath, "utf8").trim().split("\n")).toHaveLength(1);
  });

  test("a target that throws stops the run with its message", async () => {
    const target = recordingTarget({ log: newRecordingLog(), throwOnWrite: true });
    const report = await runPipeline(planFor(memorySource(events(30)), [target]), testIO());
    expect(report.status).toBe("stopped");
    expect(report.exitCode).toBe(1);
    expect(report.error).toContain("access denied");
  });

  test("a failing check stops the run before reading, as a pre-flight failure (exit 2)", async () => {
    const log = newRecordingLog();
    const report = await runPipeline(
      planFor(memorySource(events(3)), [recordingTarget({ log, checkOk: false })]),
      testIO(),
    );
    expect(report.status).toBe("preflight-failed");
    expect(report.exitCode).toBe(2);
    expect(report.error).toContain("failed its check: nope");
    expect(report.source.read).toBe(0);
    expect(log.writes).toHaveLength(0);
  });
});

describe("invalid records", () => {
  const input = [
    ...events(5),
    "Unexpected token at 1:7",
    ...events(5).map((e, i) => ({ ...e, id: `late${i}` })),
  ];

  test("stop the run before anything after them is written", async () => {
    const log = newRecordingLog();
    const report = await runPipeline(
      planFor(memorySource(input, { batchSize: 4 }), [recordingTarget({ log })]),
      testIO(),
    );
    expect(report.exitCode).toBe(1);
    expect(report.status).toBe("stopped");
    expect(report.error).toBe("mem:6:1: Unexpected token at 1:7");
    expect(log.delivered).toEqual(ids(5));
  });

  test("with skipInvalid are recorded and the run goes on", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rh-"));
    const failedPath = join(dir, "failed.ndjson");
    const log = newRecordingLog();
    const report = await runPipeline(
      planFor(memorySource(input, { batchSize: 4 }), [recordingTarget({ log })], {
        skipInvalid: true,
        failedPath,
      }),
      testIO(),
    );
    expect(report.exitCode).toBe(1);
    expect(report.source.invalid).toBe(1);
    expect(report.source.read).toBe(11);
    expect(log.delivered).toHaveLength(10);
    expect(readFileSync(failedPath, "utf8")).toBe("bad 5\n");
  });

  test("records that are not EventBridge events are invalid without an envelope mapping", async () => {
    const log = newRecordingLog();
    const report = await runPipeline(
      planFor(memorySource([{ hello: 1 }]), [recordingTarget({ log })]),
      testIO(),
    );
    expect(report.error).toContain("not an EventBridge event");
    expect(log.writes).toHaveLength(0);
  });
});

describe("run control", () => {
  test("dry run plans and never writes", async () => {
    const log = newRecordingLog();
    const report = await runPipeline(
      planFor(memorySource(events(12)), [recordingTarget({ log })], { dryRun: true }),
      testIO(),
    );
    expect(report.exitCode).toBe(0);
    expect(log.writes).toHaveLength(0);
    expect(log.planned).toEqual(ids(12));
    expect(report.targets[0]!.planned).toBe(12);
    expect(report.targets[0]!.plannedActions).toEqual({ put: 12 });
    expect(log.checks).toBe(1);
  });

  test("source batches are acknowledged in read order after every target settled them", async () => {
    const sourceLog: MemorySourceLog = { acked: [] };
    const random = seededRandom(3);
    const targets = [
      recordingTarget({ log: newRecordingLog(), maxItems: 1, latency: () => random() * 3 }),
      recordingTarget({ log: newRecordingLog(), maxItems: 4 }),
    ];
    await runPipeline(
      planFor(memorySource(events(60), { batchSize: 6, log: sourceLog }), targets, {
        orderKey: "detail.orderId",
        concurrency: 8,
      }),
      testIO(),
    );
    expect(sourceLog.acked).toEqual([0, 6, 12, 18, 24, 30, 36, 42, 48, 54]);
  });

  test("limit stops after that many matched events", async () => {
    const log = newRecordingLog();
    const report = await runPipeline(
      planFor(memorySource(events(100)), [recordingTarget({ log })], { limit: 7 }),
      testIO(),
    );
    expect(report.filter.matched).toBe(7);
    expect(log.delivered).toEqual(ids(7));
  });

  test("an interrupt stops reading, reports cancelled events and exits 130", async () => {
    const interrupt = new AbortController();
    const log = newRecordingLog();
    const target = recordingTarget({ log, maxItems: 1, latency: () => 2 });
    const running = runPipeline(
      planFor(memorySource(events(10_000), { batchSize: 100, delayMs: 1 }), [target]),
      testIO(interrupt.signal),
    );
    setTimeout(() => interrupt.abort(), 60);
    const report = await running;
    expect(report.status).toBe("interrupted");
    expect(report.exitCode).toBe(130);
    expect(report.source.read).toBeLessThan(10_000);
    const t = report.targets[0]!;
    expect(t.sent + t.cancelled + t.failed).toBe(report.filter.matched);
    expect(log.delivered).toEqual(ids(t.sent));
  });

  test("the pattern filter selects events and counts the rest as unmatched", async () => {
    const log = newRecordingLog();
    const pattern = {
      matches: (e: unknown) => (e as { "detail-type": string })["detail-type"] === "Order Placed",
    };
    const report = await runPipeline(
      planFor(memorySource(events(10)), [recordingTarget({ log })], { pattern, patternCount: 1 }),
      testIO(),
    );
    expect(report.filter).toEqual({ patterns: 1, matched: 5, unmatched: 5, prefiltered: 0, unrouted: 0 });
    expect(log.delivered).toEqual(["e0", "e2", "e4", "e6", "e8"]);
    expect(report.events).toEqual({
      firstId: "e0",
      firstTime: "2024-01-01T00:00:00Z",
      lastId: "e8",
      lastTime: "2024-01-01T00:00:08Z",
    });
  });
});

describe("order keys", () => {
  test("events without a value for the order key are counted (and ordered together)", async () => {
    const log = newRecordingLog();
    const input = events(20).map((e, i) => (i % 4 === 0 ? { ...e, detail: { n: i } } : e));
    const report = await runPipeline(
      planFor(memorySource(input), [recordingTarget({ log })], {
        orderKey: "detail.orderId",
        concurrency: 4,
      }),
      testIO(),
    );
    expect(report.targets[0]!.orderKeyMissing).toBe(5);
    expect(report.targets[0]!.sent).toBe(20);
    const { renderHumanSummary } = await import("../../src/report/human-summary.ts");
    expect(renderHumanSummary(report)).toContain("5 events had no value for the order key detail.orderId");
  });

  test("a storage target is ordered per row key in parallel lanes by default; delivery targets keep global order", async () => {
    const store = newRecordingLog();
    const delivery = newRecordingLog();
    const storage = recordingTarget({ log: store, maxItems: 2, maxInFlight: 4, latency: () => 3 });
    const storageTarget = {
      ...storage,
      create: async (...args: Parameters<typeof storage.create>) => ({
        ...(await storage.create(...args)),
        sameKey: "collapse" as const,
        rowKey: (event: { detail: unknown }) => String((event.detail as { orderId: string }).orderId),
      }),
    };
    const report = await runPipeline(
      planFor(memorySource(events(70), { batchSize: 10 }), [
        storageTarget as never,
        recordingTarget({ log: delivery, maxItems: 2, maxInFlight: 4, latency: () => 1 }),
      ]),
      testIO(),
    );
    expect(report.targets[0]).toMatchObject({ order: "row key", lanes: 4, sent: 70 });
    expect(store.maxConcurrent).toBeGreaterThan(1);
    expect(report.targets[1]).toMatchObject({ order: "global", lanes: 1, sent: 70 });
    expect(delivery.maxConcurrent).toBe(1);
    expect(delivery.delivered).toEqual(ids(70));
    // Per row key, the store saw its events in read order.
    const byKey = new Map<string, number[]>();
    for (const id of store.delivered) {
      const n = Number(id.slice(1));
      byKey.set(`o${n % 7}`, [...(byKey.get(`o${n % 7}`) ?? []), n]);
    }
    for (const seq of byKey.values()) expect(seq).toEqual([...seq].sort((a, b) => a - b));
  });
});
