import { DEFAULT_ITEM_RETRY, type RunIO, type RunPlan } from "../config/run-plan.ts";
import { ownKeysOnly } from "../config/shard.ts";
import { createEnvelopeMapper } from "../envelope/mapping.ts";
import { disposeTempDirs } from "../host/create-host.ts";
import { ProgressLine } from "../report/progress/index.ts";
import type { RunReport } from "../report/run-report.ts";
import type { Source, Target } from "../sdk/index.ts";
import { errorMessage } from "../util/error-message.ts";
import { compileJsonPath } from "../util/json-path.ts";
import { AckTracker } from "./ack-tracker.ts";
import { dispatch } from "./dispatch.ts";
import { drain } from "./drain.ts";
import { MemoryCeiling } from "./memory-ceiling.ts";
import { openComponents, PreflightError } from "./preflight/open-components.ts";
import { readStage } from "./read/read-stage.ts";
import { createSelection } from "./read/selection.ts";
import { ReportBuilder } from "./report-builder.ts";
import { RunControl } from "./run-control.ts";
import { Settlement } from "./settlement.ts";
import { orderingFor } from "./target/ordering.ts";
import { TargetRunner } from "./target/target-runner.ts";

/**
 * Runs a pipeline: pre-flight → read (source → envelope → filter → routes → limit) → dispatch to
 * each target's lanes → batch, write and retry → settle → drain → report. Each stage is a file
 * of this folder; this function only wires them. The report is returned whatever happens.
 */
export async function runPipeline(plan: RunPlan, io: RunIO): Promise<RunReport> {
  const report = new ReportBuilder({
    dryRun: plan.dryRun,
    sourceName: plan.source.name,
    sourcePlugin: plan.source.registered.plugin.name,
    patternCount: plan.patternCount,
    targets: plan.targets.map((t) => ({ name: t.name, plugin: t.registered.plugin.name })),
  });
  const control = new RunControl();
  const onInterrupt = () => control.interrupt(io.interrupt.reason);
  if (io.interrupt.aborted) onInterrupt();
  io.interrupt.addEventListener("abort", onInterrupt, { once: true });

  const tempDirs: string[] = [];
  const created: { source?: Source; targets: Target[] } = { targets: [] };
  const runners: TargetRunner[] = [];
  let settlement: Settlement | undefined;
  const progress = plan.progress ? new ProgressLine(io.stderr, progressCounters(report.report)) : undefined;
  try {
    const opened = await openComponents(plan, io, control, report, tempDirs, created);
    settlement = new Settlement(opened.failedWriter);
    const acks = new AckTracker(
      opened.source.ack?.bind(opened.source),
      (cursor) => {
        report.report.source.lastAcknowledged = cursor;
        plan.checkpoint?.advance(cursor);
      },
      plan.checkpoint?.counters,
    );
    if (plan.routing) report.report.routes = plan.routing;
    if (plan.shard && opened.shardMode)
      report.report.shard = { index: plan.shard.index + 1, count: plan.shard.count, mode: opened.shardMode };
    for (const [index, target] of opened.targets.entries()) {
      const runner = new TargetRunner({
        index,
        target,
        counters: report.target(index),
        dryRun: plan.dryRun,
        ordering: orderingFor(target, plan.order ?? orderModeOf(plan), plan.concurrency),
        retry: plan.retry ?? DEFAULT_ITEM_RETRY,
        settled: (item, outcome) => settlement!.settled(item, outcome, acks, index),
        stop: control.stop.signal,
        deadline: control.deadline.signal,
        onBroken: (error) => {
          const name = plan.targets[index]!.name;
          if (error.name === "OutputClosedSignal") {
            runner.halt();
            control.closeOutput(`target ${name}: ${error.message}`);
          } else control.failFatal(`target ${name}: ${errorMessage(error)}`);
        },
      });
      runners.push(runner);
    }
    for (const runner of runners) runner.start();
    warnAboutOrder(plan, opened.source, io);

    const passThrough = plan.envelope === undefined;
    const mapper = createEnvelopeMapper(plan.envelope, {
      account: "000000000000",
      region: plan.aws.region ?? "us-east-1",
      time: report.report.startedAt.replace(/\.\d{3}Z$/, "Z"),
    });
    const orderKey = plan.order?.kind === "path" ? plan.order.path : plan.orderKey;
    const barrier = async () => {
      await Promise.all(runners.map((r) => r.barrier()));
      opened.failedWriter?.sync();
    };
    progress?.start();
    const batches = readStage({
      source: opened.source,
      context: opened.sourceContext,
      mapper,
      passThrough,
      selection: ownKeysOnly(
        createSelection(
          plan.pattern,
          { sinceMs: timeOf(plan.since), untilMs: timeOf(plan.until) },
          runners.length,
          plan.routes,
        ),
        // Key-hash shards: every shard reads everything and keeps its keys' events.
        opened.shardMode === "key-hash" ? plan.shard : undefined,
        orderKey ? compileJsonPath(orderKey) : (event) => event.id,
      ),
      orderKeyOf: orderKey ? compileJsonPath(orderKey) : undefined,
      limit: plan.limit,
      acks,
      report,
      onInvalid: (position, reason, original) => {
        if (!plan.skipInvalid) {
          control.endRead(`${position}: ${reason}`);
          return false;
        }
        settlement!.invalid(original);
        return true;
      },
    });
    try {
      await dispatch(batches, runners, acks, {
        stop: control.stop.signal,
        memory: new MemoryCeiling(),
        between: plan.checkpoint ? () => plan.checkpoint!.maybeSave(barrier) : undefined,
      });
    } catch (error) {
      // The source (or the checkpoint store) broke mid-read: stop reading, but what was read
      // before is still written and every event still settles (drain below).
      control.endRead(`source ${plan.source.name}: ${errorMessage(error)}`);
    }
    await drain(runners, control, plan.drainDeadlineMs ?? 30_000);
    if (!plan.dryRun) await flushTargets(runners, plan, control);
    await acks.drain();
    if (plan.checkpoint) {
      const completed = !control.stopReading.signal.aborted && !control.fatal && !control.interruptedBy;
      await plan.checkpoint.finish(barrier, completed);
    }
  } catch (error) {
    if (error instanceof PreflightError) {
      await closeQuietly(created, io.stderr);
      settlement?.close();
      await disposeTempDirs(tempDirs);
      io.interrupt.removeEventListener("abort", onInterrupt);
      return report.preflightFailed(error.message);
    }
    control.failFatal(errorMessage(error));
    for (const runner of runners) runner.cancelQueued();
  } finally {
    progress?.stop();
    io.interrupt.removeEventListener("abort", onInterrupt);
  }
  await closeQuietly(created, io.stderr);
  settlement?.close();
  await disposeTempDirs(tempDirs);
  plan.checkpoint?.completeReport?.(report.report);
  return report.finish(control);
}

