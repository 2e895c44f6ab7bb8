import { newTargetReport, pushSample, type RunReport, type TargetReport } from "../report/run-report.ts";
import type { Envelope, EventBridgeEvent } from "../sdk/index.ts";
import { VERSION } from "../version.ts";
import type { BatchCounts } from "./checkpoint/frontier-counters.ts";

/** Why a run ended early, as the stages saw it; the builder turns it into status and exit code. */
export interface RunEnding {
  /** The signal that interrupted the run, if one did. */
  interruptedBy?: "SIGINT" | "SIGTERM" | "SIGHUP";
  /** The first fatal error (invalid input without --skip-invalid, a broken target, ...). */
  fatal?: string;
  /** The reader of the run's output went away (a closed pipe): a normal end. */
  outputClosed?: string;
}

/** Exit codes by interrupting signal: 128 + the signal's number, as shells report them. */
const SIGNAL_EXIT = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 } as const;

/**
 * Owns every counter of a run and finalises its status. Stages report what happened through its
 * methods and never touch the report object themselves, so the accounting rules live in one
 * place:
 * - `source.read = filter.matched + filter.unmatched + source.invalid`;
 * - per target, `selected = sent + skipped + failed + cancelled + planned`.
 */
export class ReportBuilder {
  readonly report: RunReport;
  private readonly startedMs = performance.now();
  /** The current source batch's counts (checkpointed runs), kept alongside the report's. */
  private batch: BatchCounts | undefined;
  /**
   * The first and last matched events when they were counted unparsed ({@link matchedUnparsed}):
   * their `id` and `time` are read once, when the report is finished, so a run that never
   * parses its events parses only these two.
   */
  private firstUnparsed: Envelope | undefined;
  private lastUnparsed: Envelope | undefined;

  constructor(init: {
    dryRun: boolean;
    sourceName: string;
    sourcePlugin: string;
    patternCount: number;
    targets: Array<{ name: string; plugin: string }>;
  }) {
    this.report = {
      version: 1,
      tool: { name: "rehydrate", version: VERSION },
      dryRun: init.dryRun,
      startedAt: new Date().toISOString(),
      finishedAt: "",
      durationMs: 0,
      status: "completed",
      exitCode: 0,
      source: { name: init.sourceName, plugin: init.sourcePlugin, read: 0, invalid: 0, invalidSamples: [] },
      filter: { patterns: init.patternCount, matched: 0, unmatched: 0, prefiltered: 0, unrouted: 0 },
      events: {},
      throughput: { readPerSecond: 0, matchedPerSecond: 0 },
      targets: init.targets.map((t) => newTargetReport(t.name, t.plugin)),
    };
  }

  /** The counters of target `index`, for its runner. */
  target(index: number): TargetReport {
    return this.report.targets[index]!;
  }

  /** The records counted from now on belong to the batch with these counts (checkpointed runs). */
  countInto(counts: BatchCounts | undefined): void {
    this.batch = counts;
  }

  /** Records the source skipped without parsing because they cannot match. */
  prefiltered(count: number): void {
    if (this.batch) {
      this.batch.read += count;
      this.batch.prefiltered += count;
      this.batch.unmatched += count;
    }
    this.report.source.read += count;
    this.report.filter.prefiltered += count;
    this.report.filter.unmatched += count;
  }

  /** A record that did not pass the pattern or time range. */
  unmatched(): void {
    if (this.batch) {
      this.batch.read++;
      this.batch.unmatched++;
    }
    this.report.source.read++;
    this.report.filter.unmatched++;
  }

  /** A record that could not be read or mapped. */
  invalid(position: string, reason: string): void {
    if (this.batch) {
      this.batch.read++;
      this.batch.invalid++;
    }
    this.report.source.read++;
    this.report.source.invalid++;
    pushSample(this.report.source.invalidSamples, { position, code: "InvalidRecord", message: reason });
  }

  /** A record that matched; `routed` is false when no target's route selected it. */
  matched(event: EventBridgeEvent, routed: boolean): void {
    const r = this.report;
    this.countMatched(routed);
    if (r.filter.matched === 1) {
      r.events.firstId = event.id;
      r.events.firstTime = event.time;
    }
    r.events.lastId = event.id;
    r.events.lastTime = event.time;
    this.lastUnparsed = undefined;
  }

  /** Like {@link matched}, for an event not parsed yet: its `id` and `time` are read at the end. */
  matchedUnparsed(envelope: Envelope, routed: boolean): void {
    this.countMatched(routed);
    if (this.report.filter.matched === 1) this.firstUnparsed = envelope;
    this.lastUnparsed = envelope;
  }

  /** Counts one matched record, in the batch's counts too. */
  private countMatched(routed: boolean): void {
    const r = this.report;
    if (this.batch) {
      this.batch.read++;
      this.batch.matched++;
      if (!routed) this.batch.unrouted++;
    }
    r.source.read++;
    r.filter.matched++;
    if (!routed) r.filter.unrouted++;
  }

  /** Fills the first and last event fields from events counted unparsed. */
  private resolveUnparsed(): void {
    const events = this.report.events;
    try {
      const first = this.firstUnparsed?.event;
      if (first) {
        events.firstId = first.id;
        events.firstTime = first.time;
      }
      const last = this.lastUnparsed?.event;
      if (last) {
        events.lastId = last.id;
        events.lastTime = last.time;
      }
    } catch {
      // The source verified these texts, so they parse; a report never fails for these fields.
    }
    this.firstUnparsed = undefined;
    this.lastUnparsed = undefined;
  }

  /** Sets the failed-events file shown in the report (only for runs that write it). */
  failedEventsFile(path: string): void {
    this.report.failedEventsFile = path;
  }

  /** Finalises durations, throughput, status and exit code. */
  finish(ending: RunEnding): RunReport {
    const r = this.report;
    this.resolveUnparsed();
    r.finishedAt = new Date().toISOString();
    r.durationMs = Math.round(performance.now() - this.startedMs);
    const seconds = Math.max(r.durationMs, 1) / 1000;
    r.throughput = {
      readPerSecond: Math.round(r.source.read / seconds),
      matchedPerSecond: Math.round(r.filter.matched / seconds),
    };
    const anyFailed = r.targets.some((t) => t.failed > 0 || t.cancelled > 0) || r.source.invalid > 0;
    if (ending.interruptedBy) {
      r.status = "interrupted";
      r.exitCode = SIGNAL_EXIT[ending.interruptedBy];
    } else if (ending.fatal) {
      r.status = "stopped";
      r.exitCode = 1;
    } else if (ending.outputClosed) {
      r.status = "output-closed";
      r.exitCode = 0;
    } else if (anyFailed) {
      r.status = "failed";
      r.exitCode = 1;
    }
    if (ending.fatal) r.error = ending.fatal;
    else if (ending.outputClosed) r.error = ending.outputClosed;
    return r;
  }

  /** Finalises a run that never read: a pre-flight check failed (exit 2). */
  preflightFailed(message: string): RunReport {
    const r = this.finish({});
    r.status = "preflight-failed";
    r.exitCode = 2;
    r.error = message;
    return r;
  }
}
