import { resolve } from "node:path";
import { Option } from "clipanion";
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

  dryRun = Option.Boolean("--dry-run", {
    description: "Read and filter for real; targets only check and plan",
  });
  report = Option.String("--report", { description: "Write the JSON run report to this file" });
  failed = Option.String("--failed", {
    description: "Write failed events as NDJSON (a valid --from source)",
  });
  skipInvalid = Option.Boolean("--skip-invalid", {
    description: "Record malformed records in the report and --failed file and go on",
  });
  progress = Option.Boolean("--progress", {
    description: "Show the progress line (default: only when stderr is a terminal)",
  });
  prefilter = Option.Boolean("--prefilter", true, {
    description:
      "Skip parsing records whose text cannot match (--no-prefilter parses and validates every record)",
  });
  verbose = Option.Boolean("--verbose", false, { description: "Log plugin debug messages" });

  async execute(): Promise<number> {
    const [{ resolveRun }, { runPipeline, writeReportFile }, { renderHumanSummary }] = await Promise.all([
      import("../../config/resolve-run.ts"),
      import("../../engine/runner.ts"),
      import("../../report/human-summary.ts"),
    ]);
    let plan: Awaited<ReturnType<typeof resolveRun>>;
    try {
      const spec = await this.loadSpec();
      if (this.dryRun !== undefined) spec.dryRun = this.dryRun;
      if (this.skipInvalid !== undefined) spec.skipInvalid = this.skipInvalid;
      if (this.report !== undefined) spec.report = resolve(this.report);
      if (this.failed !== undefined) spec.failed = resolve(this.failed);
      if (this.progress !== undefined) spec.progress = this.progress;
      const registry = await this.loadPlugins(spec);
      const isTTY = Boolean((this.context.stderr as { isTTY?: boolean }).isTTY);
      plan = resolveRun(spec, registry, {
        verbose: this.verbose,
        prefilter: this.prefilter,
        progress: isTTY,
      });
    } catch (error) {
      return this.configErrorExit(error);
    }

    const interrupt = new AbortController();
    let interrupts = 0;
    const onSigint = () => {
      interrupts++;
      if (interrupts > 1) process.exit(130);
      this.err(
        "\ninterrupted: stopping the read, letting in-flight writes finish (Ctrl-C again to quit now)",
      );
      interrupt.abort();
    };
    process.on("SIGINT", onSigint);
    try {
      const report = await runPipeline(plan, {
        stdin: this.context.stdin,
        stdout: this.context.stdout,
        stderr: this.context.stderr,
        interrupt: interrupt.signal,
      });
      if (plan.reportPath) {
        try {
          writeReportFile(plan.reportPath, report);
        } catch (error) {
          this.err(`error: cannot write the report to ${plan.reportPath}: ${(error as Error).message}`);
          report.exitCode = report.exitCode || 1;
        }
      }
      this.context.stderr.write(renderHumanSummary(report));
      return report.exitCode;
    } finally {
      process.off("SIGINT", onSigint);
    }
  }
}
