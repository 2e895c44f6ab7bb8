/**
 * Sums the reports of the shards of one split run (`--shard i/N`) into the report of the
 * logical run: counters added, samples pooled (still bounded), times spanning every shard, the
 * worst status, and which shards are missing.
 *
 * With the key-hash shard mode every shard reads the whole source and keeps its keys' events:
 * then `read`, `invalid` and `prefiltered` are one shard's (they all read the same records),
 * `matched` is the sum, and `unmatched` is what is left.
 *
 * @module
 */
import {
  type MergedShardsReport,
  pushSample,
  type RunReport,
  SAMPLE_LIMIT,
  type ShardMode,
  type TargetReport,
} from "../../../report/run-report.ts";

/** A report as read from a file (a shard's carries `shard`). */
export type ShardRunReport = RunReport;

/** The outcome of a merge. */
export interface MergeResult {
  report: ShardRunReport;
  shards: MergedShardsReport;
}

/** Status severity, worst last: a merged run is as bad as its worst shard. */
const SEVERITY: RunReport["status"][] = [
  "completed",
  "output-closed",
  "failed",
  "interrupted",
  "stopped",
  "preflight-failed",
];

/**
 * Merges shard reports. Throws an Error naming the file (`names[i]`) when a report is not a
 * shard report or the reports disagree on the shard count or mode.
 */
export function mergeReports(
  reports: readonly ShardRunReport[],
  names: readonly string[],
  options: { count?: number } = {},
): MergeResult {
  if (reports.length === 0) throw new Error("give at least one shard report");
  const byIndex = new Map<number, ShardRunReport>();
  const duplicates = new Set<number>();
  let count = options.count;
  let mode: ShardMode | undefined;
  for (const [i, report] of reports.entries()) {
    const shard = report.shard;
    if (!shard || !Number.isInteger(shard.index) || !Number.isInteger(shard.count)) {
      throw new Error(
        `${names[i]}: not the report of a shard (it has no "shard" field; run with --shard i/N)`,
      );
    }
    count ??= shard.count;
    if (shard.count !== count) {
      throw new Error(
        `${names[i]}: shard ${shard.index}/${shard.count} is from a run split in ${shard.count}, not ${count}`,
      );
    }
    mode ??= shard.mode;
    if (shard.mode !== mode) throw new Error(`${names[i]}: shard mode ${shard.mode}, the others ${mode}`);
    const seen = byIndex.get(shard.index);
    if (seen) {
      duplicates.add(shard.index);
      if (seen.finishedAt >= report.finishedAt) continue;
    }
    byIndex.set(shard.index, report);
  }
  const total = count!;
  const indexes = [...byIndex.keys()].sort((a, b) => a - b);
  const missing = Array.from({ length: total }, (_, k) => k + 1).filter((k) => !byIndex.has(k));
  const parts = indexes.map((k) => byIndex.get(k)!);
  const shards: MergedShardsReport = {
    count: total,
    mode: mode ?? "split",
    merged: indexes,
    missing,
    duplicates: [...duplicates].sort((a, b) => a - b),
  };
  return { report: combine(parts, shards), shards };
}

