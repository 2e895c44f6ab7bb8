/** Reads the event pattern of a deployed rule with `DescribeRule`. */
import { PatternSourceError } from "./source-error.ts";

/** Where the rule is and how to reach AWS. */
export interface RuleLocation {
  /** A rule name or ARN (`arn:aws:events:<region>:<account>:rule/[<bus>/]<name>`). */
  rule: string;
  /** Event bus name or ARN; default: from the ARN, else the default bus. */
  bus?: string;
  region?: string;
  profile?: string;
}

/** The parts of a rule ARN. */
export function parseRuleArn(arn: string): { region: string; bus?: string; name: string } | undefined {
  const match = /^arn:[^:]+:events:([^:]*):[^:]*:rule\/(.+)$/.exec(arn);
  if (!match) return undefined;
  const resource = match[2]!;
  const slash = resource.lastIndexOf("/");
  return slash === -1
    ? { region: match[1]!, name: resource }
    : { region: match[1]!, bus: resource.slice(0, slash), name: resource.slice(slash + 1) };
}

/** Fetches the rule and returns its parsed `EventPattern`. Honours AWS_ENDPOINT_URL via the SDK. */
export async function patternFromRule(location: RuleLocation): Promise<unknown> {
  const { EventBridgeClient, DescribeRuleCommand } = await import("@aws-sdk/client-eventbridge");
  const arn = parseRuleArn(location.rule);
  const name = arn?.name ?? location.rule;
  const bus = location.bus ?? arn?.bus;
  const region = location.region ?? (arn?.region || undefined);
  const client = new EventBridgeClient({
    ...(region ? { region } : {}),
    ...(location.profile ? { profile: location.profile } : {}),
    maxAttempts: 3,
  });
  const label = `rule ${name}${bus ? ` on bus ${bus}` : ""}`;
  try {
    const rule = await client.send(
      new DescribeRuleCommand({ Name: name, ...(bus ? { EventBusName: bus } : {}) }),
    );
    if (!rule.EventPattern) {
      throw new PatternSourceError(`${label} has no event pattern (a scheduled rule?)`);
    }
    try {
      return JSON.parse(rule.EventPattern);
    } catch (error) {
      throw new PatternSourceError(
        `${label}: its EventPattern is not valid JSON: ${(error as Error).message}`,
      );
    }
  } catch (error) {
    if (error instanceof PatternSourceError) throw error;
    const err = error as Error;
    if (err.name === "ResourceNotFoundException") throw new PatternSourceError(`${label} not found`);
    throw new PatternSourceError(`DescribeRule for ${label} failed: ${err.name}: ${err.message}`);
  } finally {
    client.destroy();
  }
}
