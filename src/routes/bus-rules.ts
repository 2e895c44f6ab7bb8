/**
 * `--rules bus:<name>` / `rules: {bus: <name>}`: a deployed bus's rules, read with `ListRules` and
 * `ListTargetsByRule` (both paginated by `NextToken`), turned into routes.
 *
 * Enabled rules with an `EventPattern` become routes; disabled rules, scheduled rules, rules
 * without targets and rules whose pattern is not JSON are skipped and listed. Each Lambda target
 * becomes a `lambda:<arn>` target with the rule's pattern, the target's `Input`/`InputPath`/
 * `InputTransformer`, and the rule's name and ARN; other targets are listed as not replayed
 * unless `rules.map` maps them.
 *
 * @module
 */
import type { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { PluginError } from "../sdk/index.ts";
import type { RouteSet, RuleTargetMap } from "./route-set.ts";
import { checkMapUsed, type RuleTargetFacts, routeOfTarget } from "./rule-targets.ts";

/** The slice of the EventBridge client this module uses. */
export type RulesClient = Pick<EventBridgeClient, "send">;

/** Where the bus is, how to reach it, and how to map its targets. */
export interface BusRulesOptions {
  /** The bus name or ARN. */
  bus: string;
  map?: RuleTargetMap;
  region?: string;
  profile?: string;
  /** A client to use instead of building one (tests pass one pointed at the fake). */
  client?: RulesClient;
}

const ENABLED = new Set(["ENABLED", "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"]);

/** Reads the bus's rules and targets and builds the routes. */
export async function routesFromBus(options: BusRulesOptions): Promise<RouteSet> {
  const sdk = await import("@aws-sdk/client-eventbridge");
  const region = options.region ?? /^arn:[^:]+:events:([^:]+):/.exec(options.bus)?.[1];
  const owned = options.client === undefined;
  const client: RulesClient =
    options.client ??
    new sdk.EventBridgeClient({
      ...(region ? { region } : {}),
      ...(options.profile ? { profile: options.profile } : {}),
      maxAttempts: 5,
    });
  const where = `--rules bus:${options.bus}`;
  const map = options.map ?? {};
  const used = new Set<string>();
  const known: string[] = [];
  const set: RouteSet = { targets: [], notReplayed: [], skippedRules: [] };
  try {
    let token: string | undefined;
    do {
      const page = await call(
        () => client.send(new sdk.ListRulesCommand({ EventBusName: options.bus, NextToken: token })),
        "ListRules",
        where,
      );
      for (const rule of page.Rules ?? []) {
        const name = rule.Name ?? "(unnamed)";
        if (!ENABLED.has(rule.State ?? "ENABLED")) {
          set.skippedRules.push({
            rule: name,
            reason: `state ${rule.State}: a disabled rule delivers nothing`,
          });
          continue;
        }
        if (rule.EventPattern === undefined) {
          set.skippedRules.push({
            rule: name,
            reason: rule.ScheduleExpression
              ? `scheduled (${rule.ScheduleExpression}): it is not driven by events`
              : "no event pattern",
          });
          continue;
        }
        let pattern: unknown;
        try {
          pattern = JSON.parse(rule.EventPattern);
        } catch (error) {
          set.skippedRules.push({
            rule: name,
            reason: `its EventPattern is not JSON: ${(error as Error).message}`,
          });
          continue;
        }
        const facts = { name, arn: rule.Arn ?? "", pattern };
        const targets = await listTargets(client, sdk, name, options.bus, where);
        if (targets.length === 0) {
          set.skippedRules.push({ rule: name, reason: "no targets" });
          continue;
        }
        for (const target of targets) {
          known.push(`${name}/${target.Id}`);
          const { route, notReplayed } = routeOfTarget(facts, target, map, used);
          if (route) set.targets.push(route);
          if (notReplayed) set.notReplayed.push(notReplayed);
        }
      }
      token = page.NextToken;
    } while (token);
  } finally {
    if (owned) (client as EventBridgeClient).destroy();
  }
  checkMapUsed(map, used, known);
  return set;
}

async function listTargets(
  client: RulesClient,
  sdk: typeof import("@aws-sdk/client-eventbridge"),
  rule: string,
  bus: string,
  where: string,
): Promise<RuleTargetFacts[]> {
  const targets: RuleTargetFacts[] = [];
  let token: string | undefined;
  do {
    const page = await call(
      () =>
        client.send(new sdk.ListTargetsByRuleCommand({ Rule: rule, EventBusName: bus, NextToken: token })),
      "ListTargetsByRule",
      `${where} rule ${rule}`,
    );
    for (const target of page.Targets ?? []) {
      const facts: RuleTargetFacts = { Id: target.Id ?? "", Arn: target.Arn ?? "" };
      if (target.Input !== undefined) facts.Input = target.Input;
      if (target.InputPath !== undefined) facts.InputPath = target.InputPath;
      if (target.InputTransformer !== undefined) {
        facts.InputTransformer = { InputTemplate: target.InputTransformer.InputTemplate };
        if (target.InputTransformer.InputPathsMap !== undefined) {
          facts.InputTransformer.InputPathsMap = target.InputTransformer.InputPathsMap;
        }
      }
      targets.push(facts);
    }
    token = page.NextToken;
  } while (token);
  return targets;
}

/** Runs one API call, turning its failure into one line a user can act on. */
async function call<T>(send: () => Promise<T>, operation: string, where: string): Promise<T> {
  try {
    return await send();
  } catch (error) {
    const err = error as Error;
    if (err.name === "ResourceNotFoundException") throw new PluginError(err.message, where);
    throw new PluginError(`${operation} failed: ${err.name}: ${err.message}`, where);
  }
}
