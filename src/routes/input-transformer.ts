/**
 * What an EventBridge rule target receives instead of the event: the target's `Input` (constant
 * JSON text), `InputPath` (one JSON path into the event) or `InputTransformer` (`InputPathsMap`
 * + `InputTemplate`), rendered the way EventBridge renders them for a JSON target such as Lambda.
 *
 * The semantics follow AWS's "Amazon EventBridge input transformation" page and, where that page
 * is silent, behaviour recorded against real AWS (LocalStack's AWS-validated snapshot tests of
 * input transformers, `tests/aws/services/events/test_events_inputs.snapshot.json`):
 *
 * - A template is scanned as JSON text. A placeholder `<name>` outside a JSON string is replaced
 *   by the variable's JSON value (strings gain quotes, objects and arrays are inserted as JSON):
 *   "EventBridge automatically adds quotes to string variable values". Inside a JSON string it is
 *   replaced by the value's raw text: strings without quotes and **without escaping** ("EventBridge
 *   doesn't escape values extracted by Input Path"), numbers and booleans as written, objects and
 *   arrays as JSON with every `"` removed ("EventBridge removes any internal quotes to ensure a
 *   valid string").
 * - A string template (`"instance <instance> is in <state>"`) is therefore a JSON string: the
 *   target receives that JSON string, quotes included.
 * - A variable whose path matches nothing "isn't created": inside a string it becomes nothing,
 *   in a value position `""` (recorded: `{"command": <command>}` → `{"command": ""}`).
 * - A placeholder that names neither a variable nor a reserved one is refused, as `PutTargets`
 *   refuses it ("InputTemplate for target … contains invalid placeholder …").
 * - Reserved variables: `<aws.events.rule-arn>`, `<aws.events.rule-name>` (from the target's
 *   `ruleArn`/`ruleName` options), `<aws.events.event.ingestion-time>` (the event's `time`: a
 *   replay has no ingestion time of its own), `<aws.events.event.json>` (the whole event, the
 *   bytes the source read when it kept them) and `<aws.events.event>` (the event without
 *   `detail`, in the shape AWS was recorded sending: `id, account, detailType, time, source,
 *   region, resources, version`).
 * - The output is minified (whitespace outside strings removed, number text kept as written).
 *   Output that is not JSON (a value with a `"` inserted into a string, a plain-text template)
 *   cannot be a Lambda payload: Lambda answers `InvalidRequestContentException`. The event fails
 *   with that reason, not retried.
 *
 * Not modelled: targets that take plain text (SNS, SQS, CloudWatch Logs, whose documented
 * output `{"timestamp" : 2015-11-11T21:29:54Z, …}` is not JSON); rehydrate only replays JSON
 * targets.
 *
 * @module
 */
import { type EventBridgeEvent, PluginError } from "../sdk/index.ts";
import { type EventPath, evaluateEventPath, parseEventPath } from "./event-path.ts";

/** A target's input options, as a pipeline file or a rule's target writes them. */
export interface TargetInputOptions {
  /** Constant input: JSON text (as `Input` is on AWS), or a JSON value written inline. */
  input?: unknown;
  /** A JSON path into the event; the target receives the value it selects (`InputPath`). */
  inputPath?: string;
  /** `InputTransformer`: variables from JSON paths, and a template that uses them. */
  inputTransformer?: { inputPathsMap?: Record<string, string>; inputTemplate?: string };
  /** The rule's ARN, for `<aws.events.rule-arn>`. */
  ruleArn?: string;
  /** The rule's name, for `<aws.events.rule-name>`. */
  ruleName?: string;
}

/** The input for one event, or why there is none. */
export type RenderedInput =
  | { ok: true; text: string }
  | { ok: false; code: "InputPathNotFound" | "InvalidRequestContentException"; reason: string };

/**
 * Renders the input for one event. `eventText` returns the event's JSON text (the source's bytes
 * when it kept them); it is called only when the input needs the whole event.
 */
