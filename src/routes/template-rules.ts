/**
 * `--rules <template.yaml>` / `rules: {template: <file>}`: every rule of a CloudFormation or SAM
 * template turned into routes, offline.
 *
 * Rules are `AWS::Events::Rule` resources with `Targets`, and the `EventBridgeRule` /
 * `CloudWatchEvent` events of SAM functions (the function is the target). A target that names a
 * function by `!GetAtt Fn.Arn`, `!Ref Fn` or `!Sub "${Fn.Arn}"` is resolved, in this order,
 * through `functions` (logical id → function name or ARN), the function's literal
 * `FunctionName`, or, when a `stack` is given, `DescribeStackResources` (the deployed physical
 * name). A target that stays unresolved is listed as not replayed, with what to give.
 *
 * Intrinsic functions in a pattern (`!Ref AWS::AccountId`, `!Sub`) cannot be resolved offline:
 * such a rule is skipped and listed. Rule names are the `Name` property, else the deployed name
 * (with a stack), else the logical id; rule ARNs use the stack's region and account when a stack
 * is given, else the region given (or `us-east-1`) and account `000000000000`.
 *
 * @module
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { CloudFormationClient } from "@aws-sdk/client-cloudformation";
import { parseDocument } from "yaml";
import { cloudFormationTags } from "../pattern/template.ts";
import { PluginError } from "../sdk/index.ts";
import type { RouteSet, RuleTargetMap } from "./route-set.ts";
import { checkMapUsed, type RuleFacts, type RuleTargetFacts, routeOfTarget } from "./rule-targets.ts";

/** The slice of the CloudFormation client this module uses. */
export type StackClient = Pick<CloudFormationClient, "send">;

/** Which template, how to resolve its functions, and how to map its targets. */
export interface TemplateRulesOptions {
  /** The template file (YAML or JSON), relative to `cwd`. */
  template: string;
  cwd?: string;
  /** Logical id → function name or ARN. */
  functions?: Record<string, string>;
  /** A deployed stack of the template, to resolve functions with `DescribeStackResources`. */
  stack?: string;
  map?: RuleTargetMap;
  region?: string;
  profile?: string;
  /** A client to use instead of building one (tests pass one pointed at the fake). */
  cloudFormation?: StackClient;
}

type Json = Record<string, unknown>;
const FUNCTION_TYPES = new Set(["AWS::Lambda::Function", "AWS::Serverless::Function"]);
const SAM_RULE_EVENTS = new Set(["EventBridgeRule", "CloudWatchEvent"]);
const SAM_SCHEDULE_EVENTS = new Set(["Schedule", "ScheduleV2"]);

/** A deployed resource, from `DescribeStackResources`. */
interface Deployed {
  physicalId: string;
  type: string;
}

/** Reads the template's rules and builds the routes. */
export async function routesFromTemplate(options: TemplateRulesOptions): Promise<RouteSet> {
  const file = options.template;
  const resources = readResources(resolve(options.cwd ?? process.cwd(), file), file);
  const stack = options.stack === undefined ? undefined : await describeStack(options);
  const region = stack?.region ?? options.region ?? "us-east-1";
  const account = stack?.account ?? "000000000000";
  const map = options.map ?? {};
  const used = new Set<string>();
  const known: string[] = [];
  const set: RouteSet = { targets: [], notReplayed: [], skippedRules: [] };

  const functionOf = (logicalId: string): string | undefined => {
    if (options.functions?.[logicalId] !== undefined) return options.functions[logicalId];
    const props = propertiesOf(resources[logicalId]);
    if (typeof props.FunctionName === "string") return props.FunctionName;
    return stack?.resources.get(logicalId)?.physicalId;
  };
  const unresolvedReason = (logicalId: string) =>
    `function ${logicalId} is not resolved: give rules.functions.${logicalId} (name or ARN)` +
    (options.stack === undefined ? " or rules.stack" : ` (stack ${options.stack} has no such resource)`);

  const ruleName = (logicalId: string, literal: unknown): string =>
    typeof literal === "string" ? literal : (stack?.resources.get(logicalId)?.physicalId ?? logicalId);
  const ruleArn = (name: string, bus: unknown): string => {
    const busName = typeof bus === "string" ? (bus.split("event-bus/").pop() ?? bus) : "default";
    return `arn:aws:events:${region}:${account}:rule/${busName === "default" ? "" : `${busName}/`}${name}`;
  };
  const addTarget = (rule: RuleFacts, target: RuleTargetFacts) => {
    known.push(`${rule.name}/${target.Id}`);
    const { route, notReplayed } = routeOfTarget(rule, target, map, used);
    if (route) set.targets.push(route);
    if (notReplayed) set.notReplayed.push(notReplayed);
  };

  for (const [logicalId, resource] of Object.entries(resources)) {
    const type = isObject(resource) ? resource.Type : undefined;
    const props = propertiesOf(resource);
    if (type === "AWS::Events::Rule") {
      const name = ruleName(logicalId, props.Name);
      const pattern = patternOf(props.EventPattern, props.ScheduleExpression, props.State, name, set);
      if (pattern === undefined) continue;
      const targets = Array.isArray(props.Targets) ? props.Targets.filter(isObject) : [];
      if (targets.length === 0) {
        set.skippedRules.push({ rule: name, reason: "no targets" });
        continue;
      }
      const rule = { name, arn: ruleArn(name, props.EventBusName), pattern };
      for (const target of targets) {
        addTarget(rule, ruleTarget(target, resources, functionOf, unresolvedReason));
      }
    }
    const events = isObject(props.Events) ? Object.entries(props.Events) : [];
    for (const [eventName, event] of events) {
      if (!isObject(event)) continue;
      const eventProps = propertiesOf(event);
      const samRuleId = `${logicalId}${eventName}`;
      if (SAM_SCHEDULE_EVENTS.has(String(event.Type))) {
        set.skippedRules.push({
          rule: ruleName(samRuleId, eventProps.Name),
          reason: `scheduled (${String(eventProps.Schedule ?? eventProps.ScheduleExpression ?? event.Type)}): it is not driven by events`,
        });
        continue;
      }
      if (!SAM_RULE_EVENTS.has(String(event.Type))) continue;
      const name = ruleName(samRuleId, eventProps.RuleName);
      const state = eventProps.Enabled === false ? "DISABLED" : eventProps.State;
      const pattern = patternOf(eventProps.Pattern, undefined, state, name, set);
      if (pattern === undefined) continue;
      const rule = { name, arn: ruleArn(name, eventProps.EventBusName), pattern };
      const targetId =
        isObject(eventProps.Target) && typeof eventProps.Target.Id === "string"
          ? eventProps.Target.Id
          : `${samRuleId}LambdaTarget`;
      const target: Json = { ...eventProps, Id: targetId, Arn: { "Fn::GetAtt": [logicalId, "Arn"] } };
      addTarget(rule, ruleTarget(target, resources, functionOf, unresolvedReason));
    }
  }
  checkMapUsed(map, used, known);
  return set;
}

