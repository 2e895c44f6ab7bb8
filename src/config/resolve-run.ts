import { resolve } from "node:path";
import type { RunPlan } from "../engine/run-plan.ts";
import { DEFAULT_ITEM_RETRY } from "../engine/target-runner.ts";
import { createEnvelopeMapper } from "../envelope/mapping.ts";
import { parseJsonPath } from "../host/json-path.ts";
import type { PluginRegistry } from "../host/registry.ts";
import { compilePatterns, InvalidEventPatternError } from "../pattern/index.ts";
import { readPatternArgument } from "../pattern/load.ts";
import { PluginError } from "../sdk/index.ts";
import { resolveEndpoint } from "./endpoint.ts";
import { ConfigError } from "./errors.ts";
import type { PipelineSpec } from "./pipeline.ts";

/**
 * Turns a pipeline spec (file and flags merged) into a {@link RunPlan}: plugins found, their
 * configs validated, patterns compiled, paths resolved. Everything here happens before any I/O
 * on sources or targets, so a mistake exits 2 having touched nothing.
 */
export function resolveRun(
  spec: PipelineSpec,
  registry: PluginRegistry,
  options: { verbose?: boolean; prefilter?: boolean; progress: boolean },
): RunPlan {
  const where = spec.file ?? "command line";
  if (spec.source === undefined)
    throw new ConfigError("no source: give --from <source> or `source:` in the pipeline file", where);
  if (!spec.targets || spec.targets.length === 0)
    throw new ConfigError("no target: give --to <target> or `targets:` in the pipeline file", where);

  const source = resolveEndpoint(
    spec.source,
    "source",
    registry,
    `${where}: source`,
    spec.sourceBaseDir ?? spec.baseDir,
  );
  const targets = spec.targets.map((t, i) =>
    resolveEndpoint(t, "target", registry, `${where}: targets[${i}]`, spec.targetsBaseDir ?? spec.baseDir),
  );
  const names = new Set<string>();
  for (const [i, t] of targets.entries()) {
    // Two targets with the same URI must still be told apart in the report.
    if (names.has(t.name)) t.name = `${t.name} #${i + 1}`;
    names.add(t.name);
  }

  const patterns = (spec.patterns ?? []).map((p, i) =>
    readPattern(p, spec.baseDir, `${where}: pattern${spec.patterns!.length > 1 ? `[${i}]` : ""}`),
  );
  let pattern: RunPlan["pattern"];
  try {
    pattern = patterns.length > 0 ? compilePatterns(patterns) : undefined;
  } catch (error) {
    if (error instanceof InvalidEventPatternError || error instanceof PluginError)
      throw new ConfigError(error.message, `${where}: pattern`);
    throw error;
  }

  if (spec.orderKey !== undefined) {
    try {
      parseJsonPath(spec.orderKey);
    } catch (error) {
      throw new ConfigError((error as Error).message, `${where}: orderKey`);
    }
  }
  // Compile the envelope mapping now so its mistakes are config errors, not per-record ones.
  createEnvelopeMapper(spec.envelope, { account: "", region: "", time: "" });

  return {
    source,
    targets,
    pattern,
    patternCount: patterns.length,
    envelope: spec.envelope,
    orderKey: spec.orderKey,
    concurrency: spec.concurrency ?? 4,
    limit: spec.limit,
    dryRun: spec.dryRun ?? false,
    skipInvalid: spec.skipInvalid ?? false,
    prefilter: options.prefilter ?? true,
    reportPath: spec.report === undefined ? undefined : resolve(spec.baseDir, spec.report),
    failedPath: spec.failed === undefined ? undefined : resolve(spec.baseDir, spec.failed),
    progress: spec.progress ?? options.progress,
    baseDir: spec.baseDir,
    aws: spec.aws ?? {},
    verbose: options.verbose,
    retry: { ...DEFAULT_ITEM_RETRY, ...spec.retry },
  };
}

/** A pattern as written: an object, or JSON text / `@file` (relative to the pipeline's folder). */
function readPattern(value: unknown, baseDir: string, where: string): unknown {
  if (typeof value !== "string") return value;
  try {
    return readPatternArgument(value, baseDir);
  } catch (error) {
    throw new ConfigError((error as Error).message, where);
  }
}
