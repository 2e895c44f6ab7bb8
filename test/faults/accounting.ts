/**
 * The invariant every run must keep, whatever fails (issue "every event accounted for"):
 * - `source.read = filter.matched + filter.unmatched + source.invalid`;
 * - for each target, `selected = sent + skipped + failed + cancelled + planned`, and without
 *   routes `selected = filter.matched`;
 * - every event counted failed or cancelled (by any target) is in the failed-events file exactly
 *   once, unchanged (its original line), and nothing else is, except skipped invalid records.
 *
 * @module
 */
import { expect } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import type { RunReport } from "../../src/report/run-report.ts";

export interface AccountingOptions {
  /** The failed-events file of the run, when it had one. */
  failedPath?: string;
  /** The input lines by event id, to check failed lines are unchanged. */
  inputById?: Map<string, string>;
  /** Whether targets have their own patterns (then `selected` may be less than matched). */
  routed?: boolean;
  /** Whether the run skipped invalid records into the failed-events file. */
  skipInvalid?: boolean;
}

/** Asserts the invariant on a report (and its failed-events file); returns the failed lines. */
export function expectAccounted(report: RunReport, options: AccountingOptions = {}): string[] {
  const s = report.source;
  const f = report.filter;
  expect({ read: s.read, parts: f.matched + f.unmatched + s.invalid }).toEqual({
    read: s.read,
    parts: s.read,
  });
  for (const t of report.targets) {
    const settled = t.sent + t.skipped + t.failed + t.cancelled + t.planned;
    expect({ target: t.name, selected: t.selected, settled }).toEqual({
      target: t.name,
      selected: t.selected,
      settled: t.selected,
    });
    if (!options.routed)
      expect({ target: t.name, selected: t.selected }).toEqual({ target: t.name, selected: f.matched });
  }
  if (!options.failedPath) return [];
  const lines = existsSync(options.failedPath)
    ? readFileSync(options.failedPath, "utf8")
        .split("\n")
        .filter((l) => l !== "")
    : [];
  // With one target, the file holds exactly its failed and cancelled events (plus the invalid
  // records a --skip-invalid run kept).
  if (report.targets.length === 1 && !report.dryRun) {
    const t = report.targets[0]!;
    expect(lines.length).toBe(t.failed + t.cancelled + (options.skipInvalid ? s.invalid : 0));
  }
  const ids = lines.flatMap((line) => {
    try {
      const id = (JSON.parse(line) as { id?: unknown }).id;
      return typeof id === "string" ? [id] : [];
    } catch {
      return [];
    }
  });
  expect(new Set(ids).size).toBe(ids.length); // each event at most once
  if (options.inputById) {
    for (const line of lines) {
      let id: unknown;
      try {
        id = (JSON.parse(line) as { id?: unknown }).id;
      } catch {
        continue;
      }
      if (typeof id === "string" && options.inputById.has(id)) expect(line).toBe(options.inputById.get(id)!);
    }
  }
  return lines;
}
