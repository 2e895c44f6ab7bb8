/**
 * GitHub Actions integration: the run's summary as Markdown in `$GITHUB_STEP_SUMMARY`, and
 * failures as `::error` workflow commands, which GitHub shows as annotations on the file and
 * line of the failed record. Both are off outside Actions (`GITHUB_ACTIONS=true`).
 *
 * @module
 */
import { appendFileSync } from "node:fs";
import { renderMarkdownReport } from "./markdown.ts";
import type { FailureSample, RunReport } from "./run-report.ts";

/**
 * Most annotations per run: GitHub keeps 10 error annotations per step and 50 per job, and a
 * thousand identical lines would bury the log.
 */
export const MAX_ANNOTATIONS = 10;

/** Whether the process runs in a GitHub Actions job. */
export function inGithubActions(env: Record<string, string | undefined>): boolean {
  return env.GITHUB_ACTIONS === "true";
}

/** Escapes a workflow command's message (GitHub's `escapeData`). */
function escapeData(text: string): string {
  return text.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
}

/** Escapes a workflow command's property value (GitHub's `escapeProperty`). */
function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, "%3A").replace(/,/g, "%2C");
}

/**
 * `events.ndjson:12` or `events.ndjson:12:5` → file, line (and column); other positions (a
 * table key, an offset) have neither. GitHub attaches annotations to paths relative to the
 * checkout, so a path under `workspace` is made relative to it.
 */
function fileAndLine(position: string, workspace?: string): { file?: string; line?: string; col?: string } {
  const match = /^(.*[^\d:]):(\d+)(?::(\d+))?$/.exec(position);
  if (!match || match[1]!.includes("://")) return {};
  let file = match[1]!;
  const root = workspace?.replace(/\/$/, "");
  if (root && file.startsWith(`${root}/`)) file = file.slice(root.length + 1);
  return { file, line: match[2]!, ...(match[3] && { col: match[3] }) };
}

function annotation(title: string, sample: FailureSample, workspace?: string): string {
  const { file, line, col } = fileAndLine(sample.position, workspace);
  const props = [
    file ? `file=${escapeProperty(file)}` : undefined,
    line ? `line=${line}` : undefined,
    col ? `col=${col}` : undefined,
    `title=${escapeProperty(title)}`,
  ].filter(Boolean);
  return `::error ${props.join(",")}::${escapeData(`${sample.position}: ${sample.code}: ${sample.message}`)}`;
}

/**
 * The `::error` lines for a report's failure and invalid-record samples, at most `max`, and a
 * last line saying how many were left out.
 */
export function githubAnnotations(report: RunReport, max = MAX_ANNOTATIONS, workspace?: string): string[] {
  const all: string[] = [];
  for (const sample of report.source.invalidSamples)
    all.push(annotation("rehydrate: invalid record", sample, workspace));
  for (const target of report.targets)
    for (const sample of target.failures)
      all.push(annotation(`rehydrate: ${target.name}`, sample, workspace));
  const failures = report.source.invalid + report.targets.reduce((sum, t) => sum + t.failed, 0);
  const lines = all.slice(0, max);
  if (failures > lines.length)
    lines.push(
      `::notice title=rehydrate::${failures - lines.length} more failures: see the step summary and the report`,
    );
  if (report.error) lines.unshift(`::error title=rehydrate::${escapeData(report.error)}`);
  return lines;
}

/**
 * Appends the Markdown summary to `$GITHUB_STEP_SUMMARY` and returns the annotation lines to
 * print. Does nothing outside GitHub Actions. A summary that cannot be written is a warning
 * on stderr, never a failed run.
 */
export function publishToGithub(
  report: RunReport,
  env: Record<string, string | undefined>,
  stderr: { write(text: string): unknown },
): void {
  if (!inGithubActions(env)) return;
  if (env.GITHUB_STEP_SUMMARY) {
    try {
      appendFileSync(env.GITHUB_STEP_SUMMARY, `${renderMarkdownReport(report)}\n`);
    } catch (error) {
      stderr.write(`warning: cannot write the GitHub step summary: ${(error as Error).message}\n`);
    }
  }
  // Workflow commands are read from the step's output; stderr keeps them out of `--to stdout:` data.
  for (const line of githubAnnotations(report, MAX_ANNOTATIONS, env.GITHUB_WORKSPACE))
    stderr.write(`${line}\n`);
}
