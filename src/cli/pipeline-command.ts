import { resolve as resolvePath } from "node:path";
import { Option, UsageError } from "clipanion";
import type { PipelineSpec } from "../config/pipeline.ts";
import type { PluginRegistry } from "../host/registry.ts";
import type { RoutingNotes, RulesSpec } from "../routes/rules-option.ts";
import { BaseCommand } from "./base-command.ts";

/** Commands that load plugins: the `--plugin-dir` flag and the registry. */
export abstract class PluginAwareCommand extends BaseCommand {
  pluginDir = Option.String("--plugin-dir", { description: "Folder of runtime plugins (*.ts, *.js)" });

  /** The registry of built-in and runtime plugins (`pluginDir` from the flag or the pipeline file). */
  protected async loadPlugins(spec: { pluginDir?: string }): Promise<PluginRegistry> {
    const [{ loadRegistry, pluginDirectories }, { builtinPlugins }] = await Promise.all([
      import("../host/registry.ts"),
      import("../../plugins/index.ts"),
    ]);
    return loadRegistry(builtinPlugins, pluginDirectories(spec.pluginDir ?? this.pluginDir, process.env));
  }

  /**
   * Prints a usage or configuration error (ConfigError, PluginError, UsageError) on one line
   * and returns exit code 2; anything else is a bug and is rethrown.
   */
  protected configErrorExit(error: unknown): number {
    if (
      error instanceof Error &&
      ["ConfigError", "PluginError", "UsageError", "PatternSourceError"].includes(error.name)
    ) {
      this.err(`rehydrate: ${error.message}`);
      return 2;
    }
    throw error;
  }
}

/**
 * Options shared by `run` and `validate`: everything that describes a pipeline. A pipeline file
 * can say all of it; flags given on the command line win over the file.
 */
export abstract class PipelineCommand extends PluginAwareCommand {
  pipelineFile = Option.String({ required: false, name: "PIPELINE_FILE" });

  from = Option.String("-f,--from", {
    description: "Source URI: file:<path|glob> (or a bare path), - for stdin, dynamodb:<table>, ...",
  });
  to = Option.Array("-t,--to", {
    description: "Target URI, repeatable: stdout:, file:<out.ndjson>, sqlite:<db>#<table>, lambda:<fn>, ...",
  });
  pattern = Option.Array("-p,--pattern", {
    description: "EventBridge event pattern as JSON or @file; repeat to OR several",
  });
  rule = Option.String("--rule", {
    description:
      "Use the pattern of a deployed EventBridge rule (name or ARN; DescribeRule), ORed with --pattern",
  });
  bus = Option.String("--bus", { description: "The event bus of --rule (name or ARN)" });
  template = Option.String("--template", {
    description: "Use the pattern of a rule in a CloudFormation/SAM template: <file>#<LogicalId>",
  });
  rules = Option.String("--rules", {
    description:
      "Routes from a bus's rules (bus:<name>) or a template's (<file>): each rule's Lambda targets get its events, transformed as EventBridge would",
  });
  orderKey = Option.String("--order-key", {
    description: "JSON path of the ordering key (detail.orderId): per-key order with parallel lanes",
  });
  order = Option.String("--order", {
    description:
      "key (default: stores per row key in parallel lanes, other targets in read order), global (read order, one write in flight), or a JSON path (like --order-key)",
  });
  since = Option.String("--since", {
    description: "Only events with time at or after this ISO 8601 instant",
  });
  until = Option.String("--until", { description: "Only events with time before this ISO 8601 instant" });
  concurrency = Option.String("--concurrency", {
    description: "Most parallel lanes per keyed target (default: what the target allows in flight)",
  });
  limit = Option.String("--limit", {
    description: "Stop after this many matched events",
  });
  maxAttempts = Option.String("--max-attempts", {
    description: "Most attempts per event for retryable failures (throttles, 5xx), the first included",
  });
  region = Option.String("--region", { description: "AWS region for AWS plugins" });
  profile = Option.String("--profile", { description: "AWS profile for AWS plugins" });

