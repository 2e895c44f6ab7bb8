/**
 * Stores the run's exact frontier (see docs/resume.md): the source cursor of the last batch
 * before which every event is settled (filtered out, delivered to every target, skipped by a
 * version guard, or written to the failed-events file), together with the counters of exactly
 * those events.
 *
 * The engine tells it, in read order, each time the acknowledged frontier moves (`advance`,
 * cheap); between batches it calls `maybeSave`, which every `intervalMs` runs the engine's
 * durability barrier (in-flight writes done, every target's `flush`, the failed-events file
 * fsynced) and then stores the frontier as it was *before* the barrier started: everything
 * at or before it was reported settled before the barrier, so the barrier made it durable.
 *
 * It is the engine's `CheckpointHook` (src/config/run-plan.ts), plus the frontier counters the
 * engine fills per batch and the report fields of a checkpointed run.
 *
 * @module
 */
import type { CheckpointReport, RunReport } from "../../report/run-report.ts";
import type { JsonValue } from "../../sdk/index.ts";
import { ConfigError } from "../../util/config-error.ts";
import { VERSION } from "../../version.ts";
import {
  CHECKPOINT_FORMAT_VERSION,
  CHECKPOINT_KIND,
  type CheckpointDocument,
  type Counters,
  describeIdentityChange,
  emptyCounters,
  type RunIdentity,
} from "./format.ts";
import { FrontierCounters } from "./frontier-counters.ts";
import type { CheckpointStore } from "./store.ts";

/** The default time between two checkpoint saves. Measured cost at this interval: docs/resume.md. */
export const DEFAULT_CHECKPOINT_INTERVAL_MS = 5_000;

/**
 * What to do with a stored checkpoint:
 * - `resume` (`--resume`): continue from it; an error when there is none.
 * - `auto` (`--resume=auto`): continue from it when there is one, else start; for schedulers
 *   that rerun the same command after a failure (Kubernetes Indexed Jobs, AWS Batch retries).
 * - `restart` (`--restart`): ignore it and overwrite it.
 * - `new` (neither flag): start; an error when an unfinished checkpoint exists, so a rerun never
 *   silently restarts or resumes. A finished one is overwritten.
 */
export type CheckpointMode = "resume" | "auto" | "restart" | "new";

/** Where a resumed run starts. */
export interface ResumePoint {
  cursor: JsonValue | null;
  counters: Counters;
  /** When the checkpoint resumed from was saved. */
  resumedAt: string;
  /**
   * Matched events the interrupted run had read beyond the frontier at its last save. They (and
   * whatever it read after that save) may be delivered a second time.
   */
  inFlightWindow: number;
  /** How many runs the logical run had before this one. */
  previousAttempts: number;
  /** When the logical run first started. */
  startedAt: string;
  /** The stored run had already read its source to the end. */
  done: boolean;
}

/** Options of {@link Checkpointer.open}. */
export interface CheckpointerOptions {
  store: CheckpointStore;
  identity: RunIdentity;
  mode: CheckpointMode;
  /** Resume even when the configuration hash or the shard differs. */
  force: boolean;
  intervalMs: number;
  /** The shard of this run (0-based index), when split. */
  shard?: { index: number; count: number };
  /** The run's target names, for zeroed counters when not resuming. */
  targetNames: readonly string[];
  /** Clock, for tests. @default Date.now */
  now?: () => number;
}

/** The counters a report carries, as far as resuming adds to them. */
type ReportCounters = Pick<RunReport, "source" | "filter" | "targets">;

/** Loads, advances and stores one run's checkpoint. */
export class Checkpointer {
  /** Where this run starts, when it resumes; `undefined` for a fresh start. */
  readonly resumePoint: ResumePoint | undefined;
  /** The counters of the frontier: the engine opens one per source batch and adds it on ack. */
  readonly counters: FrontierCounters;
  /** Checkpoints stored by this run so far. */
  saves = 0;
  /** Milliseconds spent in barriers and saves (for the report and the benchmark). */
  savingMs = 0;

  private cursor: JsonValue | null;
  private changed = false;
  private done = false;
  private lastSaveAt: number;
  private rev: number;
  private saving: Promise<void> | undefined;
  private readonly now: () => number;
  private readonly startedAt: string;
  private readonly attempts: number;

