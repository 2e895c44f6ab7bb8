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
      (report.filter.unrouted > 0 ? ` · ${n(report.filter.unrouted)} matched no route` : "") +
      (report.throughput.readPerSecond > 0 ? ` · ${n(report.throughput.readPerSecond)} events/s` : ""),
  );
  if (report.shard) lines.push(`  shard ${report.shard.index}/${report.shard.count} (${report.shard.mode})`);
  const resumed = report.checkpoint?.resumed;
  if (resumed) {
    // Counters above cover the whole logical run; say where this run took over.
    lines.push(
      `  resumed from ${resumed.from} (checkpoint of ${resumed.savedAt}); counts cover all ${resumed.previousAttempts + 1} runs` +
        (resumed.mayRepeat > 0
          ? `; up to ${n(resumed.mayRepeat)} events in flight then may have been delivered twice`
          : ""),
    );
  }
  const routed = report.targets.some((t) => t.selected !== report.filter.matched);
  for (const t of report.targets) {
    const parts = report.dryRun
      ? [`${n(t.planned)} planned${formatActions(t.plannedActions)}`]
      : [
          `${n(t.sent)} sent${formatActions(t.actions ?? {})}`,
          `${n(t.failed)} failed`,
          `${n(t.retried)} retried`,
        ];
    if (t.skipped > 0) parts.splice(1, 0, `${n(t.skipped)} skipped as older`);
    if (t.cancelled > 0) parts.push(`${n(t.cancelled)} cancelled`);
    if (routed) parts.unshift(`${n(t.selected)} selected by its route`);
    lines.push(`  target ${t.name}: ${parts.join(", ")}`);
    // A store's events without a row key fail with their own reason; the warning is for a path.
    if (t.orderKeyMissing > 0 && t.order !== "row key" && t.order !== "global")
      lines.push(
        `    warning: ${n(t.orderKeyMissing)} events had no value for the order key ${t.order}: they were ordered together in one lane (is the path right?)`,
      );
    for (const f of t.failures.slice(0, 3)) lines.push(`    failed ${f.position}: ${f.code}: ${f.message}`);
    if (t.failed > 3) lines.push(`    ... ${n(t.failed - 3)} more failures (see --report / --failed)`);
    if (report.dryRun) {
      for (const p of t.plan.slice(0, 3))
        lines.push(`    would ${p.action} ${p.destination} (${p.position})`);
    }
  }
  for (const inv of s.invalidSamples.slice(0, 3)) lines.push(`  invalid ${inv.position}: ${inv.message}`);
  if (report.error) lines.push(`  ${report.status === "output-closed" ? "note" : "error"}: ${report.error}`);
  if (
    report.failedEventsFile &&
    (report.targets.some((t) => t.failed > 0 || t.cancelled > 0) || s.invalid > 0)
  )
    lines.push(`  failed and cancelled events written to ${report.failedEventsFile}`);
  return lines.join("\n") + "\n";
}

function formatActions(actions: Record<string, number>): string {
  const entries = Object.entries(actions);
  if (entries.length === 0) return "";
  return ` (${entries.map(([verb, count]) => `${verb} ${n(count)}`).join(", ")})`;
}