  /** Reads the pipeline file (if any) and lays the flags over it. */
  protected async loadSpec(): Promise<PipelineSpec> {
    const { loadPipelineFile } = await import("../config/pipeline.ts");
    const spec: PipelineSpec = this.pipelineFile
      ? loadPipelineFile(this.pipelineFile, process.env)
      : { baseDir: process.cwd() };
    // Paths on the command line are relative to the working directory, not the pipeline file.
    const cwd = process.cwd();
    const flagPath = (path: string | undefined) => (path === undefined ? undefined : resolvePath(cwd, path));
    if (this.from !== undefined) {
      spec.source = this.from;
      spec.sourceBaseDir = cwd;
    }
    if (this.to !== undefined) {
      spec.targets = this.to;
      spec.targetsBaseDir = cwd;
    }
    if (this.pattern !== undefined) {
      spec.patterns = this.pattern.map((p) => (p.startsWith("@") ? `@${flagPath(p.slice(1))}` : p));
    }
    if (this.orderKey !== undefined) spec.orderKey = this.orderKey;
    if (this.order !== undefined) spec.order = this.order;
    if (this.since !== undefined) spec.since = this.since;
    if (this.until !== undefined) spec.until = this.until;
    if (this.concurrency !== undefined) spec.concurrency = integerFlag("--concurrency", this.concurrency, 1);
    if (this.limit !== undefined) spec.limit = integerFlag("--limit", this.limit, 0);
    if (this.pluginDir !== undefined) spec.pluginDir = flagPath(this.pluginDir);
    else if (spec.pluginDir !== undefined) spec.pluginDir = resolvePath(spec.baseDir, spec.pluginDir);
    if (this.maxAttempts !== undefined) {
      spec.retry = { ...spec.retry, maxAttempts: integerFlag("--max-attempts", this.maxAttempts, 1) };
    }
    if (this.rule !== undefined) spec.rule = this.rule;
    if (this.bus !== undefined) spec.bus = this.bus;
    if (this.template !== undefined) spec.template = resolvePath(cwd, this.template);
    if (this.rules !== undefined) {
      const { mergeRulesFlag, parseRulesFlag } = await import("../routes/rules-option.ts");
      (spec as RoutedSpec).rules = mergeRulesFlag(
        (spec as RoutedSpec).rules,
        parseRulesFlag(this.rules, cwd),
      );
    }
    if (this.region !== undefined || this.profile !== undefined) {
      spec.aws = {
        ...spec.aws,
        ...(this.region && { region: this.region }),
        ...(this.profile && { profile: this.profile }),
      };
    }
    await this.addDeployedPatterns(spec);
    await this.addRuleRoutes(spec);
    return spec;
  }

  /** Appends the routes of `rules` (a bus's or a template's) to the targets and lists what they leave out. */
  private async addRuleRoutes(spec: RoutedSpec): Promise<void> {
    if (spec.rules === undefined) return;
    const { describeRouting, loadRules } = await import("../routes/rules-option.ts");
    const { targets, notes } = await loadRules(spec.rules, {
      region: spec.aws?.region,
      profile: spec.aws?.profile,
    });
    spec.targets = [...(spec.targets ?? []), ...targets];
    spec.routing = notes;
    for (const line of describeRouting(targets, notes)) this.err(line);
  }

  /** Adds the patterns of `rule` / `template` (from flags or the file) to the spec's ORed list. */
  private async addDeployedPatterns(spec: RoutedSpec): Promise<void> {
    if (spec.bus !== undefined && spec.rule === undefined)
      throw new UsageError("--bus only applies with --rule");
    if (spec.template !== undefined && !spec.template.includes("#")) {
      // A template without #LogicalId means all of its rules, as routes.
      const { mergeRulesFlag } = await import("../routes/rules-option.ts");
      spec.rules = mergeRulesFlag(spec.rules, { template: spec.template });
      spec.template = undefined;
    }
    if (spec.rule === undefined && spec.template === undefined) return;
    const { loadPattern } = await import("../pattern/load.ts");
    const common = { region: spec.aws?.region, profile: spec.aws?.profile, cwd: spec.baseDir };
    const patterns = [...(spec.patterns ?? [])];
    if (spec.rule !== undefined)
      patterns.push(await loadPattern({ ...common, rule: spec.rule, bus: spec.bus }));
    if (spec.template !== undefined) patterns.push(await loadPattern({ ...common, template: spec.template }));
    spec.patterns = patterns;
  }
}

/** The spec with its rules (declared here too, so this file does not depend on pipeline.ts declaring them). */
type RoutedSpec = PipelineSpec & { rules?: RulesSpec; routing?: RoutingNotes };

function integerFlag(flag: string, value: string, minimum: number): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < minimum) {
    throw new UsageError(`${flag} must be a whole number ≥ ${minimum}, got ${JSON.stringify(value)}`);
  }
  return n;
}