/** `--order-key` alone means ordering by that path; otherwise the default. */
function orderModeOf(plan: RunPlan): NonNullable<RunPlan["order"]> {
  return plan.orderKey ? { kind: "path", path: plan.orderKey } : { kind: "auto" };
}

/**
 * Makes what each target wrote durable (also after Ctrl-C: what was written stays written). A
 * target with a write still in flight after the drain deadline is not flushed (the contract
 * promises flush never runs during a write).
 */
async function flushTargets(runners: TargetRunner[], plan: RunPlan, control: RunControl): Promise<void> {
  for (const [i, runner] of runners.entries()) {
    try {
      await runner.flushIfIdle();
    } catch (error) {
      control.failFatal(
        `target ${plan.targets[i]!.name}: could not make its writes durable (events counted sent may be lost): ${errorMessage(error)}`,
      );
    }
  }
}

function timeOf(iso: string | undefined): number | undefined {
  return iso === undefined ? undefined : Date.parse(iso);
}

function warnAboutOrder(plan: RunPlan, source: Source, io: RunIO): void {
  if (source.ordered === false) {
    io.stderr.write(
      `warning: source ${plan.source.name} yields events in no particular order (e.g. a Scan); targets see them in that order unless the source is told to sort them (see its options: rehydrate plugins describe ${plan.source.registered.plugin.name})\n`,
    );
  }
}

async function closeQuietly(
  created: { source?: Source; targets: Target[] },
  stderr: { write(text: string): unknown },
): Promise<void> {
  const closers = [created.source, ...created.targets].map(async (part) => {
    try {
      await part?.close?.();
    } catch (error) {
      stderr.write(`warning: closing failed: ${errorMessage(error)}\n`);
    }
  });
  await Promise.all(closers);
}

function progressCounters(report: RunReport) {
  return {
    read: () => report.source.read,
    matched: () => report.filter.matched,
    sent: () => report.targets.reduce((s, t) => s + t.sent + t.skipped + t.planned, 0),
    failed: () => report.targets.reduce((s, t) => s + t.failed, 0),
  };
}
