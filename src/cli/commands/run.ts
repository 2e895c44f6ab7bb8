import { resolve } from "node:path";
import { Option, UsageError } from "clipanion";
import { redactUri } from "../../host/helpers/redact.ts";
import { PipelineCommand } from "../pipeline-command.ts";

/** `rehydrate run`: read, filter, act, report. */
export class RunCommand extends PipelineCommand {
  static override paths = [["run"]];

  static override usage = PipelineCommand.Usage({
    category: "Hydrate",
    description: "read events, keep those a pattern selects, and send them to one or more targets",
    details: `
      Reads events from a source, maps records that are not EventBridge events with the pipeline's \`envelope\` mapping, keeps the events that match the EventBridge pattern(s) (several \`--pattern\`s are ORed; none keeps everything), and sends each to every target.

      Order: with no \`--order-key\`, each target sees events in read order and no later event overtakes an earlier one. With \`--order-key\`, events with the same key keep their order and different keys run in up to \`--concurrency\` parallel lanes.

      Failures: retryable failures (throttles, 5xx) are retried with backoff and jitter; the rest are counted in the report, and \`--failed\` writes the failed events as NDJSON that \`--from\` accepts unchanged. A malformed input record stops the run before anything after it is written, unless \`--skip-invalid\`.

      A human summary always goes to stderr; \`--report\` also writes the JSON report. \`--dry-run\` reads and filters for real but only checks targets and plans what it would write.

      Exit codes: 0 all delivered; 1 some events failed or the run stopped; 2 usage or configuration error (nothing was read or written); 130 interrupted (Ctrl-C: reading stops, in-flight writes finish, the report is written; a second Ctrl-C exits at once).

      Everything a flag says can be written in a pipeline file (YAML or JSON, see docs/pipeline.md); flags win over the file.
    `,
    examples: [
      ["Hydrate a SQLite table from the bundled examples", "$0 run examples/quickstart.yaml"],
      [
        "Replay one event type from NDJSON files to stdout",
        `$0 run --from 'file:events/*.ndjson' --pattern '{"detail-type":["Order Placed"]}' --to stdout:`,
      ],
      ["Dry run with a JSON report", "$0 run pipeline.yaml --dry-run --report report.json"],
      [
        "Per-order ordering with 16 lanes",
        "$0 run pipeline.yaml --order-key detail.orderId --concurrency 16",
      ],
      ["Feed failed events back in", "$0 run pipeline.yaml --from failed.ndjson"],
    ],
  });

  dryRun = Option.Boolean("-n,--dry-run", {
    description: "Read and filter for real; targets only check and plan",
  });
  report = Option.String("--report", {
    description: "Write the run report to this file (- for stdout)",
  });
  reportFormat = Option.String("--report-format", {
    description: "Format of --report: json or md (Markdown)",
  });
  json = Option.Boolean("--json", false, {
    description: "Print the run summary as one JSON line (the report) on stdout instead of text on stderr",
  });
  failed = Option.String("--failed", {
    description: "Write failed events as NDJSON (a valid --from source)",
  });
  skipInvalid = Option.Boolean("--skip-invalid", {
    description: "Record malformed records in the report and --failed file and go on",
  });
  progress = Option.String("--progress", {
    description:
      "auto: a live bar on a terminal, a plain line every --progress-interval in logs and CI; bar, plain or off",
  });
  progressInterval = Option.String("--progress-interval", {
    description: "Seconds between two plain progress lines",
  });
  quiet = Option.Boolean("-q,--quiet", false, {
    description: "No progress and no summary unless the run fails (errors are still printed)",
  });
  set = Option.Array("--set", {
    description:
      "Set a plugin option: key=value for the only target, 0.key=value for targets[0], source.key=value (value as JSON or text)",
  });
  endpointUrl = Option.String("--endpoint-url", {
    description: "Send AWS requests to this endpoint (LocalStack, DynamoDB Local); same as AWS_ENDPOINT_URL",
  });
  prefilter = Option.Boolean("--prefilter", true, {
    description: "Parse and validate every record, even those whose raw text cannot match the pattern",
  });
  verbose = Option.Boolean("--verbose", false, { description: "Log plugin debug messages" });
  checkpoint = Option.String("--checkpoint", {
    description: "Keep a resume checkpoint here: a file, or dynamodb://<table>/<id> (docs/resume.md)",
  });
  resume = Option.String("--resume", {
    tolerateBoolean: true,
    description:
      "Continue from the checkpoint (an error if there is none); --resume=auto starts when there is none",
  });
  restart = Option.Boolean("--restart", { description: "Ignore the checkpoint and overwrite it" });
  force = Option.Boolean("--force", { description: "Resume even though the configuration changed" });
  checkpointInterval = Option.String("--checkpoint-interval", {
    description: "Seconds between two checkpoint saves (default 5)",
  });
  shard = Option.String("--shard", {
    description:
      "Run part i of N (1-based, e.g. 2/4), or auto: the index of a Kubernetes Indexed Job or AWS Batch array job",
  });
  shardCount = Option.String("--shard-count", { description: "The number of shards, with --shard auto" });
  shardMode = Option.String("--shard-mode", {
    description: "split, key-aligned or key-hash (every shard reads everything, keeps its keys' events)",
  });

