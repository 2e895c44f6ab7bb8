/**
 * The `--rules` flag and the `rules:` key of a pipeline file: where a run's routes come from
 * (a deployed bus, or a template), and loading them into target specs.
 *
 * ```yaml
 * rules: { bus: orders, map: { "arn:aws:sqs:…:audit": "file:audit.ndjson" } }
 * rules: { template: template.yaml, functions: { ProjectorFunction: orders-projector }, stack: shop }
 * ```
 *
 * @module
 */
import { resolve } from "node:path";
import { PluginError } from "../sdk/index.ts";
import { routesFromBus } from "./bus-rules.ts";
import type {
  NotReplayedTarget,
  RouteSet,
  RouteTargetSpec,
  RuleTargetMap,
  SkippedRule,
} from "./route-set.ts";
import { routesFromTemplate } from "./template-rules.ts";

/** Where a run's routes come from. `template` is an absolute path once parsed. */
export type RulesSpec =
  | { bus: string; map?: RuleTargetMap }
  | { template: string; functions?: Record<string, string>; stack?: string; map?: RuleTargetMap };

/** What the routes left out, for the dry run and the report. */
export interface RoutingNotes {
  /** `bus:orders` or the template's path, for messages. */
  from: string;
  notReplayed: NotReplayedTarget[];
  skippedRules: SkippedRule[];
}

const KEYS = ["bus", "template", "functions", "stack", "map"];

/** Reads `--rules bus:<name>` or `--rules <template file>` (relative to `cwd`). */
export function parseRulesFlag(text: string, cwd: string): RulesSpec {
  if (text.startsWith("bus:")) {
    const bus = text.slice(4);
    if (bus === "") throw new PluginError("expected bus:<name or ARN>", "--rules");
    return { bus };
  }
  if (text.trim() === "") throw new PluginError("expected bus:<name> or a template file", "--rules");
  return { template: resolve(cwd, text) };
}

/** Validates the `rules:` key of a pipeline file; relative template paths resolve against `baseDir`. */
export function parseRulesKey(raw: unknown, file: string, baseDir: string): RulesSpec {
  const fail = (message: string): never => {
    throw new PluginError(message, file);
  };
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    fail(`"rules" must be an object: {bus: <name>} or {template: <file>, functions, stack}`);
  }
  const rules = raw as Record<string, unknown>;
  for (const key of Object.keys(rules)) {
    if (!KEYS.includes(key)) fail(`unknown key "rules.${key}" (known: ${KEYS.join(", ")})`);
  }
  const string = (key: string) => {
    if (rules[key] !== undefined && typeof rules[key] !== "string") fail(`"rules.${key}" must be a string`);
    return rules[key] as string | undefined;
  };
  const bus = string("bus");
  const template = string("template");
  const stack = string("stack");
  if ((bus === undefined) === (template === undefined)) fail(`"rules" needs exactly one of bus or template`);
  const map = rules.map;
  if (map !== undefined) {
    if (map === null || typeof map !== "object" || Array.isArray(map)) {
      fail(`"rules.map" must be an object: rule target (ARN, Id or rule/Id) → target URI, spec or null`);
    }
    for (const [key, value] of Object.entries(map as object)) {
      const ok =
        value === null || typeof value === "string" || (typeof value === "object" && !Array.isArray(value));
      if (!ok) fail(`"rules.map.${key}" must be a target URI, a target spec object, or null`);
    }
  }
  const functions = rules.functions;
  if (functions !== undefined) {
    if (bus !== undefined) fail(`"rules.functions" applies to a template, not a bus`);
    if (functions === null || typeof functions !== "object" || Array.isArray(functions)) {
      fail(`"rules.functions" must map logical ids to function names or ARNs`);
    }
    for (const [key, value] of Object.entries(functions as object)) {
      if (typeof value !== "string") fail(`"rules.functions.${key}" must be a function name or ARN`);
    }
  }
  if (bus !== undefined) {
    if (stack !== undefined) fail(`"rules.stack" applies to a template, not a bus`);
    return map === undefined ? { bus } : { bus, map: map as RuleTargetMap };
  }
  const spec: RulesSpec = { template: resolve(baseDir, template!) };
  if (functions !== undefined) spec.functions = functions as Record<string, string>;
  if (stack !== undefined) spec.stack = stack;
  if (map !== undefined) spec.map = map as RuleTargetMap;
  return spec;
}

/**
 * Lays a `--rules` flag over the file's `rules:`: the flag picks the bus or template; the file's
 * `map` is kept, and its `functions`/`stack` when both name a template.
 */
export function mergeRulesFlag(file: RulesSpec | undefined, flag: RulesSpec): RulesSpec {
  if (!file) return flag;
  const merged: RulesSpec = { ...flag };
  if (file.map !== undefined) merged.map = file.map;
  if ("template" in merged && "template" in file) {
    if (file.functions !== undefined) merged.functions = file.functions;
    if (file.stack !== undefined) merged.stack = file.stack;
  }
  return merged;
}

/** Reads the rules and returns their routes (target specs with patterns) and what was left out. */
export async function loadRules(
  rules: RulesSpec,
  aws: { region?: string; profile?: string } = {},
): Promise<{ targets: RouteTargetSpec[]; notes: RoutingNotes }> {
  let set: RouteSet;
  let from: string;
  if ("bus" in rules) {
    from = `bus:${rules.bus}`;
    set = await routesFromBus({ bus: rules.bus, map: rules.map, ...aws });
  } else {
    from = rules.template;
    set = await routesFromTemplate({
      template: rules.template,
      functions: rules.functions,
      stack: rules.stack,
      map: rules.map,
      ...aws,
    });
  }
  const notes: RoutingNotes = { from, notReplayed: set.notReplayed, skippedRules: set.skippedRules };
  if (set.targets.length === 0) {
    throw new PluginError(
      `no rule delivers to a target rehydrate can call (${set.notReplayed.length} not replayed, ${set.skippedRules.length} rules skipped)` +
        (set.notReplayed.length > 0 ? `; map one with rules.map, e.g. ${set.notReplayed[0]!.arn}` : ""),
      `--rules ${from}`,
    );
  }
  return { targets: set.targets, notes };
}

/** One line per route, rule left out and target not replayed, for stderr before a run. */
export function describeRouting(targets: RouteTargetSpec[], notes: RoutingNotes): string[] {
  return [
    `routes from ${notes.from}: ${targets.length} target${targets.length === 1 ? "" : "s"}`,
    ...targets.map((t) => `  route ${t.name} → ${t.uri}`),
    ...notes.notReplayed.map(
      (n) => `  not replayed: rule ${n.rule} target ${n.targetId} (${n.arn}): ${n.reason}`,
    ),
    ...notes.skippedRules.map((s) => `  skipped rule ${s.rule}: ${s.reason}`),
  ];
}
