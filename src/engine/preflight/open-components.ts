import type { RunIO, RunPlan } from "../../config/run-plan.ts";
import { chooseShardMode } from "../../config/shard.ts";
import { createHost } from "../../host/create-host.ts";
import type { ShardMode } from "../../report/run-report.ts";
import type {
  CheckResult,
  ConfigSpec,
  SelectionPushdown,
  Source,
  SourceOpenContext,
  Target,
} from "../../sdk/index.ts";
import { errorMessage } from "../../util/error-message.ts";
import { FailedEventsWriter } from "../failed-events-writer.ts";
import type { ReportBuilder } from "../report-builder.ts";
import type { RunControl } from "../run-control.ts";
import { outputFileProblem } from "./output-file-check.ts";
import { findPathClash, type RunFile } from "./path-identity.ts";

/**
 * A check before the first event failed: nothing was read or written (the failed-events file
 * at most created empty). The CLI prints it on one line and exits 2.
 */
export class PreflightError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PreflightError";
  }
}

/** The run's components, created, opened and checked. */
export interface OpenComponents {
  source: Source;
  sourceContext: SourceOpenContext;
  targets: Target[];
  failedWriter: FailedEventsWriter | undefined;
  /** How a split run (`--shard`) divides its events; absent when not split. */
  shardMode?: ShardMode;
}

/**
 * Creates, opens and pre-flights everything before a single event is read, in an order that
 * destroys nothing by mistake:
 * 1. create the source and targets (no I/O);
 * 2. the report and failed-events paths are usable and no two outputs are the same file;
 * 3. open the source (globs expanded, never yielding the run's own outputs) and make sure no
 *    input is also an output — before any target opens (and truncates) its file;
 * 4. open and check every target; create the failed-events file empty (real runs only).
 * Any failure throws {@link PreflightError}. `created` collects what must be closed afterwards.
 */
export async function openComponents(
  plan: RunPlan,
  io: RunIO,
  control: RunControl,
  report: ReportBuilder,
  tempDirs: string[],
  created: { source?: Source; targets: Target[] },
): Promise<OpenComponents> {
  const hostFor = (
    pluginName: string,
    baseDir: string,
    signal: AbortSignal,
    endpoint: { config: Record<string, unknown>; registered: { plugin: { config: ConfigSpec } } },
  ) =>
    createHost({
      secrets: secretValues(endpoint.registered.plugin.config, endpoint.config),
      pluginName,
      dryRun: plan.dryRun,
      signal,
      baseDir,
      aws: plan.aws,
      stderr: io.stderr,
      stdio: { stdin: io.stdin, stdout: io.stdout },
      verbose: plan.verbose,
      tempDirs,
    });

  const sourcePlugin = plan.source.registered.plugin;
  const source = await preflight(`source ${plan.source.name}`, () =>
    sourcePlugin.create(
      plan.source.config as never,
      hostFor(sourcePlugin.name, plan.source.baseDir, control.stopReading.signal, plan.source),
    ),
  );
  created.source = source;
  for (const t of plan.targets) {
    const plugin = t.registered.plugin;
    const target = await preflight(`target ${t.name}`, () =>
      plugin.create(t.config as never, hostFor(plugin.name, t.baseDir, control.stop.signal, t)),
    );
    created.targets.push(target);
  }
  const targets = created.targets;

  const outputs: RunFile[] = [];
  for (const [i, target] of targets.entries()) {
    for (const path of target.outputPaths?.() ?? [])
      outputs.push({ role: `target ${plan.targets[i]!.name}`, path });
  }
  if (plan.reportPath) outputs.push({ role: "--report", path: plan.reportPath });
  if (plan.failedPath && !plan.dryRun) outputs.push({ role: "--failed", path: plan.failedPath });
  for (const [path, what] of [
    [plan.reportPath, "--report"],
    [plan.dryRun ? undefined : plan.failedPath, "--failed"],
  ] as const) {
    const problem = path ? outputFileProblem(path, what) : undefined;
    if (problem) throw new PreflightError(problem);
  }
  const outputClash = findPathClash(outputs);
  if (outputClash) throw new PreflightError(outputClash);

  // In the key-hash mode the source reads everything (the read stage keeps this shard's keys).
  const shardMode = plan.shard
    ? await preflight(`source ${plan.source.name}`, () =>
        chooseShardMode({
          sourceName: plan.source.name,
          sharding: source.sharding,
          orderKey: plan.order?.kind === "path" ? plan.order.path : plan.orderKey,
          requested: plan.shardMode,
        }),
      )
    : undefined;
  const sourceContext: SourceOpenContext = {
    signal: control.stopReading.signal,
    pushdown: pushdownOf(plan, targets, shardMode),
    excludePaths: outputs.map((o) => o.path),
    ...(plan.checkpoint?.resumeFrom !== undefined && { resumeFrom: plan.checkpoint.resumeFrom }),
    ...(plan.shard && shardMode !== "key-hash" && { shard: plan.shard }),
  };
  // Sound with routes too: an event must match the run's pattern before any route sees it.
  const usePrefilter = plan.prefilter && plan.envelope === undefined && plan.pattern?.prefilter !== undefined;
  if (usePrefilter) {
    sourceContext.prefilter = plan.pattern!.prefilter;
    sourceContext.prefilterLiterals = plan.pattern!.prefilterLiterals;
  }
  await preflight(`source ${plan.source.name}`, () => source.open?.(sourceContext));
  const inputs: RunFile[] = (source.inputPaths?.() ?? []).map((path) => ({ role: "the source", path }));
  const inputClash = findPathClash([...inputs, ...outputs]);
  if (inputClash) throw new PreflightError(inputClash);
  // Checked for every checkpointed run, not only resumed ones: a checkpoint the run could never
  // resume from would only promise what it cannot keep (stdin cannot be read again).
  if (plan.checkpoint !== undefined && source.resumable !== true)
    throw new PreflightError(
      `source ${plan.source.name} cannot be resumed (it gives no cursors): run it without --checkpoint`,
    );

  for (const [i, target] of targets.entries()) {
    const name = plan.targets[i]!.name;
    const check: CheckResult = await preflight(`target ${name}`, async () => {
      await target.open?.();
      return target.check();
    });
    report.target(i).check = check;
    if (!check.ok) throw new PreflightError(`target ${name} failed its check: ${check.details.join("; ")}`);
  }

  let failedWriter: FailedEventsWriter | undefined;
  if (plan.failedPath && !plan.dryRun) {
    failedWriter = new FailedEventsWriter(plan.failedPath, (message) => control.failFatal(message));
    try {
      failedWriter.open(plan.appendFailed);
    } catch (error) {
      throw new PreflightError(
        `cannot create the failed-events file ${plan.failedPath}: ${errorMessage(error)}`,
      );
    }
    report.failedEventsFile(plan.failedPath);
  }
  return { source, sourceContext, targets, failedWriter, ...(shardMode && { shardMode }) };
}