export type TargetInputRenderer = (event: EventBridgeEvent, eventText: () => string) => RenderedInput;

/** The predefined variables; AWS refuses InputPathsMap keys with these names. */
export const RESERVED_VARIABLES = [
  "aws.events.rule-arn",
  "aws.events.rule-name",
  "aws.events.event",
  "aws.events.event.json",
  "aws.events.event.ingestion-time",
] as const;

/** AWS's limits on target input (PutTargets API reference). */
export const INPUT_LIMITS = {
  /** `Input` and `InputTemplate`: at most 8192 characters. */
  textLength: 8192,
  /** `InputPath` and each InputPathsMap value: at most 256 characters. */
  pathLength: 256,
  /** At most 100 InputPathsMap entries. */
  variables: 100,
  /** Each InputPathsMap key: at most 256 characters. */
  nameLength: 256,
} as const;

// InputPathsMap key pattern in the API reference: [A-Za-z0-9_-]+.
const VARIABLE_NAME = /^[A-Za-z0-9_-]+$/;
// What may sit between < and > to be read as a placeholder: a variable name or a reserved one.
const PLACEHOLDER = /^<([A-Za-z0-9_.-]+)>/;

/** The option names this module reads, for plugins that declare them. */
export const TARGET_INPUT_FIELDS = ["input", "inputPath", "inputTransformer", "ruleArn", "ruleName"] as const;

/**
 * The problems with a target's input options, each naming its field; empty when valid (also when
 * no input option is set).
 */
export function targetInputProblems(options: TargetInputOptions): string[] {
  return compile(options).problems;
}

/**
 * Compiles a target's input options. Returns `undefined` when none is set (the target receives
 * the event). Throws a {@link PluginError} naming the field (prefixed by `where`) when invalid.
 */
export function compileTargetInput(
  options: TargetInputOptions,
  where?: string,
): TargetInputRenderer | undefined {
  const { renderer, problems } = compile(options);
  if (problems.length > 0) throw new PluginError(problems.join("; "), where);
  return renderer;
}

function compile(options: TargetInputOptions): { renderer?: TargetInputRenderer; problems: string[] } {
  const given = (["input", "inputPath", "inputTransformer"] as const).filter(
    (key) => options[key] !== undefined,
  );
  if (given.length > 1) {
    return {
      problems: [`${given.join(" and ")}: give only one of input, inputPath or inputTransformer (as on AWS)`],
    };
  }
  if (options.input !== undefined) return compileConstant(options.input);
  if (options.inputPath !== undefined) return compileInputPath(options.inputPath);
  if (options.inputTransformer !== undefined) return compileTransformer(options);
  return { problems: [] };
}

function compileConstant(input: unknown): { renderer?: TargetInputRenderer; problems: string[] } {
  let text: string;
  if (typeof input === "string") {
    // AWS's Input is JSON text; a plain string written in YAML is most likely a mistake.
    try {
      JSON.parse(input);
    } catch {
      return {
        problems: [
          `input: ${preview(input)} is not JSON text (write a JSON string as '"text"', or an object)`,
        ],
      };
    }
    text = minifyJson(input);
  } else text = JSON.stringify(input);
  if (text.length > INPUT_LIMITS.textLength) {
    return { problems: [`input: ${text.length} characters, over AWS's ${INPUT_LIMITS.textLength}`] };
  }
  const rendered: RenderedInput = { ok: true, text };
  return { renderer: () => rendered, problems: [] };
}

