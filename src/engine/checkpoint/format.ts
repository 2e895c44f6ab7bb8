/**
 * The checkpoint document: what a run stores so a later run can continue exactly where it
 * stopped. It is plain JSON (stores keep it as text), versioned, and self-describing enough that
 * a refused resume can say *what* changed.
 *
 * @module
 */
import type { JsonValue } from "../../sdk/index.ts";

/** The checkpoint format this build writes and reads. */
export const CHECKPOINT_FORMAT_VERSION = 1;

/** The marker every checkpoint carries, so a stray JSON file is never taken for one. */
export const CHECKPOINT_KIND = "rehydrate-checkpoint";

/**
 * One part of what decides which events a run sends and in which order (the source, the
 * patterns, the envelope mapping, the order key, each target): a hash of its canonical JSON
 * and a short preview of it for messages.
 */
export interface IdentityPart {
  /** First 16 hex digits of the SHA-256 of the part's canonical JSON. */
  sha256: string;
  /** The part's JSON, truncated to a few hundred characters, secrets removed. */
  preview: string;
}

/** What a checkpoint belongs to: a hash of the run's configuration and its parts by name. */
export interface RunIdentity {
  /** SHA-256 (hex) over every part, in name order. */
  hash: string;
  /** `source`, `patterns`, `envelope`, `orderKey`, `targets[0]`, ... → part. */
  parts: Record<string, IdentityPart>;
}

/**
 * Counters of one target, covering the events at or before the frontier. Retries, throttles and
 * write calls are not kept: they say how hard one run worked, not what happened to which event.
 */
export interface TargetCounters {
  name: string;
  sent: number;
  failed: number;
  skipped: number;
  cancelled: number;
}

/**
 * The report's counters for every event at or before the frontier, over the whole logical run
 * (every earlier resumed run included). A resumed run adds its own to these, so the final report
 * counts each event once even though the events in flight at a crash are read again.
 */
export interface Counters {
  read: number;
  invalid: number;
  matched: number;
  unmatched: number;
  prefiltered: number;
  /** Matched events no target's route selected. */
  unrouted: number;
  targets: TargetCounters[];
}

/** The stored checkpoint. */
export interface CheckpointDocument {
  kind: typeof CHECKPOINT_KIND;
  formatVersion: number;
  /** The rehydrate version that wrote it. */
  toolVersion: string;
  identity: RunIdentity;
  /** The shard (0-based index) this checkpoint belongs to; absent for an unsplit run. */
  shard?: { index: number; count: number };
  /**
   * The source cursor of the frontier: every record before it is settled. `null` while nothing
   * is settled yet (a resume then starts from the beginning).
   */
  cursor: JsonValue | null;
  counters: Counters;
  /**
   * Matched events the run had dispatched beyond the frontier when this was written: those may be
   * delivered again by a resume (together with what was dispatched after this save).
   */
  inFlight: number;
  /** When the logical run first started (kept across resumes). */
  startedAt: string;
  savedAt: string;
  /** How many times the logical run was started (1 for the first run). */
  attempts: number;
  /** `true` once a run reached the end of its source: a later `--resume` has nothing to do. */
  done: boolean;
  /** Incremented on every save; stores use it to refuse a write from a run that lost ownership. */
  rev: number;
}

/** Zeroed counters for the given target names. */
export function emptyCounters(targetNames: readonly string[]): Counters {
  return {
    read: 0,
    invalid: 0,
    matched: 0,
    unmatched: 0,
    prefiltered: 0,
    unrouted: 0,
    targets: targetNames.map((name) => ({ name, sent: 0, failed: 0, skipped: 0, cancelled: 0 })),
  };
}

/**
 * Parses stored text into a checkpoint, or throws an Error saying what is wrong with it
 * (`where` names the store location).
 */
export function parseCheckpoint(text: string, where: string): CheckpointDocument {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(`${where}: the checkpoint is not valid JSON (${(error as Error).message})`);
  }
  const doc = value as Partial<CheckpointDocument> | null;
  if (doc === null || typeof doc !== "object" || doc.kind !== CHECKPOINT_KIND) {
    throw new Error(`${where}: not a rehydrate checkpoint`);
  }
  if (doc.formatVersion !== CHECKPOINT_FORMAT_VERSION) {
    throw new Error(
      `${where}: checkpoint format ${doc.formatVersion} was written by rehydrate ${doc.toolVersion}; this build reads format ${CHECKPOINT_FORMAT_VERSION} (use --restart to start over)`,
    );
  }
  for (const key of ["identity", "counters", "rev", "done", "startedAt"] as const) {
    if (doc[key] === undefined) throw new Error(`${where}: the checkpoint has no "${key}"`);
  }
  return doc as CheckpointDocument;
}

/**
 * What differs between the identity a checkpoint was written for and the current one, one
 * phrase per part (`source: {"paths":["a.ndjson"]} → {"paths":["b.ndjson"]}`). Empty when equal.
 */
export function describeIdentityChange(stored: RunIdentity, current: RunIdentity): string[] {
  if (stored.hash === current.hash) return [];
  const names = [...new Set([...Object.keys(stored.parts), ...Object.keys(current.parts)])].sort();
  const changes: string[] = [];
  for (const name of names) {
    const before = stored.parts[name];
    const after = current.parts[name];
    if (before?.sha256 === after?.sha256) continue;
    changes.push(`${name}: ${before?.preview ?? "(none)"} → ${after?.preview ?? "(none)"}`);
  }
  // Equal parts but another hash means the hashing itself changed (another tool version).
  return changes.length > 0 ? changes : ["the configuration hash (computed by another rehydrate version)"];
}