  async execute(): Promise<number> {
    const [{ resolveRun }, { runPipeline }, output, progressModule, { applySetOptions }] = await Promise.all([
      import("../../config/resolve-run.ts"),
      import("../../engine/run.ts"),
      import("./run-output.ts"),
      import("../../report/progress/index.ts"),
      import("./set-options.ts"),
    ]);
    let reportTarget: string | undefined;
    let reportFormat: (typeof output.REPORT_FORMATS)[number] = "json";
    let estimatedTotal: number | undefined;
    let plan: Awaited<ReturnType<typeof resolveRun>>;
    try {
      if (this.endpointUrl !== undefined) process.env.AWS_ENDPOINT_URL = this.endpointUrl;
      const spec = await this.loadSpec();
      if (this.set !== undefined) applySetOptions(spec, this.set);
      if (this.dryRun !== undefined) spec.dryRun = this.dryRun;
      if (this.skipInvalid !== undefined) spec.skipInvalid = this.skipInvalid;
      if (this.report !== undefined) spec.report = this.report === "-" ? "-" : resolve(this.report);
      // `-` is stdout, not a file named "-" next to the pipeline file.
      const reportToStdout = spec.report === "-";
      if (reportToStdout) spec.report = undefined;
      reportFormat = parseReportFormat(this.reportFormat, output.REPORT_FORMATS);
      if (this.failed !== undefined) spec.failed = resolve(this.failed);
      const { applyResumeFlags } = await import("../../engine/checkpoint/run-checkpoint.ts");
      applyResumeFlags(spec, this);
      const stderr = this.context.stderr as { isTTY?: boolean; columns?: number };
      const progress = progressModule.resolveProgressMode({
        flag: parseChoice("--progress", this.progress, progressModule.PROGRESS_FLAG_VALUES),
        file: spec.progress,
        quiet: this.quiet,
        isTTY: Boolean(stderr.isTTY),
        env: this.context.env,
      });
      progressModule.configureProgress({
        mode: progress,
        intervalMs: parseSeconds(this.progressInterval, this.context.env.REHYDRATE_PROGRESS_INTERVAL),
        columns: () => stderr.columns ?? Number(this.context.env.COLUMNS || 80),
        unicode: this.context.env.TERM !== "linux",
        estimatedTotal: () => estimatedTotal,
      });
      spec.progress = progress !== "off";
      const registry = await this.loadPlugins(spec);
      plan = resolveRun(spec, registry, {
        verbose: this.verbose,
        prefilter: this.prefilter,
        progress: progress !== "off",
      });
      // Sources report no totals yet; for plain NDJSON files the CLI estimates one (docs/cli.md).
      if (progress !== "off" && plan.source.registered.plugin.name === "file") {
        const { estimateFileRecords } = await import("./estimate-records.ts");
        estimatedTotal = estimateFileRecords(plan.source.config, plan.source.baseDir);
      }
      const { attachCheckpoint } = await import("../../engine/checkpoint/run-checkpoint.ts");
      const { identityOfPlan, targetPatternsOf } = await import("../../config/run-identity.ts");
      await attachCheckpoint(plan, spec.checkpoint, identityOfPlan(plan, targetPatternsOf(spec.targets)));
      reportTarget = reportToStdout ? "-" : plan.reportPath;
      if ((reportToStdout || this.json) && plan.targets.some((t) => t.registered.plugin.name === "stdout"))
        throw new UsageError(
          `${reportToStdout ? "--report -" : "--json"} writes to stdout, and so does a stdout: target: write the report to a file (--report report.json)`,
        );
    } catch (error) {
      return this.configErrorExit(error);
    }

    const { withInterrupts } = await import("../signals.ts");
    return withInterrupts(
      (line) => this.err(line),
      async (interrupt) => {
        const report = await runPipeline(plan, {
          stdin: this.context.stdin,
          stdout: this.context.stdout,
          stderr: this.context.stderr,
          interrupt,
        });
        report.config ??= resolvedConfig(plan);
        if (report.status === "preflight-failed") {
          // Nothing was read or written: the error alone, first, and no block of zero counts.
          // --json still answers on stdout, so a script reading it gets the status and error.
          if (this.json) this.out(JSON.stringify(report));
          const { awsHint, withoutJsClassNames } = await import("../help/aws-hints.ts");
          this.err(`rehydrate: ${withoutJsClassNames(report.error ?? "")}`);
          const hint = awsHint(report.error ?? "", this.context.env, plan.aws.profile);
          if (hint) this.err(`  hint: ${hint}`);
          // No report file: the failure may be that its path is unusable or is another file of
          // the run (writing it would destroy the input the check just protected).
          return 2;
        }
        return output.writeRunOutputs(report, {
          report: reportTarget,
          format: reportFormat,
          json: this.json,
          quiet: this.quiet,
          profile: plan.aws.profile,
          env: this.context.env,
          stdout: this.context.stdout,
          stderr: this.context.stderr,
        });
      },
    );
  }
}

