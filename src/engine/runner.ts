import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { createEnvelopeMapper } from "../envelope/mapping.ts";
import { createHost, disposeTempDirs } from "../host/create-host.ts";
import { compileJsonPath } from "../host/json-path.ts";
import { sleep } from "../host/retry.ts";
import { newTargetReport, pushSample, type RunReport } from "../report/run-report.ts";
import type { Envelope, Source, Target } from "../sdk/index.ts";
import { VERSION } from "../version.ts";
import { AckTracker } from "./ack-tracker.ts";
import { FailedEventsWriter } from "./failed-events-writer.ts";
import { MemoryCeiling } from "./memory-ceiling.ts";
import { ProgressLine } from "./progress-line.ts";
import type { RunItem } from "./run-item.ts";
import type { RunIO, RunPlan } from "./run-plan.ts";
import { DEFAULT_ITEM_RETRY, type ItemOutcome, TargetRunner } from "./target-runner.ts";

/**
 * Runs a pipeline: source → envelope → filter → lanes → targets → report. Owns the run's
 * guarantees (see docs/architecture.md): bounded memory through pull-based reading and
 * bounded lane queues, order per lane, retries, in-order acknowledgement, dry runs, and a
 * report that is written whatever happens.
 */
export async function runPipeline(plan: RunPlan, io: RunIO): Promise<RunReport> {
  const started = new Date();
  const startedMs = performance.now();
  // `stop` halts everything (interrupt, broken target); `stopReading` only ends the read, so
  // what was read before a malformed record or the --limit still gets written.
  const stop = new AbortController();
  const stopReading = new AbortController();
  stop.signal.addEventListener("abort", () => stopReading.abort(), { once: true });
  let interrupted = false;
  let fatal: string | undefined;
  const onInterrupt = () => {
    interrupted = true;
    stop.abort();
  };
  if (io.interrupt.aborted) onInterrupt();
  io.interrupt.addEventListener("abort", onInterrupt, { once: true });
  const failFatal = (message: string) => {
    fatal ??= message;
    stop.abort();
  };
  const endRead = (message: string) => {
    fatal ??= message;
    stopReading.abort();
  };

  const report: RunReport = {
    version: 1,
    tool: { name: "rehydrate", version: VERSION },
    dryRun: plan.dryRun,
    startedAt: started.toISOString(),
    finishedAt: "",
    durationMs: 0,
    status: "completed",
    exitCode: 0,
    source: {
      name: plan.source.name,
      plugin: plan.source.registered.plugin.name,
      read: 0,
      invalid: 0,
      invalidSamples: [],
    },
    filter: { patterns: plan.patternCount, matched: 0, unmatched: 0, prefiltered: 0 },
    events: {},
    throughput: { readPerSecond: 0, matchedPerSecond: 0 },
    targets: plan.targets.map((t) => newTargetReport(t.name, t.registered.plugin.name)),
  };
  const failedWriter = plan.failedPath ? new FailedEventsWriter(plan.failedPath) : undefined;
  if (failedWriter) report.failedEventsFile = plan.failedPath;

  const tempDirs: string[] = [];
  const hostFor = (pluginName: string, baseDir: string) =>
    createHost({
      pluginName,
      dryRun: plan.dryRun,
      signal: stop.signal,
      baseDir,
      aws: plan.aws,
      stderr: io.stderr,
      stdio: { stdin: io.stdin, stdout: io.stdout },
      verbose: plan.verbose,
      tempDirs,
    });

  let source: Source | undefined;
  const targets: Target[] = [];
  const runners: TargetRunner[] = [];
  const progress = plan.progress
    ? new ProgressLine(io.stderr, {
        read: () => report.source.read,
        matched: () => report.filter.matched,
        sent: () => report.targets.reduce((s, t) => s + t.sent + t.planned, 0),
        failed: () => report.targets.reduce((s, t) => s + t.failed, 0),
      })
    : undefined;

  try {
    // Create and pre-flight everything before reading a single event.
    const sourcePlugin = plan.source.registered.plugin;
    source = await sourcePlugin.create(
      plan.source.config as never,
      hostFor(sourcePlugin.name, plan.source.baseDir),
    );
    for (const t of plan.targets) {
      const plugin = t.registered.plugin;
      targets.push(await plugin.create(t.config as never, hostFor(plugin.name, t.baseDir)));
    }
    for (const [i, target] of targets.entries()) {
      await target.open?.();
      const check = await target.check();
      report.targets[i]!.check = check;
      if (!check.ok)
        throw new Error(`target ${plan.targets[i]!.name} failed its check: ${check.details.join("; ")}`);
    }

    const ack = new AckTracker(source.ack?.bind(source));
    const settleItem = (item: RunItem, outcome: ItemOutcome) => {
      if (outcome === "failed" || outcome === "cancelled") item.failed = true;
      item.pendingTargets--;
      if (item.pendingTargets > 0) return;
      if (item.failed && failedWriter)
        failedWriter.write(item.envelope.text ?? JSON.stringify(item.envelope.event));
      ack.settle(item.ticket);
    };
    const lanes = plan.orderKey ? plan.concurrency : 1;
    for (const [i, target] of targets.entries()) {
      const runner = new TargetRunner({
        target,
        report: report.targets[i]!,
        dryRun: plan.dryRun,
        lanes,
        retry: plan.retry ?? DEFAULT_ITEM_RETRY,
        settle: settleItem,
        stopSignal: stop.signal,
        onFatal: (error) => failFatal(`target ${plan.targets[i]!.name}: ${errorMessage(error)}`),
      });
      runners.push(runner);
      runner.start();
    }

    const mapper = createEnvelopeMapper(plan.envelope, {
      account: "000000000000",
      region: plan.aws.region ?? "us-east-1",
      time: started.toISOString().replace(/\.\d{3}Z$/, "Z"),
    });
    const passThrough = plan.envelope === undefined;
    const orderKeyOf = plan.orderKey ? compileJsonPath(plan.orderKey) : undefined;
    const matches = plan.pattern ? plan.pattern.matches.bind(plan.pattern) : () => true;
    const usePrefilter = plan.prefilter && passThrough && plan.pattern?.prefilter !== undefined;
    const openContext = {
      signal: stopReading.signal,
      prefilter: usePrefilter ? plan.pattern?.prefilter : undefined,
      prefilterLiterals: usePrefilter ? plan.pattern?.prefilterLiterals : undefined,
    };

    progress?.start();
    await source.open?.(openContext);
    if (source.ordered === false) {
      io.stderr.write(
        `warning: source ${plan.source.name} yields events in no particular order (e.g. a Scan); targets will see them in that order. Sort them with the source's own option (dynamodb: sortBy) if order matters.\n`,
      );
    }
    let seq = 0;
    const memory = new MemoryCeiling();
    const recordInvalid = (position: string, reason: string, text: string) => {
      report.source.invalid++;
      pushSample(report.source.invalidSamples, { position, code: "InvalidRecord", message: reason });
      if (plan.skipInvalid) failedWriter?.write(text);
      else endRead(`${position}: ${reason}`);
    };

    reading: for await (const batch of source.batches(openContext)) {
      const ticket = ack.open(batch);
      report.source.read += batch.records.length + (batch.prefiltered ?? 0);
      report.filter.prefiltered += batch.prefiltered ?? 0;
      report.filter.unmatched += batch.prefiltered ?? 0;
      for (const record of batch.records) {
        const event = mapper(record.value, record.position);
        if (typeof event === "string") {
          recordInvalid(record.position, event, record.text ?? JSON.stringify(record.value));
          if (stopReading.signal.aborted) break;
          continue;
        }
        if (!matches(event)) {
          report.filter.unmatched++;
          continue;
        }
        report.filter.matched++;
        const keyValue = orderKeyOf?.(event);
        const envelope: Envelope = {
          event,
          position: record.position,
          seq: seq++,
          text: passThrough ? record.text : undefined,
          record: record.value,
          orderKey:
            keyValue === undefined
              ? undefined
              : typeof keyValue === "object"
                ? JSON.stringify(keyValue)
                : String(keyValue),
        };
        if (report.filter.matched === 1) {
          report.events.firstId = event.id;
          report.events.firstTime = event.time;
        }
        report.events.lastId = event.id;
        report.events.lastTime = event.time;
        const item: RunItem = { envelope, ticket, pendingTargets: runners.length, failed: false };
        ticket.pending++;
        for (const runner of runners) runner.push(item);
        if (plan.limit !== undefined && report.filter.matched >= plan.limit) {
          ack.seal(ticket);
          break reading;
        }
      }
      for (const invalid of batch.invalid ?? []) {
        report.source.read++;
        recordInvalid(invalid.position, invalid.reason, invalid.text);
        if (stopReading.signal.aborted) break;
      }
      ack.seal(ticket);
      if (stopReading.signal.aborted) break;
      memory.check();
      for (const runner of runners) await runner.waitForRoom(stop.signal);
      if (stopReading.signal.aborted) break;
    }

    // Let lanes finish what is queued (or, when stopping, what is in flight), within a deadline.
    const finishing = Promise.allSettled(runners.map((r) => r.finish()));
    const deadline = plan.drainDeadlineMs ?? 30_000;
    const drained = await Promise.race([
      finishing.then(() => true),
      untilAborted(stop.signal).then(() =>
        Promise.race([finishing.then(() => true), sleep(deadline).then(() => false)]),
      ),
    ]);
    if (!drained) failFatal(`in-flight writes did not finish within ${deadline} ms after the stop`);
    for (const runner of runners) runner.cancelQueued();
    if (!stop.signal.aborted) for (const target of targets) await target.flush?.();
    await ack.drain();
  } catch (error) {
    failFatal(errorMessage(error));
    for (const runner of runners) runner.cancelQueued();
  } finally {
    progress?.stop();
    io.interrupt.removeEventListener("abort", onInterrupt);
    await closeQuietly(source, targets, io.stderr);
    try {
      failedWriter?.close();
    } catch (error) {
      fatal ??= `cannot write the failed-events file ${plan.failedPath}: ${errorMessage(error)}`;
    }
    await disposeTempDirs(tempDirs);
  }

  const finished = new Date();
  report.finishedAt = finished.toISOString();
  report.durationMs = Math.round(performance.now() - startedMs);
  const seconds = Math.max(report.durationMs, 1) / 1000;
  report.throughput = {
    readPerSecond: Math.round(report.source.read / seconds),
    matchedPerSecond: Math.round(report.filter.matched / seconds),
  };
  const anyFailed = report.targets.some((t) => t.failed > 0 || t.cancelled > 0) || report.source.invalid > 0;
  if (interrupted) {
    report.status = "interrupted";
    report.exitCode = 130;
  } else if (fatal) {
    report.status = "stopped";
    report.exitCode = 1;
  } else if (anyFailed) {
    report.status = "failed";
    report.exitCode = 1;
  }
  if (fatal) report.error = fatal;
  return report;
}

/** Writes the JSON report file. */
export function writeReportFile(path: string, report: RunReport): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, JSON.stringify(report, null, 2) + "\n");
}

function untilAborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
}

async function closeQuietly(
  source: Source | undefined,
  targets: Target[],
  stderr: { write(text: string): unknown },
): Promise<void> {
  const closers = [source, ...targets].map(async (part) => {
    try {
      await part?.close?.();
    } catch (error) {
      stderr.write(`warning: closing failed: ${errorMessage(error)}\n`);
    }
  });
  await Promise.all(closers);
}

/** One line for any thrown value; never a stack trace for the user. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
