/**
 * Reads an event pattern from a CloudFormation or SAM template (YAML or JSON):
 * `AWS::Events::Rule` → `Properties.EventPattern`; a SAM resource's event of Type
 * `EventBridgeRule` or `CloudWatchEvent` → `Properties.Pattern`.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseDocument, type Tags } from "yaml";
import { PatternSourceError } from "./source-error.ts";

/** CloudFormation short-form intrinsics, read as their long form (`!Ref X` → `{"Ref":"X"}`). */
const SHORT_TAGS = [
  "Ref",
  "Sub",
  "GetAtt",
  "If",
  "Join",
  "Select",
  "Split",
  "FindInMap",
  "GetAZs",
  "ImportValue",
  "Base64",
  "Cidr",
  "Equals",
  "And",
  "Or",
  "Not",
  "Condition",
  "Transform",
  "ToJsonString",
  "Length",
];

/** YAML custom tags reading CloudFormation short forms; also used by `src/routes/template-rules.ts`. */
export function cloudFormationTags(): Tags {
  const tags: Tags = [];
  for (const name of SHORT_TAGS) {
    const key = name === "Ref" || name === "Condition" ? name : `Fn::${name}`;
    const scalar = (text: string): unknown => ({ [key]: name === "GetAtt" ? text.split(".") : text });
    tags.push({ tag: `!${name}`, resolve: scalar });
    tags.push({
      tag: `!${name}`,
      collection: "seq",
      resolve: (seq) => ({ [key]: (seq as { toJSON(): unknown }).toJSON() }),
    });
    tags.push({
      tag: `!${name}`,
      collection: "map",
      resolve: (map) => ({ [key]: (map as { toJSON(): unknown }).toJSON() }),
    });
  }
  return tags;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const EVENT_TYPES = new Set(["EventBridgeRule", "CloudWatchEvent"]);

/**
 * Loads the pattern named by `spec` = `<file>#<LogicalId>` (or `<file>#<FunctionId>.<EventName>`
 * for a SAM resource with several EventBridge events), relative to `cwd`.
 */
export function patternFromTemplate(spec: string, cwd: string): unknown {
  const hash = spec.lastIndexOf("#");
  if (hash <= 0 || hash === spec.length - 1) {
    throw new PatternSourceError(`--template ${spec}: expected <file>#<LogicalId>`);
  }
  const file = spec.slice(0, hash);
  const id = spec.slice(hash + 1);
  let text: string;
  try {
    text = readFileSync(resolve(cwd, file), "utf8");
  } catch (error) {
    throw new PatternSourceError(`--template: cannot read ${file}: ${(error as Error).message}`);
  }
  const doc = parseDocument(text, {
    customTags: cloudFormationTags(),
    logLevel: "silent",
    uniqueKeys: false,
  });
  if (doc.errors.length > 0) {
    throw new PatternSourceError(`${file}: not valid YAML/JSON: ${doc.errors[0]!.message.split("\n")[0]}`);
  }
  let template: unknown;
  try {
    template = doc.toJS({ maxAliasCount: 1000 });
  } catch (error) {
    // An alias bomb ("Excessive alias count") or nesting too deep to build: a bad file, one line.
    throw new PatternSourceError(`${file}: cannot read the template: ${(error as Error).message}`);
  }
  const resources = isObject(template) && isObject(template.Resources) ? template.Resources : undefined;
  if (!resources) throw new PatternSourceError(`${file}: no Resources section`);
  const pattern = findPattern(resources, id, file);
  const where = `${file}#${id}`;
  const parsed = typeof pattern === "string" ? parseJsonPattern(pattern, where) : pattern;
  rejectIntrinsics(parsed, where, []);
  return parsed;
}

function parseJsonPattern(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new PatternSourceError(
      `${where}: the pattern string is not valid JSON: ${(error as Error).message}`,
    );
  }
}

function findPattern(resources: Record<string, unknown>, id: string, file: string): unknown {
  const direct = resources[id];
  if (isObject(direct)) return patternOfResource(direct, id, file, undefined);
  const dot = id.indexOf(".");
  if (dot > 0) {
    const resource = resources[id.slice(0, dot)];
    if (isObject(resource)) return patternOfResource(resource, id.slice(0, dot), file, id.slice(dot + 1));
  }
  const candidates = Object.entries(resources).flatMap(([name, r]) => candidateIds(name, r));
  throw new PatternSourceError(
    `${file}: no resource ${id}` +
      (candidates.length > 0 ? ` (resources with an event pattern: ${candidates.join(", ")})` : ""),
  );
}

function eventBridgeEvents(resource: unknown): Array<[string, Record<string, unknown>]> {
  if (!isObject(resource) || !isObject(resource.Properties) || !isObject(resource.Properties.Events))
    return [];
  return Object.entries(resource.Properties.Events).filter(
    (entry): entry is [string, Record<string, unknown>] =>
      isObject(entry[1]) && EVENT_TYPES.has(String(entry[1].Type)),
  );
}

function candidateIds(name: string, resource: unknown): string[] {
  if (isObject(resource) && resource.Type === "AWS::Events::Rule") return [name];
  return eventBridgeEvents(resource).map(([event]) => `${name}.${event}`);
}

function patternOfResource(
  resource: Record<string, unknown>,
  id: string,
  file: string,
  eventName: string | undefined,
): unknown {
  const where = `${file}#${id}`;
  const properties = isObject(resource.Properties) ? resource.Properties : {};
  if (resource.Type === "AWS::Events::Rule" && eventName === undefined) {
    if (properties.EventPattern === undefined) {
      throw new PatternSourceError(`${where}: the rule has no EventPattern (a scheduled rule?)`);
    }
    return properties.EventPattern;
  }
  const events = eventBridgeEvents(resource);
  const chosen = eventName === undefined ? events : events.filter(([name]) => name === eventName);
  if (chosen.length === 0) {
    throw new PatternSourceError(
      `${where}: ${resource.Type} has no ${eventName === undefined ? "" : `event ${eventName} of `}Type EventBridgeRule or CloudWatchEvent` +
        (events.length > 0 ? ` (events: ${events.map(([n]) => `${id}.${n}`).join(", ")})` : ""),
    );
  }
  if (chosen.length > 1) {
    throw new PatternSourceError(
      `${where}: several EventBridge events; pick one: ${chosen.map(([n]) => `${id}.${n}`).join(", ")}`,
    );
  }
  const [name, event] = chosen[0]!;
  const eventProperties = isObject(event.Properties) ? event.Properties : {};
  if (eventProperties.Pattern === undefined) {
    throw new PatternSourceError(`${where}: event ${name} has no Pattern`);
  }
  return eventProperties.Pattern;
}

/** Intrinsic functions cannot be resolved offline; say where one is instead of a puzzling pattern error. */
function rejectIntrinsics(value: unknown, where: string, path: string[]): void {
  if (Array.isArray(value)) {
    value.forEach((item, i) => {
      rejectIntrinsics(item, where, [...path, String(i)]);
    });
    return;
  }
  if (!isObject(value)) return;
  for (const [key, child] of Object.entries(value)) {
    if (key === "Ref" || key.startsWith("Fn::")) {
      throw new PatternSourceError(
        `${where}: the pattern uses the intrinsic function ${key} at ${path.join(".") || "(root)"}; rehydrate cannot resolve template parameters, give the resolved pattern with --pattern`,
      );
    }
    rejectIntrinsics(child, where, [...path, key]);
  }
}