function compileInputPath(inputPath: unknown): { renderer?: TargetInputRenderer; problems: string[] } {
  if (typeof inputPath !== "string") return { problems: ["inputPath: must be a string"] };
  if (inputPath.length > INPUT_LIMITS.pathLength) {
    return { problems: [`inputPath: longer than AWS's ${INPUT_LIMITS.pathLength} characters`] };
  }
  const path = parseEventPath(inputPath);
  if (typeof path === "string") return { problems: [`inputPath: ${inputPath} ${path}`] };
  if (path.steps.length === 0) {
    return { renderer: (_event, eventText) => ({ ok: true, text: minifyJson(eventText()) }), problems: [] };
  }
  return {
    renderer: (event) => {
      const result = evaluateEventPath(path, event);
      if (!result.found) {
        return {
          ok: false,
          code: "InputPathNotFound",
          reason: `inputPath ${inputPath} selects nothing in event ${JSON.stringify(event.id)}`,
        };
      }
      return { ok: true, text: JSON.stringify(result.value) };
    },
    problems: [],
  };
}

/** One piece of a compiled template: literal text, or a placeholder in a value or string position. */
type Piece = string | { name: string; inString: boolean };

function compileTransformer(options: TargetInputOptions): {
  renderer?: TargetInputRenderer;
  problems: string[];
} {
  const transformer = options.inputTransformer as Record<string, unknown>;
  const problems: string[] = [];
  if (transformer === null || typeof transformer !== "object" || Array.isArray(transformer)) {
    return { problems: ["inputTransformer: must be an object with inputTemplate and inputPathsMap"] };
  }
  for (const key of Object.keys(transformer)) {
    if (key !== "inputTemplate" && key !== "inputPathsMap") {
      problems.push(`inputTransformer.${key}: unknown key (known: inputPathsMap, inputTemplate)`);
    }
  }
  const template = transformer.inputTemplate;
  if (typeof template !== "string" || template.length === 0) {
    problems.push("inputTransformer.inputTemplate: required, a non-empty string");
    return { problems };
  }
  if (template.length > INPUT_LIMITS.textLength) {
    problems.push(`inputTransformer.inputTemplate: longer than AWS's ${INPUT_LIMITS.textLength} characters`);
  }
  const map = transformer.inputPathsMap ?? {};
  const paths = new Map<string, EventPath>();
  if (map === null || typeof map !== "object" || Array.isArray(map)) {
    problems.push("inputTransformer.inputPathsMap: must be an object of variable name → JSON path");
  } else {
    const entries = Object.entries(map as Record<string, unknown>);
    if (entries.length > INPUT_LIMITS.variables) {
      problems.push(
        `inputTransformer.inputPathsMap: ${entries.length} variables, over AWS's ${INPUT_LIMITS.variables}`,
      );
    }
    for (const [name, value] of entries) {
      const field = `inputTransformer.inputPathsMap.${name}`;
      if ((RESERVED_VARIABLES as readonly string[]).includes(name) || /^aws\./i.test(name)) {
        problems.push(`${field}: the name is reserved by EventBridge (aws.* names cannot be defined)`);
      } else if (!VARIABLE_NAME.test(name) || name.length > INPUT_LIMITS.nameLength) {
        problems.push(`${field}: a variable name is letters, digits, - and _ (at most 256)`);
      } else if (typeof value !== "string") {
        problems.push(`${field}: must be a JSON path string`);
      } else if (value.length > INPUT_LIMITS.pathLength) {
        problems.push(`${field}: longer than AWS's ${INPUT_LIMITS.pathLength} characters`);
      } else {
        const path = parseEventPath(value);
        if (typeof path === "string") problems.push(`${field}: ${value} ${path}`);
        else paths.set(name, path);
      }
    }
  }
  const pieces = scanTemplate(template);
  for (const piece of pieces) {
    if (typeof piece === "string") continue;
    const reserved = (RESERVED_VARIABLES as readonly string[]).includes(piece.name);
    const declared = typeof map === "object" && map !== null && Object.hasOwn(map, piece.name);
    if (!reserved && !declared) {
      problems.push(
        `inputTransformer.inputTemplate: contains the placeholder <${piece.name}>, which is neither in inputPathsMap nor a reserved variable`,
      );
    }
    if (piece.name === "aws.events.rule-arn" && options.ruleArn === undefined) {
      problems.push("ruleArn: required because inputTransformer.inputTemplate uses <aws.events.rule-arn>");
    }
    if (piece.name === "aws.events.rule-name" && options.ruleName === undefined) {
      problems.push("ruleName: required because inputTransformer.inputTemplate uses <aws.events.rule-name>");
    }
  }
  if (problems.length > 0) return { problems: [...new Set(problems)] };
  const ruleArn = options.ruleArn ?? "";
  const ruleName = options.ruleName ?? "";
  return {
    renderer: (event, eventText) => {
      let out = "";
      for (const piece of pieces) {
        if (typeof piece === "string") out += piece;
        else out += renderVariable(piece, paths, event, eventText, ruleArn, ruleName);
      }
      try {
        JSON.parse(out);
      } catch {
        return {
          ok: false,
          code: "InvalidRequestContentException",
          reason: `the input template's output is not JSON, so Lambda would refuse it: ${preview(out)}`,
        };
      }
      return { ok: true, text: minifyJson(out) };
    },
    problems: [],
  };
}