/** A flag with a fixed set of values, with a suggestion when mistyped. */
function parseChoice<T extends string>(
  flag: string,
  value: string | undefined,
  choices: readonly T[],
): T | undefined {
  if (value === undefined) return undefined;
  if ((choices as readonly string[]).includes(value)) return value as T;
  const near = choices.find((c) => c.startsWith(value.slice(0, 2)));
  throw new UsageError(
    `${flag} must be one of ${choices.join(", ")}, got ${JSON.stringify(value)}${near ? ` (did you mean ${near}?)` : ""}`,
  );
}

function parseReportFormat<T extends string>(value: string | undefined, formats: readonly T[]): T {
  return parseChoice("--report-format", value, formats) ?? formats[0]!;
}

/** `--progress-interval` (or `$REHYDRATE_PROGRESS_INTERVAL`) in seconds, as milliseconds. */
function parseSeconds(flag: string | undefined, env: string | undefined): number {
  const text = flag ?? env;
  if (text === undefined || text === "") return 15_000;
  const seconds = Number(text);
  if (!Number.isFinite(seconds) || seconds < 1)
    throw new UsageError(`--progress-interval must be a number of seconds ≥ 1, got ${JSON.stringify(text)}`);
  return Math.round(seconds * 1000);
}

/** The run's source and targets as resolved, secret options replaced by `***`. */
function resolvedConfig(plan: {
  source: ResolvedLike;
  targets: ResolvedLike[];
}): NonNullable<import("../../report/run-report.ts").RunReport["config"]> {
  const entry = (e: ResolvedLike) => {
    const options: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(e.config))
      options[key] = e.registered.plugin.config.fields[key]?.secret
        ? "***"
        : typeof value === "string"
          ? redactUri(value)
          : value;
    return { name: redactUri(e.name), plugin: e.registered.plugin.name, options };
  };
  return { source: entry(plan.source), targets: plan.targets.map(entry) };
}

interface ResolvedLike {
  name: string;
  config: Record<string, unknown>;
  registered: { plugin: { name: string; config: { fields: Record<string, { secret?: boolean }> } } };
}