  private constructor(
    private readonly options: CheckpointerOptions,
    stored: CheckpointDocument | undefined,
    resume: boolean,
  ) {
    this.now = options.now ?? Date.now;
    this.lastSaveAt = this.now();
    this.rev = stored?.rev ?? 0;
    const from = resume ? stored : undefined;
    this.startedAt = from?.startedAt ?? new Date(this.now()).toISOString();
    this.attempts = (from?.attempts ?? 0) + 1;
    this.cursor = from?.cursor ?? null;
    this.counters = new FrontierCounters(from?.counters ?? emptyCounters(options.targetNames));
    this.resumePoint = from
      ? {
          cursor: from.cursor,
          counters: from.counters,
          resumedAt: from.savedAt,
          inFlightWindow: from.inFlight,
          previousAttempts: from.attempts,
          startedAt: from.startedAt,
          done: from.done,
        }
      : undefined;
  }

  /** The cursor to pass to the source's `open`: absent when starting from the beginning. */
  get resumeFrom(): JsonValue | undefined {
    return this.resumePoint?.cursor ?? undefined;
  }

  /** The store's location, for messages and the report. */
  get location(): string {
    return this.options.store.location;
  }

  /**
   * Loads the stored checkpoint and decides, per `mode`, whether this run resumes. Throws a
   * {@link ConfigError} saying what differs when the configuration (or the shard) is not the one
   * the checkpoint was written for, unless `force`.
   */
  static async open(options: CheckpointerOptions): Promise<Checkpointer> {
    const { store, mode } = options;
    const stored = await store.load();
    if (mode === "restart") return new Checkpointer(options, stored, false);
    if (stored === undefined) {
      if (mode === "resume") {
        throw new ConfigError(
          "no checkpoint to resume from (run without --resume to start, or use --resume=auto to start when there is none)",
          store.location,
        );
      }
      return new Checkpointer(options, undefined, false);
    }
    if (mode === "new") {
      if (stored.done) return new Checkpointer(options, stored, false);
      throw new ConfigError(
        `an unfinished run's checkpoint exists (saved ${stored.savedAt}): give --resume to continue it or --restart to start over`,
        store.location,
      );
    }
    if (!options.force) {
      const changes = describeIdentityChange(stored.identity, options.identity);
      const storedShard = stored.shard ? `${stored.shard.index + 1}/${stored.shard.count}` : "none";
      const shard = options.shard ? `${options.shard.index + 1}/${options.shard.count}` : "none";
      if (storedShard !== shard) changes.push(`shard: ${storedShard} → ${shard}`);
      if (changes.length > 0) {
        throw new ConfigError(
          `the checkpoint was written for another configuration (${changes.join("; ")}); --force resumes anyway, --restart starts over`,
          store.location,
        );
      }
    }
    return new Checkpointer(options, stored, true);
  }

  /**
   * Records that the acknowledged frontier moved: every event before `cursor` is settled, and
   * {@link counters} count exactly those events. Called in read order; only remembers.
   */
  advance(cursor: JsonValue): void {
    this.cursor = cursor;
    this.counters.commit();
    this.changed = true;
  }

  /**
   * When `intervalMs` has passed since the last save and the frontier moved, runs `barrier`
   * (the engine waits for in-flight writes, flushes every target, fsyncs the failed-events
   * file) and stores the frontier captured before it. Returns at once otherwise.
   */
  async maybeSave(barrier: () => Promise<void>): Promise<void> {
    if (!this.changed || this.now() - this.lastSaveAt < this.options.intervalMs) return;
    await this.save(barrier, false);
  }

  /**
   * At the end of the run (also after Ctrl-C or an error): runs the barrier and stores the final
   * frontier. `completed` marks a run that read its source to the end and settled everything.
   */
  async finish(barrier: () => Promise<void>, completed: boolean): Promise<void> {
    await this.saving;
    this.done = completed || (this.resumePoint?.done ?? false);
    try {
      await this.save(barrier, this.done);
    } finally {
      this.options.store.close?.();
    }
  }