/**
 * Splits a template into literal text and placeholders, noting for each placeholder whether it
 * sits inside a JSON string (backslash escapes respected, so `\"<x>\"` stays inside).
 */
function scanTemplate(template: string): Piece[] {
  const pieces: Piece[] = [];
  let literal = "";
  let inString = false;
  let i = 0;
  while (i < template.length) {
    const c = template[i]!;
    if (c === "<") {
      const match = PLACEHOLDER.exec(template.slice(i, i + 300));
      if (match) {
        if (literal) pieces.push(literal);
        literal = "";
        pieces.push({ name: match[1]!, inString });
        i += match[0].length;
        continue;
      }
    }
    if (inString && c === "\\" && i + 1 < template.length) {
      literal += c + template[i + 1];
      i += 2;
      continue;
    }
    if (c === '"') inString = !inString;
    literal += c;
    i++;
  }
  if (literal) pieces.push(literal);
  return pieces;
}

function renderVariable(
  piece: { name: string; inString: boolean },
  paths: Map<string, EventPath>,
  event: EventBridgeEvent,
  eventText: () => string,
  ruleArn: string,
  ruleName: string,
): string {
  let value: unknown;
  let json: string | undefined;
  switch (piece.name) {
    case "aws.events.rule-arn":
      value = ruleArn;
      break;
    case "aws.events.rule-name":
      value = ruleName;
      break;
    case "aws.events.event.ingestion-time":
      value = event.time;
      break;
    case "aws.events.event.json":
      json = minifyJson(eventText());
      break;
    case "aws.events.event":
      value = eventWithoutDetail(event);
      break;
    default: {
      const path = paths.get(piece.name);
      const result = path ? evaluateEventPath(path, event) : { found: false as const };
      if (!result.found) return piece.inString ? "" : '""';
      value = result.value;
    }
  }
  if (!piece.inString) return json ?? JSON.stringify(value);
  if (json !== undefined) return json.replaceAll('"', "");
  if (typeof value === "string") return value;
  return JSON.stringify(value).replaceAll('"', "");
}

/** `<aws.events.event>`: the event without `detail`, in the shape AWS was recorded sending. */
function eventWithoutDetail(event: EventBridgeEvent): Record<string, unknown> {
  return {
    id: event.id,
    account: event.account,
    detailType: event["detail-type"],
    time: event.time,
    source: event.source,
    region: event.region,
    resources: event.resources,
    version: event.version,
  };
}

/** Removes whitespace outside JSON strings, keeping every other character (numbers as written). */
export function minifyJson(text: string): string {
  let out = "";
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (inString) {
      out += c;
      if (c === "\\" && i + 1 < text.length) out += text[++i];
      else if (c === '"') inString = false;
    } else if (c === '"') {
      inString = true;
      out += c;
    } else if (c !== " " && c !== "\n" && c !== "\r" && c !== "\t") out += c;
  }
  return out;
}

function preview(text: string): string {
  return JSON.stringify(text.length > 120 ? `${text.slice(0, 120)}…` : text);
}
