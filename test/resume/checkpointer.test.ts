import { describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { computeRunIdentity } from "../../src/config/run-identity.ts";
import { Checkpointer, type CheckpointMode } from "../../src/engine/checkpoint/checkpointer.ts";
import { FileCheckpointStore } from "../../src/engine/checkpoint/file-store.ts";
import { emptyCounters } from "../../src/engine/checkpoint/format.ts";
import { FrontierCounters } from "../../src/engine/checkpoint/frontier-counters.ts";
import { CheckpointOwnershipError } from "../../src/engine/checkpoint/store.ts";
import { newTargetReport } from "../../src/report/run-report.ts";

const identityFor = (paths: string[], password = "a") =>
  computeRunIdentity({
    source: { plugin: "file", config: { paths, batchSize: 128 } },
    targets: [
      {
        plugin: "postgres",
        config: { url: `postgres://app:${password}@db/x`, password, table: "t" },
        fields: { password: { type: "string", description: "", secret: true } },
      },
    ],
    patterns: [{ source: ["shop"] }],
    orderKey: "detail.id",
  });

function folder(): string {
  return mkdtempSync(join(tmpdir(), "rehydrate-checkpoint-"));
}

async function open(path: string, mode: CheckpointMode, options: { paths?: string[]; force?: boolean } = {}) {
  let clock = 0;
  const checkpointer = await Checkpointer.open({
    store: new FileCheckpointStore(path),
    identity: identityFor(options.paths ?? ["a.ndjson"]),
    mode,
    force: options.force ?? false,
    intervalMs: 1000,
    targetNames: ["t"],
    now: () => clock,
  });
  return { checkpointer, tick: (ms: number) => (clock += ms) };
}

describe("Checkpointer", () => {
  test("stores the frontier captured before the barrier, every interval, and resumes from it", async () => {
    const path = join(folder(), "run.checkpoint");
    const { checkpointer, tick } = await open(path, "new");
    expect(checkpointer.resumePoint).toBeUndefined();
    const batch = checkpointer.counters.newBatch();
    batch.read = 4;
    batch.matched = 3;
    checkpointer.counters.add(batch);
    checkpointer.counters.newBatch().matched = 3; // read, not acknowledged: in flight
    checkpointer.advance({ offset: 10 }); // commits the acknowledged batch
    await checkpointer.maybeSave(async () => {});
    expect(checkpointer.saves).toBe(0); // the interval has not passed
    tick(1500);
    // A frontier that moves while the barrier runs is not the one stored by this save.
    await checkpointer.maybeSave(async () => {
      checkpointer.advance({ offset: 20 });
      checkpointer.counters.add(checkpointer.counters.newBatch());
    });
    expect(checkpointer.saves).toBe(1);
    const stored = JSON.parse(readFileSync(path, "utf8"));
    expect(stored.cursor).toEqual({ offset: 10 });
    expect(stored.counters.read).toBe(4);
    expect(stored.counters.matched).toBe(3);
    expect(stored.inFlight).toBe(3);
    expect(stored.done).toBe(false);
    // No temp file is left behind.
    expect(readdirSync(join(path, "..")).filter((f) => f.endsWith(".tmp"))).toEqual([]);

    const resumed = await open(path, "resume");
    expect(resumed.checkpointer.resumePoint?.cursor).toEqual({ offset: 10 });
    expect(resumed.checkpointer.resumePoint?.counters.read).toBe(4);
    expect(resumed.checkpointer.resumeFrom).toEqual({ offset: 10 });
    // The next save of the resumed run counts on top of the stored counters.
    expect(resumed.checkpointer.counters.snapshot().read).toBe(4);
    const target = { ...newTargetReport("t", "sqlite"), selected: 5, sent: 5 };
    const report = {
      source: { name: "s", plugin: "file", read: 6, invalid: 0, invalidSamples: [] },
      filter: { patterns: 1, matched: 5, unmatched: 1, prefiltered: 0, unrouted: 0 },
      targets: [target],
    };
    resumed.checkpointer.addResumedCounters(report);
    expect(report.source.read).toBe(10);
    expect(report.filter.matched).toBe(8);
    expect(resumed.checkpointer.reportFields().resumed?.mayRepeat).toBe(3);
    expect(resumed.checkpointer.resumePoint?.inFlightWindow).toBe(3);
    expect(resumed.checkpointer.resumePoint?.previousAttempts).toBe(1);
  });

  test("finish marks the run done; a new run then starts over, --resume reads nothing more", async () => {
    const path = join(folder(), "run.checkpoint");
    const { checkpointer } = await open(path, "new");
    checkpointer.advance({ offset: 99 });
    let barriers = 0;
    await checkpointer.finish(async () => {
      barriers++;
    }, true);
    expect(barriers).toBe(1);
    expect(JSON.parse(readFileSync(path, "utf8")).done).toBe(true);
    expect((await open(path, "new")).checkpointer.resumePoint).toBeUndefined();
    const again = await open(path, "resume");
    expect(again.checkpointer.resumePoint?.done).toBe(true);
    expect(again.checkpointer.resumePoint?.cursor).toEqual({ offset: 99 });
  });

  test("modes: --resume needs a checkpoint, a rerun without a flag refuses an unfinished one, --restart ignores it", async () => {
    const path = join(folder(), "run.checkpoint");
    await expect(open(path, "resume")).rejects.toThrow(/no checkpoint to resume from/);
    expect((await open(path, "auto")).checkpointer.resumePoint).toBeUndefined();
    const { checkpointer } = await open(path, "new");
    checkpointer.advance({ offset: 5 });
    await checkpointer.finish(async () => {}, false);
    await expect(open(path, "new")).rejects.toThrow(/give --resume to continue it or --restart/);
    expect((await open(path, "auto")).checkpointer.resumePoint?.cursor).toEqual({ offset: 5 });
    const restarted = await open(path, "restart");
    expect(restarted.checkpointer.resumePoint).toBeUndefined();
    await restarted.checkpointer.finish(async () => {}, false);
    expect(JSON.parse(readFileSync(path, "utf8")).cursor).toBeNull();
  });

  test("a resume with another configuration is refused, naming what differs; --force overrides", async () => {
    const path = join(folder(), "run.checkpoint");
    const { checkpointer } = await open(path, "new");
    checkpointer.advance({ offset: 5 });
    await checkpointer.finish(async () => {}, false);
    const refused = open(path, "resume", { paths: ["b.ndjson"] });
    await expect(refused).rejects.toThrow(/source: .*a\.ndjson.* → .*b\.ndjson/);
    await expect(refused).rejects.toThrow(/--force resumes anyway/);
    const forced = await open(path, "resume", { paths: ["b.ndjson"], force: true });
    expect(forced.checkpointer.resumePoint?.cursor).toEqual({ offset: 5 });
  });

  test("the identity leaves out secrets: a changed password keeps the hash, and it is never stored", () => {
    const a = identityFor(["a.ndjson"], "hunter2");
    const b = identityFor(["a.ndjson"], "swordfish");
    expect(a.hash).toBe(b.hash);
    expect(JSON.stringify(a)).not.toContain("hunter2");
    expect(identityFor(["b.ndjson"]).hash).not.toBe(a.hash);
  });

  test("two runs cannot own one checkpoint file", async () => {
    const path = join(folder(), "run.checkpoint");
    const first = await open(path, "auto");
    const second = await open(path, "auto");
    first.checkpointer.advance({ offset: 1 });
    await first.checkpointer.finish(async () => {}, false);
    second.checkpointer.advance({ offset: 2 });
    await expect(second.checkpointer.finish(async () => {}, false)).rejects.toBeInstanceOf(
      CheckpointOwnershipError,
    );
    expect(JSON.parse(readFileSync(path, "utf8")).cursor).toEqual({ offset: 1 });
  });

  test("a torn or foreign file is refused with its path", async () => {
    const path = join(folder(), "run.checkpoint");
    writeFileSync(path, '{"kind":"rehydrate-checkpoint","formatVer');
    await expect(open(path, "resume")).rejects.toThrow(/run\.checkpoint: the checkpoint is not valid JSON/);
    writeFileSync(path, "{}");
    await expect(open(path, "resume")).rejects.toThrow(/not a rehydrate checkpoint/);
  });
});

describe("FrontierCounters", () => {
  test("counts a batch only once it is acknowledged, on top of the resumed base", () => {
    const base = emptyCounters(["t"]);
    base.read = 100;
    base.targets[0]!.sent = 90;
    const counters = new FrontierCounters(base);
    const batch = counters.newBatch();
    batch.read = 10;
    batch.matched = 7;
    batch.targets[0]!.sent = 6;
    batch.targets[0]!.failed = 1;
    expect(counters.snapshot().read).toBe(100);
    expect(counters.inFlight()).toBe(7);
    counters.add(batch);
    // Acknowledged, but no cursor covers it yet: not counted, still in flight.
    expect(counters.snapshot().read).toBe(100);
    expect(counters.inFlight()).toBe(7);
    counters.commit();
    expect(counters.inFlight()).toBe(0);
    const snapshot = counters.snapshot();
    expect(snapshot.read).toBe(110);
    expect(snapshot.matched).toBe(7);
    expect(snapshot.targets[0]).toMatchObject({ sent: 96, failed: 1 });
    expect(base.read).toBe(100); // the base is copied, not changed
  });
});