  /**
   * Adds the counters of the runs before this one (the checkpoint resumed from) to this run's
   * report, so it covers the whole logical run. Call once, on the final report.
   */
  addResumedCounters(report: ReportCounters): void {
    const base = this.resumePoint?.counters;
    if (!base) return;
    report.source.read += base.read;
    report.source.invalid += base.invalid;
    report.filter.matched += base.matched;
    report.filter.unmatched += base.unmatched;
    report.filter.prefiltered += base.prefiltered;
    report.filter.unrouted += base.unrouted;
    for (const [i, target] of report.targets.entries()) {
      const stored = base.targets[i];
      if (!stored) continue;
      target.sent += stored.sent;
      target.failed += stored.failed;
      target.skipped += stored.skipped;
      target.cancelled += stored.cancelled;
      target.selected += stored.sent + stored.failed + stored.skipped + stored.cancelled;
    }
  }

  /** Completes the final report: the earlier runs' counters, and the `checkpoint` field. */
  completeReport(report: RunReport): void {
    this.addResumedCounters(report);
    report.checkpoint = this.reportFields();
  }

  /** The report's `checkpoint` field. */
  reportFields(): CheckpointReport {
    const resumed = this.resumePoint;
    return {
      location: this.location,
      saves: this.saves,
      savingMs: Math.round(this.savingMs),
      ...(resumed && {
        resumed: {
          from: describeCursor(resumed.cursor),
          savedAt: resumed.resumedAt,
          firstStartedAt: resumed.startedAt,
          previousAttempts: resumed.previousAttempts,
          mayRepeat: resumed.inFlightWindow,
        },
      }),
      done: this.done,
    };
  }

  private async save(barrier: () => Promise<void>, done: boolean): Promise<void> {
    const started = performance.now();
    // Captured before the barrier: only what was settled before it is certainly made durable.
    const cursor = this.cursor;
    const counters = this.counters.snapshot();
    const inFlight = this.counters.inFlight();
    this.changed = false;
    const run = (async () => {
      await barrier();
      const doc: CheckpointDocument = {
        kind: CHECKPOINT_KIND,
        formatVersion: CHECKPOINT_FORMAT_VERSION,
        toolVersion: VERSION,
        identity: this.options.identity,
        ...(this.options.shard ? { shard: this.options.shard } : {}),
        cursor,
        counters,
        inFlight: done ? 0 : inFlight,
        startedAt: this.startedAt,
        savedAt: new Date(this.now()).toISOString(),
        attempts: this.attempts,
        done,
        rev: this.rev + 1,
      };
      await this.options.store.save(doc);
      this.rev = doc.rev;
      this.saves++;
    })();
    this.saving = run.catch(() => {});
    try {
      await run;
    } finally {
      this.lastSaveAt = this.now();
      this.savingMs += performance.now() - started;
    }
  }
}

/**
 * A source cursor in words, for the report: the built-in cursors' shapes (file, DynamoDB Scan,
 * Query, sorted Scan) by name, any other as its JSON (truncated).
 */
export function describeCursor(cursor: JsonValue | null): string {
  if (cursor === null) return "the beginning";
  const c = cursor as Record<string, JsonValue>;
  if (typeof c === "object" && !Array.isArray(c)) {
    if (Array.isArray(c.files) && typeof c.file === "number") {
      const name = c.files[c.file];
      if (typeof name !== "string") return "the end of the inputs";
      if (typeof c.batches === "number" && c.batches > 0) return `${name}, after ${c.batches} batches`;
      return `${name}:${c.line}`;
    }
    if (c.kind === "scan" && Array.isArray(c.state)) {
      const done = c.state.filter((s) => s === "done").length;
      const going = c.state.filter((s) => s !== "done" && s !== null).length;
      return `Scan: ${done} of ${c.state.length} segments done, ${going} under way`;
    }
    if (c.kind === "query")
      return c.done ? "the end of the Query" : `Query after ${truncate(JSON.stringify(c.last))}`;
    if (c.kind === "sorted" && typeof c.position === "string") return `after ${c.position} (sorted Scan)`;
  }
  return truncate(JSON.stringify(cursor));
}

function truncate(text: string): string {
  return text.length > 120 ? `${text.slice(0, 119)}…` : text;
}