/** The values of a plugin's secret fields (and the passwords of its URIs), to keep out of logs. */
function secretValues(spec: ConfigSpec, config: Record<string, unknown>): string[] {
  const values: string[] = [];
  for (const [key, value] of Object.entries(config)) {
    if (typeof value !== "string") continue;
    if (spec.fields[key]?.secret) values.push(value);
    const password = /\/\/[^/@:\s]*:([^/@\s]+)@/.exec(value)?.[1];
    if (password) values.push(password, decodeURIComponent(password));
  }
  return values;
}

/** Runs a pre-flight step; anything it throws becomes a {@link PreflightError} naming the part. */
async function preflight<T>(part: string, step: () => T | Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    if (error instanceof PreflightError) throw error;
    const message = errorMessage(error);
    throw new PreflightError(message.startsWith(part) ? message : `${part}: ${message}`);
  }
}

/** What the run selects, as data a source can push down (see `SelectionPushdown`). */
function pushdownOf(
  plan: RunPlan,
  targets: readonly Target[],
  shardMode: string | undefined,
): SelectionPushdown {
  const pushdown: SelectionPushdown = {};
  if (plan.patternJson !== undefined) pushdown.pattern = plan.patternJson;
  if (plan.prefilter && plan.envelope === undefined && plan.pattern?.prefilterLiterals)
    pushdown.literals = plan.pattern.prefilterLiterals;
  if (plan.since) pushdown.since = plan.since;
  if (plan.until) pushdown.until = plan.until;
  if (plan.envelope === undefined) pushdown.passThrough = true;
  // Mirrors where the read stage passes events on unparsed (read-stage.ts, Selection.everyEvent).
  const looksAtEvents =
    plan.pattern !== undefined ||
    plan.since !== undefined ||
    plan.until !== undefined ||
    (plan.routes ?? []).some((route) => route !== undefined) ||
    plan.order?.kind === "path" ||
    plan.orderKey !== undefined ||
    shardMode === "key-hash";
  if (
    pushdown.passThrough &&
    !looksAtEvents &&
    !plan.dryRun &&
    targets.every((t) => t.writesText === true && t.rowKey === undefined)
  )
    pushdown.eventsUnread = true;
  return pushdown;
}
