/**
 * Fault injection through the engine with in-memory plugins: a target that breaks mid-run or on
 * its first batch, writes that never answer, interrupts, an output that closes, a failed-events
 * file that cannot be written, limits. Every case checks the accounting invariant.
 */
import { describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runPipeline } from "../../src/engine/run.ts";
import type { TargetPlugin } from "../../src/sdk/index.ts";
import { memorySource, newRecordingLog, recordingTarget, testEvent } from "../support/fake-plugins.ts";
import { planFor, testIO } from "../support/run-plan.ts";
import { expectAccounted } from "./accounting.ts";

const events = (count: number) => Array.from({ length: count }, (_, i) => testEvent(i));
const dir = () => mkdtempSync(join(tmpdir(), "rh-faults-"));

describe("a target that breaks", () => {
  for (const at of [1, 3]) {
    test(`write throws on batch ${at}: its batch is failed and in --failed, the rest cancelled`, async () => {
      const failedPath = join(dir(), "failed.ndjson");
      const log = newRecordingLog();
      const target = recordingTarget({ log, maxItems: 5, sameKey: "sequential", throwOnWriteAt: at });
      const report = await runPipeline(
        planFor(memorySource(events(60), { batchSize: 10 }), [target], { failedPath }),
        testIO(),
      );
      expect(report.status).toBe("stopped");
      expect(report.exitCode).toBe(1);
      const t = report.targets[0]!;
      expect(t.sent).toBe((at - 1) * 5);
      expect(t.failed).toBe(5); // the batch in flight when it broke
      expect(t.failures[0]!.code).toBe("TargetError");
      const lines = expectAccounted(report, { failedPath });
      expect(lines.length).toBe(t.failed + t.cancelled);
      expect(lines.length).toBeGreaterThan(0);
    });
  }

  test("one event too deeply nested to serialise fails alone, with its position", async () => {
    // A 200,000-deep detail makes JSON.stringify overflow the stack; JavaScriptCore takes seconds
    // to unwind each overflow, so the target here throws the very same RangeError for it.
    const input = events(12);
    (input[7] as { detail: unknown }).detail = { tooDeep: true };
    const failedPath = join(dir(), "failed.ndjson");
    const serialising: TargetPlugin = {
      ...recordingTarget({ log: newRecordingLog() }),
      create: () => ({
        policy: { maxItems: 10, maxInFlight: 1 },
        sameKey: "sequential" as const,
        async check() {
          return { ok: true, details: [] };
        },
        async plan() {
          return [];
        },
        async write(batch) {
          if (batch.some((e) => (e.event.detail as { tooDeep?: boolean }).tooDeep))
            throw new RangeError("Maximum call stack size exceeded.");
          return { failures: [] };
        },
      }),
    };
    const report = await runPipeline(
      planFor(memorySource(input, { batchSize: 12 }), [serialising], { failedPath }),
      testIO(),
    );
    const t = report.targets[0]!;
    expect(t.sent).toBe(11);
    expect(t.failed).toBe(1);
    expect(t.failures[0]).toMatchObject({ position: "mem:8", code: "EventTooDeep" });
    expectAccounted(report, { failedPath });
  });
});

describe("shutdown", () => {
  test("an interrupt mid-run: in-flight writes finish, the rest is cancelled and in --failed", async () => {
    const failedPath = join(dir(), "failed.ndjson");
    const interrupt = new AbortController();
    const log = newRecordingLog();
    const target = recordingTarget({ log, maxItems: 5, latency: () => 5 });
    setTimeout(() => interrupt.abort("SIGTERM"), 60);
    const report = await runPipeline(
      planFor(memorySource(events(5000), { batchSize: 50 }), [target], { failedPath }),
      testIO(interrupt.signal),
    );
    expect(report.status).toBe("interrupted");
    expect(report.exitCode).toBe(143);
    expect(report.targets[0]!.sent).toBe(log.delivered.length);
    expectAccounted(report, { failedPath });
  });

  test("a write that never answers is cancelled at the drain deadline, and told to abort", async () => {
    const failedPath = join(dir(), "failed.ndjson");
    const interrupt = new AbortController();
    let aborted = false;
    let writes = 0;
    const hanging: TargetPlugin = {
      ...recordingTarget({ log: newRecordingLog() }),
      create: () => ({
        policy: { maxItems: 4, maxInFlight: 1 },
        sameKey: "sequential" as const,
        async check() {
          return { ok: true, details: [] };
        },
        async plan() {
          return [];
        },
        write(_batch, context) {
          writes++;
          if (writes === 1) return Promise.resolve({ failures: [] });
          setTimeout(() => interrupt.abort(), 5);
          return new Promise(() => {
            context?.signal.addEventListener("abort", () => {
              aborted = true;
            });
          });
        },
      }),
    };
    const report = await runPipeline(
      planFor(memorySource(events(40), { batchSize: 4 }), [hanging], { failedPath, drainDeadlineMs: 50 }),
      testIO(interrupt.signal),
    );
    expect(aborted).toBe(true);
    const t = report.targets[0]!;
    expect(t.sent).toBe(4);
    expect(t.cancelled).toBeGreaterThanOrEqual(4);
    expect(report.error).toContain("did not finish within 50 ms");
    expectAccounted(report, { failedPath });
  });

  test("an output that closes ends the run normally; other targets get everything", async () => {
    const closing: TargetPlugin = {
      ...recordingTarget({ log: newRecordingLog() }),
      create: (_c, host) => {
        let calls = 0;
        return {
          policy: { maxItems: 5, maxInFlight: 1 },
          sameKey: "sequential" as const,
          async check() {
            return { ok: true, details: [] };
          },
          async plan() {
            return [];
          },
          async write() {
            if (++calls === 3) throw host.outputClosed("the reader closed the pipe");
            return { failures: [] };
          },
        };
      },
    };
    const log = newRecordingLog();
    const report = await runPipeline(
      planFor(memorySource(events(200), { batchSize: 10 }), [closing, recordingTarget({ log })]),
      testIO(),
    );
    expect(report.status).toBe("output-closed");
    expect(report.exitCode).toBe(0);
    expect(report.targets[0]!.sent).toBe(10);
    expect(report.source.read).toBeLessThan(200);
    expect(report.targets[1]!.sent).toBe(report.filter.matched);
    expectAccounted(report);
  });
});