function combine(parts: ShardRunReport[], shards: MergedShardsReport): ShardRunReport {
  const first = parts[0]!;
  const sum = (pick: (r: ShardRunReport) => number) => parts.reduce((s, r) => s + pick(r), 0);
  const max = (pick: (r: ShardRunReport) => number) => Math.max(...parts.map(pick));
  const keyHash = shards.mode === "key-hash";
  const startedAt = parts.map((r) => r.startedAt).sort()[0]!;
  const finishedAt = parts
    .map((r) => r.finishedAt)
    .sort()
    .at(-1)!;
  const durationMs = Math.max(0, Date.parse(finishedAt) - Date.parse(startedAt)) || max((r) => r.durationMs);

  const read = keyHash ? max((r) => r.source.read) : sum((r) => r.source.read);
  const invalid = keyHash ? max((r) => r.source.invalid) : sum((r) => r.source.invalid);
  const matched = sum((r) => r.filter.matched);
  const invalidSamples: RunReport["source"]["invalidSamples"] = [];
  for (const r of parts) for (const s of r.source.invalidSamples) pushSample(invalidSamples, s);

  const status = parts
    .map((r) => r.status)
    .reduce((worst, s) => (SEVERITY.indexOf(s) > SEVERITY.indexOf(worst) ? s : worst), "completed");
  const errors = parts.filter((r) => r.error).map((r) => `shard ${r.shard!.index}: ${r.error}`);
  const exitCode =
    shards.missing.length > 0 ? 3 : status === "completed" || status === "output-closed" ? 0 : 1;

  const events: RunReport["events"] = {};
  for (const r of parts) {
    if (
      r.events.firstTime !== undefined &&
      (events.firstTime === undefined || r.events.firstTime < events.firstTime)
    ) {
      events.firstTime = r.events.firstTime;
      if (r.events.firstId !== undefined) events.firstId = r.events.firstId;
    }
    if (
      r.events.lastTime !== undefined &&
      (events.lastTime === undefined || r.events.lastTime > events.lastTime)
    ) {
      events.lastTime = r.events.lastTime;
      if (r.events.lastId !== undefined) events.lastId = r.events.lastId;
    }
  }
  const seconds = Math.max(durationMs, 1) / 1000;
  const merged: ShardRunReport = {
    version: first.version,
    tool: first.tool,
    dryRun: parts.some((r) => r.dryRun),
    startedAt,
    finishedAt,
    durationMs,
    status,
    exitCode,
    ...(errors.length > 0 && { error: errors.join("; ") }),
    source: { name: first.source.name, plugin: first.source.plugin, read, invalid, invalidSamples },
    filter: {
      patterns: first.filter.patterns,
      matched,
      unmatched: keyHash ? Math.max(0, read - invalid - matched) : sum((r) => r.filter.unmatched),
      prefiltered: keyHash ? max((r) => r.filter.prefiltered) : sum((r) => r.filter.prefiltered),
      unrouted: sum((r) => r.filter.unrouted ?? 0),
    },
    events,
    throughput: {
      readPerSecond: Math.round(read / seconds),
      matchedPerSecond: Math.round(matched / seconds),
    },
    targets: first.targets.map((t, i) =>
      combineTargets(
        parts.map((r) => r.targets[i]).filter((x) => x !== undefined),
        t,
      ),
    ),
    shards,
  };
  return merged;
}

const TARGET_COUNTS = [
  "selected",
  "sent",
  "skipped",
  "failed",
  "retried",
  "throttled",
  "planned",
  "cancelled",
  "batches",
  "orderKeyMissing",
] as const;

function combineTargets(parts: TargetReport[], first: TargetReport): TargetReport {
  const { failuresByCode: _codes, actions: _actions, ...rest } = first;
  const out: TargetReport = {
    ...rest,
    plannedActions: {},
    failures: [],
    plan: [],
  };
  for (const key of TARGET_COUNTS) out[key] = parts.reduce((s, t) => s + (t[key] ?? 0), 0);
  for (const t of parts) {
    addCounts(out.plannedActions, t.plannedActions);
    if (t.failuresByCode) {
      out.failuresByCode ??= {};
      addCounts(out.failuresByCode, t.failuresByCode);
    }
    if (t.actions) {
      out.actions ??= {};
      addCounts(out.actions, t.actions);
    }
    for (const f of t.failures) if (out.failures.length < SAMPLE_LIMIT) out.failures.push(f);
    for (const p of t.plan) if (out.plan.length < SAMPLE_LIMIT) out.plan.push(p);
  }
  // Percentiles of different shards cannot be added: the merged report keeps none.
  delete out.latencyMs;
  delete out.check;
  return out;
}

function addCounts(into: Record<string, number>, from: Record<string, number> | undefined): void {
  for (const [key, value] of Object.entries(from ?? {})) into[key] = (into[key] ?? 0) + value;
}