/** The rule's pattern, or `undefined` after recording why the rule is skipped. */
function patternOf(
  pattern: unknown,
  schedule: unknown,
  state: unknown,
  name: string,
  set: RouteSet,
): unknown {
  if (state === "DISABLED") {
    set.skippedRules.push({ rule: name, reason: "state DISABLED: a disabled rule delivers nothing" });
    return undefined;
  }
  if (pattern === undefined) {
    set.skippedRules.push({
      rule: name,
      reason:
        schedule !== undefined
          ? `scheduled (${String(schedule)}): it is not driven by events`
          : "no event pattern",
    });
    return undefined;
  }
  let parsed = pattern;
  if (typeof pattern === "string") {
    try {
      parsed = JSON.parse(pattern);
    } catch (error) {
      set.skippedRules.push({
        rule: name,
        reason: `its EventPattern is not JSON: ${(error as Error).message}`,
      });
      return undefined;
    }
  }
  const intrinsic = findIntrinsic(parsed, []);
  if (intrinsic) {
    set.skippedRules.push({
      rule: name,
      reason: `its pattern uses ${intrinsic}, which cannot be resolved offline; give the resolved pattern as a pipeline route`,
    });
    return undefined;
  }
  return parsed;
}

/** One target entry of a rule (or a SAM event's function), its function resolved when it can be. */
function ruleTarget(
  target: Json,
  resources: Json,
  functionOf: (logicalId: string) => string | undefined,
  unresolvedReason: (logicalId: string) => string,
): RuleTargetFacts {
  const id = typeof target.Id === "string" ? target.Id : "(no Id)";
  const facts: RuleTargetFacts = { Id: id, Arn: "" };
  const intrinsicInput = findIntrinsic(
    { Input: target.Input, InputPath: target.InputPath, InputTransformer: target.InputTransformer },
    [],
  );
  if (typeof target.Input === "string") facts.Input = target.Input;
  if (typeof target.InputPath === "string") facts.InputPath = target.InputPath;
  if (isObject(target.InputTransformer)) {
    facts.InputTransformer = target.InputTransformer as RuleTargetFacts["InputTransformer"];
  }
  const arn = target.Arn;
  if (typeof arn === "string") {
    facts.Arn = arn;
  } else {
    const logicalId = referencedResource(arn);
    facts.Arn = describeReference(arn);
    if (logicalId === undefined) {
      facts.notReplayedReason = `its Arn is ${facts.Arn}, which cannot be resolved offline; map it with rules.map`;
    } else {
      facts.aliases = [logicalId];
      const type = isObject(resources[logicalId]) ? String(resources[logicalId].Type) : "unknown";
      if (FUNCTION_TYPES.has(type)) {
        const fn = functionOf(logicalId);
        if (fn === undefined) facts.notReplayedReason = unresolvedReason(logicalId);
        else {
          facts.Arn = fn;
          facts.isFunction = true;
        }
      } else {
        facts.notReplayedReason = `${type} targets are not replayed yet; map ${logicalId} to a plugin target with rules.map`;
      }
    }
  }
  if (intrinsicInput && facts.notReplayedReason === undefined) {
    facts.notReplayedReason = `its input uses ${intrinsicInput}, which cannot be resolved offline`;
  }
  return facts;
}

