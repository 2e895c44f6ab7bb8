/**
 * The run report as Markdown: for `--report-format md`, a pull-request comment, or GitHub
 * Actions' step summary. Everything in it comes from the JSON report (bounded samples), so it
 * is small whatever the run's size.
 *
 * @module
 */
import type { FailureSample, RunReport, TargetReport } from "./run-report.ts";

const n = (value: number) => value.toLocaleString("en-US");

/** Escapes text for a Markdown table cell (pipes, newlines, backticks stay readable). */
export function cell(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/\|/g, "\\|").replace(/\r?\n/g, " ");
}

/** Most failure samples listed per target. */
const SAMPLES_SHOWN = 10;

/** Renders `report` as a Markdown document. */
export function renderMarkdownReport(report: RunReport): string {
  const out: string[] = [];
  const mark = report.status === "completed" ? "✅" : report.status === "interrupted" ? "⏹️" : "❌";
  out.push(
    `## ${mark} rehydrate ${report.dryRun ? "dry run" : "run"} ${report.status}`,
    "",
    `${(report.durationMs / 1000).toFixed(2)} s · exit code ${report.exitCode} · rehydrate ${report.tool.version} · started ${report.startedAt}`,
    "",
  );
  if (report.error) out.push(`**Error:** ${cell(report.error)}`, "");
  const s = report.source;
  out.push(
    "| Source | Read | Invalid | Matched | Unmatched | Prefiltered | Events/s |",
    "|---|--:|--:|--:|--:|--:|--:|",
    `| \`${cell(s.name)}\` (${s.plugin}) | ${n(s.read)} | ${n(s.invalid)} | ${n(report.filter.matched)} | ${n(report.filter.unmatched)} | ${n(report.filter.prefiltered)} | ${n(report.throughput.readPerSecond)} |`,
    "",
  );
  out.push(
    report.dryRun
      ? "| Target | Planned | Actions |"
      : "| Target | Sent | Skipped | Failed | Retried | Throttled | Cancelled | Actions | p50 / p99 ms |",
    report.dryRun ? "|---|--:|---|" : "|---|--:|--:|--:|--:|--:|--:|---|--:|",
  );
  for (const t of report.targets) out.push(targetRow(t, report.dryRun));
  out.push("");
  for (const t of report.targets) {
    if (t.failed === 0 && t.failures.length === 0) continue;
    out.push(`### Failures of \`${cell(t.name)}\``, "");
    const byCode = Object.entries(t.failuresByCode ?? {});
    if (byCode.length > 0) {
      out.push("| Code | Count |", "|---|--:|");
      for (const [code, count] of byCode.sort((a, b) => b[1] - a[1]))
        out.push(`| ${cell(code)} | ${n(count)} |`);
      out.push("");
    }
    out.push(...failureList(t.failures, t.failed));
  }
  if (s.invalidSamples.length > 0) {
    out.push("### Invalid records", "", ...failureList(s.invalidSamples, s.invalid));
  }
  if (report.failedEventsFile) out.push(`Failed events: \`${cell(report.failedEventsFile)}\``, "");
  if (s.lastAcknowledged !== undefined)
    out.push(`Last acknowledged position: \`${cell(JSON.stringify(s.lastAcknowledged))}\``, "");
  return `${out.join("\n").replace(/\n+$/, "")}\n`;
}

function targetRow(t: TargetReport, dryRun: boolean): string {
  const actions = (record: Record<string, number> | undefined) =>
    Object.entries(record ?? {})
      .map(([verb, count]) => `${verb} ${n(count)}`)
      .join(", ") || "—";
  if (dryRun) return `| \`${cell(t.name)}\` (${t.plugin}) | ${n(t.planned)} | ${actions(t.plannedActions)} |`;
  const latency = t.latencyMs ? `${t.latencyMs.p50} / ${t.latencyMs.p99}` : "—";
  return `| \`${cell(t.name)}\` (${t.plugin}) | ${n(t.sent)} | ${n(t.skipped ?? 0)} | ${n(t.failed)} | ${n(t.retried)} | ${n(t.throttled)} | ${n(t.cancelled)} | ${actions(t.actions)} | ${latency} |`;
}

function failureList(samples: FailureSample[], total: number): string[] {
  const lines = samples
    .slice(0, SAMPLES_SHOWN)
    .map((f) => `- \`${cell(f.position)}\`: **${cell(f.code)}** ${cell(f.message)}`);
  if (total > lines.length)
    lines.push(`- … ${n(total - lines.length)} more (see the JSON report and the failed-events file)`);
  return [...lines, ""];
}
