/**
 * Turning one rule target into a route (a pipeline target spec with the rule's pattern), or into
 * a "not replayed" entry, the same way for a deployed bus and for a template.
 *
 * What is replayed: Lambda functions (invoked directly with what EventBridge would have sent,
 * `Input`/`InputPath`/`InputTransformer` included), and any target `rules.map` maps to a plugin
 * target. Everything else (SQS, SNS, Step Functions, another bus, API destinations, Kinesis, ...)
 * is listed as not replayed with its ARN.
 *
 * @module
 */
import { PluginError } from "../sdk/index.ts";
import type { NotReplayedTarget, RouteTargetSpec, RuleTargetMap } from "./route-set.ts";

/** A rule, reduced to what a route needs. */
export interface RuleFacts {
  name: string;
  /** The rule's ARN, for `<aws.events.rule-arn>`. */
  arn: string;
  pattern: unknown;
}

/** A rule target in the API's (and CloudFormation's) casing, its function already resolved. */
export interface RuleTargetFacts {
  Id: string;
  /** The target's ARN (a Lambda function ARN or name when resolved from a template). */
  Arn: string;
  Input?: string;
  InputPath?: string;
  InputTransformer?: { InputPathsMap?: Record<string, string>; InputTemplate?: string };
  /** Other keys a map lookup may use (a template's logical id of the target resource). */
  aliases?: string[];
  /** Set when the target is known to be a Lambda function though `Arn` is only a name. */
  isFunction?: boolean;
  /** Why it cannot be replayed, when known better than from its ARN (a template's resource type). */
  notReplayedReason?: string;
}

const LAMBDA_ARN = /^arn:aws[a-z-]*:lambda:[^:]*:[^:]*:function:[^:]+(:[^:]+)?$/;

/** The input options (plugin casing) a rule target carries, with the rule's name and ARN. */
export function inputOptionsOf(rule: RuleFacts, target: RuleTargetFacts): Record<string, unknown> {
  const options: Record<string, unknown> = {};
  if (target.Input !== undefined) options.input = target.Input;
  if (target.InputPath !== undefined) options.inputPath = target.InputPath;
  if (target.InputTransformer !== undefined) {
    const transformer: Record<string, unknown> = { inputTemplate: target.InputTransformer.InputTemplate };
    if (target.InputTransformer.InputPathsMap !== undefined) {
      transformer.inputPathsMap = target.InputTransformer.InputPathsMap;
    }
    options.inputTransformer = transformer;
  }
  options.ruleArn = rule.arn;
  options.ruleName = rule.name;
  return options;
}

/** Which map keys name a target, most specific first. */
function mapKeys(rule: RuleFacts, target: RuleTargetFacts): string[] {
  return [`${rule.name}/${target.Id}`, target.Arn, target.Id, ...(target.aliases ?? [])];
}

/** The route (or not-replayed entry) for one rule target; records which map keys were used. */
export function routeOfTarget(
  rule: RuleFacts,
  target: RuleTargetFacts,
  map: RuleTargetMap,
  usedKeys: Set<string>,
): { route?: RouteTargetSpec; notReplayed?: NotReplayedTarget } {
  const name = `${rule.name}/${target.Id}`;
  const key = mapKeys(rule, target).find((k) => Object.hasOwn(map, k));
  if (key !== undefined) {
    usedKeys.add(key);
    const mapped = map[key];
    if (mapped === null) {
      return {
        notReplayed: {
          rule: rule.name,
          targetId: target.Id,
          arn: target.Arn,
          reason: `left out by rules.map.${key}`,
        },
      };
    }
    const spec: Record<string, unknown> = typeof mapped === "string" ? { uri: mapped } : { ...mapped };
    if (typeof spec.uri !== "string") {
      throw new PluginError(`rules.map.${key}: give a target URI, or an object with "uri"`);
    }
    // Lambda-shaped targets receive what the rule would send; other plugins get the event.
    const scheme = /^([a-z][a-z0-9-]*):/.exec(spec.uri)?.[1];
    const inputs = scheme === "lambda" || scheme === "lambda-local" ? inputOptionsOf(rule, target) : {};
    return { route: { name, ...inputs, ...spec, uri: spec.uri, pattern: rule.pattern } };
  }
  if (target.notReplayedReason !== undefined) {
    return {
      notReplayed: {
        rule: rule.name,
        targetId: target.Id,
        arn: target.Arn,
        reason: target.notReplayedReason,
      },
    };
  }
  if (LAMBDA_ARN.test(target.Arn) || target.isFunction) {
    return {
      route: { uri: `lambda:${target.Arn}`, name, pattern: rule.pattern, ...inputOptionsOf(rule, target) },
    };
  }
  return {
    notReplayed: {
      rule: rule.name,
      targetId: target.Id,
      arn: target.Arn,
      reason: `${kindOfArn(target.Arn)} targets are not replayed yet; map it to a plugin target with rules.map`,
    },
  };
}

/** Fails on `rules.map` keys that named no target (a typo would otherwise replay nothing). */
export function checkMapUsed(map: RuleTargetMap, usedKeys: Set<string>, known: string[]): void {
  const unused = Object.keys(map).filter((key) => !usedKeys.has(key));
  if (unused.length > 0) {
    throw new PluginError(
      `rules.map.${unused[0]}: names no target of the rules (targets: ${known.join(", ") || "none"})`,
    );
  }
}

/** A readable kind for a target ARN: `SQS queue`, `SNS topic`, `another event bus`, ... */
export function kindOfArn(arn: string): string {
  const [, , service, , , resource = ""] = arn.split(":");
  switch (service) {
    case "sqs":
      return "SQS queue";
    case "sns":
      return "SNS topic";
    case "states":
      return "Step Functions state machine";
    case "events":
      if (resource.startsWith("event-bus/")) return "event bus (another bus)";
      if (resource.startsWith("api-destination/")) return "API destination";
      return "EventBridge";
    case "kinesis":
      return "Kinesis stream";
    case "firehose":
      return "Firehose stream";
    case "logs":
      return "CloudWatch Logs group";
    case "ecs":
      return "ECS task";
    case "batch":
      return "Batch job queue";
    case "execute-api":
      return "API Gateway";
    case "lambda":
      return "Lambda (not a function ARN)";
    case undefined:
      return "unresolved";
    default:
      return `${service}`;
  }
}
