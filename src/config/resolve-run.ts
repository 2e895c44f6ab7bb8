import { resolve } from "node:path";
import { createEnvelopeMapper } from "../envelope/mapping.ts";
import { redactUri } from "../host/helpers/redact.ts";
import type { PluginRegistry } from "../host/registry.ts";
import { type CompiledPattern, compilePatterns, InvalidEventPatternError } from "../pattern/index.ts";
import { readPatternArgument } from "../pattern/load.ts";
import { PluginError } from "../sdk/index.ts";
import { ConfigError } from "../util/config-error.ts";
import { parseJsonPath } from "../util/json-path.ts";
import { resolveEndpoint } from "./endpoint.ts";
import type { PipelineSpec } from "./pipeline.ts";
import { DEFAULT_ITEM_RETRY, MAX_TARGETS, type OrderMode, type RunPlan } from "./run-plan.ts";
import { applyShard } from "./shard.ts";

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
  if (spec.targets.length > MAX_TARGETS)
    throw new ConfigError(`at most ${MAX_TARGETS} targets per run, got ${spec.targets.length}`, where);
  // A target's own `pattern` is its route; the rest of its options belong to its plugin.
  const routeSpecs: unknown[] = [];
  const targets = spec.targets.map((t, i) => {
    let endpoint = t;
    routeSpecs.push(undefined);
    if (typeof t === "object" && t !== null && "pattern" in t) {
      const { pattern: route, ...rest } = t;
      routeSpecs[i] = route;
      endpoint = rest;
    }
    return resolveEndpoint(
      endpoint,
      "target",
      registry,
      `${where}: targets[${i}]`,
      spec.targetsBaseDir ?? spec.baseDir,
    );
  });
  const names = new Set<string>();
  for (const [i, t] of targets.entries()) {
    // A URI's password never becomes a name in the report or the summary.
    t.name = redactUri(t.name);
    // Two targets with the same URI must still be told apart in the report.
    if (names.has(t.name)) t.name = `${t.name} #${i + 1}`;
    names.add(t.name);
  }
  source.name = redactUri(source.name);
  const routes = routeSpecs.map((route, i) =>
    route === undefined ? undefined : compileRoute(route, spec.baseDir, `${where}: targets[${i}].pattern`),
  );

  const patterns = (spec.patterns ?? []).map((p, i) =>
    readPattern(p, spec.baseDir, `${where}: pattern${spec.patterns!.length > 1 ? `[${i}]` : ""}`),
  );
  // With no pattern of its own, a run whose every target has a route matches what any route does.
  const effective =
    patterns.length > 0
      ? patterns
      : routes.length > 0 && routes.every((r) => r !== undefined)
        ? routes.flatMap((r) => r!.patterns)
        : [];
  let pattern: RunPlan["pattern"];
  try {
    pattern = effective.length > 0 ? compilePatterns(effective) : undefined;
  } catch (error) {
    if (error instanceof InvalidEventPatternError || error instanceof PluginError)
      throw new ConfigError(error.message, `${where}: pattern`);
    throw error;
  }
  const order = orderModeOf(spec, where);
  const since = instantOf(spec.since, `${where}: since`);
  const until = instantOf(spec.until, `${where}: until`);

  if (spec.orderKey !== undefined) {
    try {
      parseJsonPath(spec.orderKey);
    } catch (error) {
      throw new ConfigError((error as Error).message, `${where}: orderKey`);
    }
  }
  // Compile the envelope mapping now so its mistakes are config errors, not per-record ones.
  createEnvelopeMapper(spec.envelope, { account: "", region: "", time: "" });

  const plan: RunPlan = {
    source,
    targets,
    pattern,
    patternJson:
      effective.length === 0 ? undefined : effective.length === 1 ? effective[0] : { $or: effective },
    patternCount: patterns.length,
    routes: routes.some((r) => r !== undefined) ? routes.map((r) => r?.compiled) : undefined,
    envelope: spec.envelope,
    orderKey: order.kind === "path" ? order.path : undefined,
    order,
    since,
    until,
    concurrency: spec.concurrency,
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
    ...(spec.routing && { routing: spec.routing }),
  };
  // --shard: the part of a split run, rate budgets divided among the shards, {shard} in paths.
  return applyShard(plan, spec, process.env, where);
}

/**
 * `--order`/`order:` and `--order-key`/`orderKey:`: `key` (or nothing) is the default,
 * `global` forces read order, anything else is a JSON path.
 */
function orderModeOf(spec: PipelineSpec, where: string): OrderMode {
  const path = (value: string, field: string): OrderMode => {
    try {
      parseJsonPath(value);
    } catch (error) {
      throw new ConfigError((error as Error).message, `${where}: ${field}`);
    }
    return { kind: "path", path: value };
  };
  if (spec.order !== undefined && spec.orderKey !== undefined && spec.order !== spec.orderKey)
    throw new ConfigError(
      `give either order (${JSON.stringify(spec.order)}) or orderKey (${JSON.stringify(spec.orderKey)}), not both`,
      where,
    );
  if (spec.order === undefined || spec.order === "key")
    return spec.orderKey === undefined ? { kind: "auto" } : path(spec.orderKey, "orderKey");
  if (spec.order === "global") return { kind: "global" };
  return path(spec.order, "order");
}

/** An ISO 8601 instant (`--since`, `--until`), checked now so a typo is a usage error. */
function instantOf(value: string | undefined, where: string): string | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(ms))
    throw new ConfigError(
      `${JSON.stringify(value)} is not an ISO 8601 date or time (like 2024-05-01 or 2024-05-01T12:00:00Z)`,
      where,
    );
  return new Date(ms).toISOString();
}

/** A target's own pattern (one, or a list ORed), compiled. */
function compileRoute(
  value: unknown,
  baseDir: string,
  where: string,
): { patterns: unknown[]; compiled: CompiledPattern } {
  const patterns = (Array.isArray(value) ? value : [value]).map((p) => readPattern(p, baseDir, where));
  try {
    return { patterns, compiled: compilePatterns(patterns) };
  } catch (error) {
    if (error instanceof InvalidEventPatternError || error instanceof PluginError)
      throw new ConfigError(error.message, where);
    throw error;
  }
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
