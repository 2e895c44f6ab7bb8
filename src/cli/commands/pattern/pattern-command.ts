import { Option } from "clipanion";
import type { CompiledPattern } from "../../../pattern/index.ts";
import { BaseCommand } from "../../base-command.ts";

/**
 * Shared options of the `pattern` commands: where the pattern comes from. Errors the user can
 * act on are written to stderr and give exit code 2 (an invalid pattern prints AWS's message).
 */
export abstract class PatternSourceCommand extends BaseCommand {
  pattern = Option.String("--pattern", { description: "Event pattern as JSON text or @file" });
  rule = Option.String("--rule", { description: "Name or ARN of a deployed rule (read with DescribeRule)" });
  bus = Option.String("--bus", {
    description: "Event bus of --rule (name or ARN; default: the default bus)",
  });
  template = Option.String("--template", {
    description:
      "CloudFormation/SAM template: <file>#<LogicalId> (AWS::Events::Rule or a function's EventBridgeRule event)",
  });
  region = Option.String("--region", { description: "AWS region for --rule" });
  profile = Option.String("--profile", { description: "AWS profile for --rule" });
  endpointUrl = Option.String("--endpoint-url", {
    description: "Send AWS requests to this endpoint (LocalStack); same as AWS_ENDPOINT_URL",
  });
  verbose = Option.Boolean("--verbose", false, { description: "Say where the pattern came from" });

  /** Writes `message` to stderr and returns exit code 2. */
  protected fail(message: string): number {
    this.err(message);
    return 2;
  }

  /** Loads the pattern (any source) as a JSON value, or the exit code after reporting why not. */
  protected async loadPatternValue(): Promise<Loaded> {
    const { loadPattern, PatternSourceError } = await import("../../../pattern/load.ts");
    if (this.endpointUrl !== undefined) process.env.AWS_ENDPOINT_URL = this.endpointUrl;
    try {
      const value = await loadPattern({
        ...(this.pattern !== undefined ? { pattern: this.pattern } : {}),
        ...(this.rule !== undefined ? { rule: this.rule } : {}),
        ...(this.bus !== undefined ? { bus: this.bus } : {}),
        ...(this.template !== undefined ? { template: this.template } : {}),
        ...(this.region !== undefined ? { region: this.region } : {}),
        ...(this.profile !== undefined ? { profile: this.profile } : {}),
        cwd: process.cwd(),
      });
      if (this.verbose)
        this.err(
          `pattern from ${this.pattern !== undefined ? "--pattern" : this.rule !== undefined ? `rule ${this.rule}` : `template ${this.template}`}: ${JSON.stringify(value)}`,
        );
      return { ok: true, value };
    } catch (error) {
      if (error instanceof PatternSourceError) {
        const { awsHint, withoutJsClassNames } = await import("../../help/aws-hints.ts");
        const hint = awsHint(error.message, process.env, this.profile);
        return {
          ok: false,
          exitCode: this.fail(`${withoutJsClassNames(error.message)}${hint ? `\n  hint: ${hint}` : ""}`),
        };
      }
      throw error;
    }
  }

  /** Loads and compiles the pattern, or returns the exit code after reporting why it could not. */
  protected async loadCompiled(): Promise<CompiledPattern | number> {
    const loaded = await this.loadPatternValue();
    if (!loaded.ok) return loaded.exitCode;
    const { compilePattern, InvalidEventPatternError } = await import("../../../pattern/index.ts");
    try {
      return compilePattern(loaded.value);
    } catch (error) {
      if (error instanceof InvalidEventPatternError)
        return this.fail(`${error.message}${error.hint ? ` (${error.hint})` : ""}`);
      throw error;
    }
  }
}

/** The outcome of loading a pattern. */
export type Loaded = { ok: true; value: unknown } | { ok: false; exitCode: number };