describe("the failed-events file", () => {
  test("a real run starts it empty; a dry run never touches it", async () => {
    const failedPath = join(dir(), "failed.ndjson");
    writeFileSync(failedPath, "stale line from an earlier run\n");
    const dry = await runPipeline(
      planFor(memorySource(events(5)), [recordingTarget({ log: newRecordingLog() })], {
        failedPath,
        dryRun: true,
      }),
      testIO(),
    );
    expect(readFileSync(failedPath, "utf8")).toBe("stale line from an earlier run\n");
    expect(dry.failedEventsFile).toBeUndefined();
    const real = await runPipeline(
      planFor(memorySource(events(5)), [recordingTarget({ log: newRecordingLog() })], { failedPath }),
      testIO(),
    );
    expect(real.exitCode).toBe(0);
    expect(readFileSync(failedPath, "utf8")).toBe("");
  });

  test("a failed-events file that cannot be written stops the run, naming the file, not the target", async () => {
    const target = recordingTarget({
      log: newRecordingLog(),
      failure: () => ({ retryable: false, code: "Bad", message: "refused" }),
    });
    const report = await runPipeline(
      planFor(memorySource(events(3000), { batchSize: 100 }), [target], { failedPath: "/dev/full" }),
      testIO(),
    );
    expect(report.status).toBe("stopped");
    expect(report.error).toContain("cannot write the failed-events file /dev/full");
    expect(report.error).not.toContain("target0");
    expectAccounted(report);
  });
});

describe("limits", () => {
  test("--limit 0 reads and sends nothing", async () => {
    const log = newRecordingLog();
    const report = await runPipeline(
      planFor(memorySource(events(60)), [recordingTarget({ log })], { limit: 0 }),
      testIO(),
    );
    expect(report.source.read).toBe(0);
    expect(log.delivered).toEqual([]);
    expectAccounted(report);
  });

  test("--limit 2 sends two events and counts only the records taken", async () => {
    const log = newRecordingLog();
    const acked: number[] = [];
    const report = await runPipeline(
      planFor(memorySource(events(60), { batchSize: 60, log: { acked } }), [recordingTarget({ log })], {
        limit: 2,
      }),
      testIO(),
    );
    expect(log.delivered).toEqual(["e0", "e1"]);
    expect(report.source.read).toBe(2);
    expect(report.filter.matched).toBe(2);
    expect(acked).toEqual([]); // the batch was only partly taken: never acknowledged
    expectAccounted(report);
  });
});

describe("a source that breaks", () => {
  test("a source error mid-read stops the read; what was read is still written and counted", async () => {
    const failing = memorySource(events(100), { batchSize: 10 });
    const broken = {
      ...failing,
      create: (config: never, host: never) => {
        const source = (failing.create as (c: never, h: never) => import("../../src/sdk/index.ts").Source)(
          config,
          host,
        );
        return {
          ...source,
          async *batches(ctx: import("../../src/sdk/index.ts").SourceOpenContext) {
            let n = 0;
            for await (const batch of source.batches(ctx)) {
              if (++n === 4) throw new Error("EIO: read error on the disk");
              yield batch;
            }
          },
        };
      },
    };
    const log = newRecordingLog();
    const report = await runPipeline(
      planFor(broken as never, [recordingTarget({ log, sameKey: "sequential", latency: () => 2 })]),
      testIO(),
    );
    expect(report.status).toBe("stopped");
    expect(report.error).toContain("EIO: read error");
    expect(report.source.read).toBe(30);
    expect(report.targets[0]!.sent).toBe(30);
    expectAccounted(report);
  });
});
