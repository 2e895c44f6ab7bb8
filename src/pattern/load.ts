/**
 * Loads an event pattern from where users keep it: inline JSON, `@file`, a deployed rule
 * (`--rule`) or a CloudFormation/SAM template (`--template`). Shared by `pattern test`,
 * `pattern validate` and `run --pattern`.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { PatternSourceError } from "./source-error.ts";

export { PatternSourceError } from "./source-error.ts";

/** The pattern options of a command. Exactly one of `pattern`, `rule`, `template`. */
export interface PatternArguments {
  /** Inline JSON or `@file`. */
  pattern?: string;
  /** A deployed rule's name or ARN (DescribeRule). */
  rule?: string;
  /** The rule's event bus (name or ARN), with `rule`. */
  bus?: string;
  /** `<file>#<LogicalId>` of a CloudFormation/SAM template. */
  template?: string;
  region?: string;
  profile?: string;
  /** Base for relative paths. */
  cwd: string;
}

/**
 * Reads `--pattern`'s value: JSON text, or `@path` (relative to `cwd`) naming a JSON file.
 * Returns the parsed JSON value (validation is the pattern compiler's job). Throws
 * {@link PatternSourceError} naming the file (and the JSON error's position) when it cannot.
 */
export function readPatternArgument(arg: string, cwd: string): unknown {
  return readJsonArgument(arg, cwd, "pattern");
}

/** `readPatternArgument` for any JSON argument (`--event` too); `what` names it in errors. */
export function readJsonArgument(arg: string, cwd: string, what: string): unknown {
  let text = arg;
  let source = `the ${what}`;
  if (arg.startsWith("@")) {
    const file = resolve(cwd, arg.slice(1));
    source = arg.slice(1);
    try {
      // A byte-order mark is common in files saved by Windows editors; JSON.parse rejects it.
      text = readFileSync(file, "utf8").replace(/^\uFEFF/, "");
    } catch (error) {
      throw new PatternSourceError(
        `cannot read the ${what} file ${arg.slice(1)}: ${(error as Error).message}`,
      );
    }
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new PatternSourceError(
      `${source} is not valid JSON (${(error as Error).message}); give JSON text or @file`,
    );
  }
}

/** Loads the pattern from whichever source the arguments name. */
export async function loadPattern(arg: PatternArguments): Promise<unknown> {
  const given = [arg.pattern, arg.rule, arg.template].filter((v) => v !== undefined).length;
  if (given !== 1) {
    throw new PatternSourceError("give exactly one of --pattern, --rule or --template");
  }
  if (arg.bus !== undefined && arg.rule === undefined) {
    throw new PatternSourceError("--bus only applies with --rule");
  }
  if (arg.pattern !== undefined) return readPatternArgument(arg.pattern, arg.cwd);
  if (arg.template !== undefined) {
    const { patternFromTemplate } = await import("./template.ts");
    return patternFromTemplate(arg.template, arg.cwd);
  }
  const { patternFromRule } = await import("./rule.ts");
  return patternFromRule({
    rule: arg.rule!,
    ...(arg.bus !== undefined ? { bus: arg.bus } : {}),
    ...(arg.region !== undefined ? { region: arg.region } : {}),
    ...(arg.profile !== undefined ? { profile: arg.profile } : {}),
  });
}
