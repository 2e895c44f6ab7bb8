import type { RunReport } from "./run-report.ts";

const n = (value: number) => value.toLocaleString("en-US");

/** Renders the report as the few lines printed on stderr at the end of every run. */
export function renderHumanSummary(report: RunReport): string {
  const lines: string[] = [];
  const seconds = (report.durationMs / 1000).toFixed(2);
  const head = report.dryRun ? "rehydrate dry run" : "rehydrate run";
  lines.push(`${head} ${report.status} in ${seconds}s`);
  const s = report.source;
  lines.push(
    `  source ${s.name}: ${n(s.read)} read, ${n(s.invalid)} invalid · ${n(report.filter.matched)} matched, ${n(report.filter.unmatched)} unmatched` +
      (report.throughput.readPerSecond > 0 ? ` · ${n(report.throughput.readPerSecond)} events/s` : ""),
  );
  for (const t of report.targets) {
    const parts = report.dryRun
      ? [`${n(t.planned)} planned${formatActions(t.plannedActions)}`]
      : [`${n(t.sent)} sent`, `${n(t.failed)} failed`, `${n(t.retried)} retried`];
    if (t.cancelled > 0) parts.push(`${n(t.cancelled)} cancelled`);
    lines.push(`  target ${t.name}: ${parts.join(", ")}`);
    for (const f of t.failures.slice(0, 3)) lines.push(`    failed ${f.position}: ${f.code}: ${f.message}`);
    if (t.failed > 3) lines.push(`    ... ${n(t.failed - 3)} more failures (see --report / --failed)`);
    if (report.dryRun) {
      for (const p of t.plan.slice(0, 3))
        lines.push(`    would ${p.action} ${p.destination} (${p.position})`);
    }
  }
  for (const inv of s.invalidSamples.slice(0, 3)) lines.push(`  invalid ${inv.position}: ${inv.message}`);
  if (report.error) lines.push(`  error: ${report.error}`);
  if (
    (report.failedEventsFile && report.targets.some((t) => t.failed > 0)) ||
    (report.failedEventsFile && s.invalid > 0)
  )
    lines.push(`  failed events written to ${report.failedEventsFile}`);
  return lines.join("\n") + "\n";
}

function formatActions(actions: Record<string, number>): string {
  const entries = Object.entries(actions);
  if (entries.length === 0) return "";
  return ` (${entries.map(([verb, count]) => `${verb} ${n(count)}`).join(", ")})`;
}