/** The logical id an `Arn` value names: `!GetAtt X.Arn`, `!Ref X`, `!Sub "${X.Arn}"` / `"${X}"`. */
function referencedResource(value: unknown): string | undefined {
  if (!isObject(value)) return undefined;
  if (typeof value.Ref === "string") return value.Ref;
  const getAtt = value["Fn::GetAtt"];
  if (Array.isArray(getAtt) && typeof getAtt[0] === "string") return getAtt[0];
  if (typeof getAtt === "string") return getAtt.split(".")[0];
  const sub = value["Fn::Sub"];
  if (typeof sub === "string") return /^\$\{([A-Za-z0-9]+)(\.Arn)?\}$/.exec(sub)?.[1];
  return undefined;
}

/** How a template wrote a reference, for messages: `!GetAtt Fn.Arn`. */
function describeReference(value: unknown): string {
  if (!isObject(value)) return JSON.stringify(value);
  if (typeof value.Ref === "string") return `!Ref ${value.Ref}`;
  const getAtt = value["Fn::GetAtt"];
  if (Array.isArray(getAtt)) return `!GetAtt ${getAtt.join(".")}`;
  if (typeof getAtt === "string") return `!GetAtt ${getAtt}`;
  const [key = ""] = Object.keys(value);
  return `${key.startsWith("Fn::") ? `!${key.slice(4)}` : key} ${JSON.stringify(value[key])}`;
}

/** The first intrinsic function in a value, as `Fn::Sub at detail.account`, or undefined. */
function findIntrinsic(value: unknown, path: string[]): string | undefined {
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      const found = findIntrinsic(item, [...path, String(i)]);
      if (found) return found;
    }
    return undefined;
  }
  if (!isObject(value)) return undefined;
  for (const [key, child] of Object.entries(value)) {
    if (key === "Ref" || key.startsWith("Fn::")) return `${key} at ${path.join(".") || "(root)"}`;
    const found = findIntrinsic(child, [...path, key]);
    if (found) return found;
  }
  return undefined;
}

function readResources(path: string, file: string): Json {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new PluginError(`cannot read the template: ${(error as Error).message}`, `--rules ${file}`);
  }
  const doc = parseDocument(text, {
    customTags: cloudFormationTags(),
    logLevel: "silent",
    uniqueKeys: false,
  });
  if (doc.errors.length > 0) {
    throw new PluginError(`not valid YAML/JSON: ${doc.errors[0]!.message.split("\n")[0]}`, file);
  }
  let template: unknown;
  try {
    template = doc.toJS({ maxAliasCount: 1000 });
  } catch (error) {
    // An alias bomb ("Excessive alias count") or nesting too deep to build: a bad file, one line.
    throw new PluginError(`cannot read the template: ${(error as Error).message}`, file);
  }
  if (!isObject(template) || !isObject(template.Resources))
    throw new PluginError("no Resources section", file);
  return template.Resources;
}

async function describeStack(
  options: TemplateRulesOptions,
): Promise<{ resources: Map<string, Deployed>; region?: string; account?: string }> {
  const sdk = await import("@aws-sdk/client-cloudformation");
  const owned = options.cloudFormation === undefined;
  const client: StackClient =
    options.cloudFormation ??
    new sdk.CloudFormationClient({
      ...(options.region ? { region: options.region } : {}),
      ...(options.profile ? { profile: options.profile } : {}),
      maxAttempts: 5,
    });
  try {
    const answer = await client.send(new sdk.DescribeStackResourcesCommand({ StackName: options.stack }));
    const resources = new Map<string, Deployed>();
    let stackId: string | undefined;
    for (const r of answer.StackResources ?? []) {
      if (r.LogicalResourceId && r.PhysicalResourceId) {
        resources.set(r.LogicalResourceId, { physicalId: r.PhysicalResourceId, type: r.ResourceType ?? "" });
      }
      stackId ??= r.StackId;
    }
    const arn = /^arn:[^:]+:cloudformation:([^:]+):([^:]+):/.exec(stackId ?? "");
    return { resources, region: arn?.[1], account: arn?.[2] };
  } catch (error) {
    const err = error as Error;
    throw new PluginError(
      `DescribeStackResources failed: ${err.name}: ${err.message}`,
      `rules.stack ${options.stack}`,
    );
  } finally {
    if (owned) (client as CloudFormationClient).destroy();
  }
}

function propertiesOf(resource: unknown): Json {
  return isObject(resource) && isObject(resource.Properties) ? resource.Properties : {};
}

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
