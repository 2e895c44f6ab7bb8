/**
 * What `rehydrate run` writes after the engine returns: the report in the chosen format and
 * place, the summary (human, JSON or none), the files it wrote, hints for AWS set-up
 * mistakes, and GitHub Actions' step summary and annotations.
 *
 * @module
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { publishToGithub } from "../../report/github.ts";
import { renderHumanSummary } from "../../report/human-summary.ts";
import { renderMarkdownReport } from "../../report/markdown.ts";
import type { RunReport } from "../../report/run-report.ts";
import { awsHint } from "../help/aws-hints.ts";

/** Report formats of `--report-format`. */
export const REPORT_FORMATS = ["json", "md"] as const;

/** One of {@link REPORT_FORMATS}. */
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** Where and how the run's outputs go. */
export interface RunOutputOptions {
  /** A path, `-` for stdout, or undefined for no report. */
  report?: string;
  format: ReportFormat;
  /** `--json`: the summary is the JSON report, on stdout. */
  json: boolean;
  quiet: boolean;
  /** The AWS profile chosen, for hints. */
  profile?: string;
  env: Record<string, string | undefined>;
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

/** The report as text in `format`. */
export function formatReport(report: RunReport, format: ReportFormat): string {
  return format === "md" ? renderMarkdownReport(report) : `${JSON.stringify(report, null, 2)}\n`;
}

/** Writes the report, summary, hints and CI outputs; returns the exit code (a failed report write is 1). */
export function writeRunOutputs(report: RunReport, options: RunOutputOptions): number {
  let exitCode = report.exitCode;
  if (options.report !== undefined && options.report !== "-") {
    try {
      mkdirSync(dirname(options.report), { recursive: true });
      writeFileSync(options.report, formatReport(report, options.format));
    } catch (error) {
      options.stderr.write(
        `error: cannot write the report to ${options.report}: ${(error as Error).message}\n`,
      );
      exitCode ||= 1;
      report.exitCode = exitCode;
    }
  }
  if (options.report === "-") options.stdout.write(formatReport(report, options.format));
  if (options.json && options.report !== "-") options.stdout.write(`${JSON.stringify(report)}\n`);

  const failed = exitCode !== 0;
  // --quiet still says why a run failed; --json leaves stderr to progress and errors.
  if (!options.json && (!options.quiet || failed)) {
    options.stderr.write(renderHumanSummary(report));
    if (options.report !== undefined && options.report !== "-")
      options.stderr.write(`  report written to ${options.report}\n`);
    const failures =
      report.source.invalid + report.targets.reduce((sum, t) => sum + t.failed + t.cancelled, 0);
    if (report.failedEventsFile && failures === 0)
      options.stderr.write(`  no failed events for ${report.failedEventsFile}\n`);
  }
  const hint = report.error ? awsHint(report.error, options.env, options.profile) : undefined;
  if (hint) options.stderr.write(`  hint: ${hint}\n`);
  publishToGithub(report, options.env, options.stderr);
  return exitCode;
}
