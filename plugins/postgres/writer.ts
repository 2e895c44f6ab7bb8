/**
 * Writes batches of events to one PostgreSQL table. Per batch, in one transaction on one
 * connection of the pool: the keyed events are COPYed into the session's stage table (sorted by
 * key, numbered by key group), then merged with one `INSERT … SELECT DISTINCT ON (key) … ON
 * CONFLICT (key) DO UPDATE` (plus one `DELETE` when the batch deletes without a version guard).
 *
 * When the merge refuses a row (a constraint or type error), the transaction rolls back to a
 * savepoint and the key groups are bisected, each half under its own savepoint, down to one key;
 * that key's events are then applied one by one, so only the refused events fail and the table
 * still ends as applying the events in order would leave it.
 *
 * @module
 */
import type postgres from "postgres";
import { type Envelope, type ItemFailure, PluginError, type WriteResult } from "../../src/sdk/index.ts";
import { isRowAction, type RowAction } from "../shared/table-mapping/compile.ts";
import { rowDestination } from "../shared/table-mapping/describe.ts";
import { copyCell, hasNul } from "./copy-text.ts";
import { type ClassifiedError, classifyPostgresError } from "./errors.ts";
import { copyStageSql, createStageSql, deleteSql, type TableLayout, upsertSql } from "./sql.ts";

/** A staged event: its action and key group. */
interface Staged {
  readonly action: RowAction;
  readonly group: number;
}

/** What one attempt at a range of the stage found. */
interface RangeOutcome {
  /** Key groups whose newest event the version guard refused. */
  readonly refusedGroups: number[];
}

/** Remembers the running query, so an abort can cancel it. */
type Track = <Q extends { cancel(): void }>(query: Q) => Q;

/** The highest seq a range may name (an integer parameter; batches are far smaller). */
const MAX_SEQ = 2_147_483_647;

/** Thrown out of the fast path's transaction when the merge refuses a row. */
class RowRefused extends Error {
  constructor(readonly error: unknown) {
    super("a row was refused");
  }
}

/** Thrown inside a transaction to abandon it after a cancel. */
class Cancelled extends Error {}

/** The write path for one mapped table over a pool of connections. */
export class PostgresTableWriter {
  readonly #sql: postgres.Sql;
  readonly #layout: TableLayout;
  readonly #statements: { stage: string; copy: string; upsert: string; delete: string };

  constructor(sql: postgres.Sql, layout: TableLayout) {
    this.#sql = sql;
    this.#layout = layout;
    this.#statements = {
      stage: createStageSql(layout),
      copy: copyStageSql(layout),
      upsert: upsertSql(layout),
      delete: deleteSql(layout),
    };
  }

  /**
   * Writes a batch. Events the mapping refuses (`MissingKey`, `MissingVersion`,
   * `NumberOutOfRange`) and values PostgreSQL cannot hold (a NUL character) fail on their own.
   * Retryable errors (see errors.ts) fail every keyed event as retryable: the transaction rolled
   * back, so nothing of the batch is written. Other errors throw, since the target is broken.
   */
  async write(batch: readonly Envelope[], signal?: AbortSignal): Promise<WriteResult> {
    const mapping = this.#layout.mapping;
    const early: ItemFailure[] = [];
    const actions: RowAction[] = [];
    batch.forEach((envelope, index) => {
      const result = mapping.actionFor(envelope, index);
      if (!isRowAction(result)) early.push(result);
      else if (result.key.some(hasNul) || result.values.some(hasNul)) {
        early.push({
          index,
          retryable: false,
          code: "InvalidText",
          message: `event at ${envelope.position}: ${rowDestination(mapping, result.key)} has a value with a NUL character, which PostgreSQL text cannot hold`,
        });
      } else actions.push(result);
    });
    if (actions.length === 0) return { failures: early };
    if (signal?.aborted) throw new PluginError("write cancelled before it started", mapping.table);

    const staged = groupByKey(actions);
    const outcome = { failures: [] as ItemFailure[], skipped: [] as number[] };
    let current: { cancel(): void } | undefined;
    const track: Track = (query) => {
      current = query;
      return query;
    };
    const onAbort = () => current?.cancel();
    signal?.addEventListener("abort", onAbort, { once: true });
    const groups = staged.length === 0 ? 0 : staged[staged.length - 1]!.group + 1;
    // Encoded before BEGIN, so the transaction is not held open while JavaScript works.
    const text = encodeStage(staged, mapping.keys.length + mapping.values.length);
    const hasDeletes = staged.some((s) => s.action.kind === "delete");
    try {
      // Fast path: no savepoint (two round trips fewer). The stage is created without waiting
      // (pipelined ahead of COPY). If a row is refused, the transaction rolls back and the
      // careful path below redoes the batch with savepoints.
      const refused = await this.#sql
        .begin((tx) =>
          stallOnLostConnection(async () => {
            track(tx.unsafe(this.#statements.stage)).execute();
            await this.#copy(tx, text, track, signal);
            try {
              return await this.#runRange(tx, [0, groups - 1, 0, MAX_SEQ], hasDeletes, track);
            } catch (error) {
              if (classifyPostgresError(error).kind === "item") throw new RowRefused(error);
              throw error;
            }
          }, signal),
        )
        .catch((error: unknown) => {
          if (error instanceof RowRefused) return undefined;
          throw error;
        });
      if (refused !== undefined) this.#recordRefused(refused, staged, outcome);
      else {
        await this.#sql.begin((tx) =>
          stallOnLostConnection(async () => {
            track(tx.unsafe(this.#statements.stage)).execute();
            await this.#copy(tx, text, track, signal);
            await this.#applyGroups(tx, staged, 0, groups - 1, outcome, batch, track, signal);
          }, signal),
        );
      }
    } catch (error) {
      if (signal?.aborted || error instanceof Cancelled) {
        throw new PluginError("write cancelled: the transaction was rolled back", mapping.table);
      }
      const classified = classifyPostgresError(error);
      if (classified.kind !== "retry") throw fatal(mapping.table, classified);
      // The transaction rolled back: every keyed event is retried.
      return {
        failures: [
          ...early,
          ...actions.map((action) => ({
            index: action.index,
            retryable: true,
            code: classified.code,
            message: `${rowDestination(mapping, action.key)} will be retried: ${classified.message} (${classified.code})`,
          })),
        ].sort((a, b) => a.index - b.index),
      };
    } finally {
      signal?.removeEventListener("abort", onAbort);
    }
    const failures = [...early, ...outcome.failures].sort((a, b) => a.index - b.index);
    return outcome.skipped.length > 0
      ? { failures, skipped: outcome.skipped.sort((a, b) => a - b) }
      : { failures };
  }

  /**
   * COPYs the staged rows. postgres.js loses a server error that arrives after the end of the
   * COPY data (the finish callback then never fires), so the rows are built so that COPY cannot
   * refuse them: every row has every column (deletes padded with NULLs), text escaped, NULs
   * refused earlier. As a last resort an abort still ends the wait.
   */
  async #copy(
    tx: postgres.TransactionSql,
    text: string,
    track: Track,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    const stream = await track(tx.unsafe(this.#statements.copy)).writable();
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => reject(new Cancelled());
      if (signal?.aborted) return onAbort();
      signal?.addEventListener("abort", onAbort, { once: true });
      stream.on("error", reject);
      stream.end(text, () => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      });
    });
  }

  /**
   * Applies key groups `lo..hi` under a savepoint; when a row is refused, splits the range in
   * two, and at one key falls back to its events one by one.
   */
  async #applyGroups(
    tx: postgres.TransactionSql,
    staged: readonly Staged[],
    lo: number,
    hi: number,
    outcome: { failures: ItemFailure[]; skipped: number[] },
    batch: readonly Envelope[],
    track: Track,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    if (signal?.aborted) throw new Cancelled();
    const inRange = staged.filter((s) => s.group >= lo && s.group <= hi);
    const hasDeletes = inRange.some((s) => s.action.kind === "delete");
    try {
      const result = await tx.savepoint((sp) =>
        stallOnLostConnection(() => this.#runRange(sp, [lo, hi, 0, MAX_SEQ], hasDeletes, track), signal),
      );
      this.#recordRefused(result, inRange, outcome);
      return;
    } catch (error) {
      const classified = classifyPostgresError(error);
      if (classified.kind !== "item") throw error;
      if (lo < hi) {
        const mid = Math.floor((lo + hi) / 2);
        await this.#applyGroups(tx, staged, lo, mid, outcome, batch, track, signal);
        await this.#applyGroups(tx, staged, mid + 1, hi, outcome, batch, track, signal);
        return;
      }
    }
    // One key refused as a whole: its events one by one, in read order, each under a savepoint.
    for (const { action, group } of inRange) {
      if (signal?.aborted) throw new Cancelled();
      try {
        const result = await tx.savepoint((sp) =>
          stallOnLostConnection(
            () =>
              this.#runRange(sp, [group, group, action.index, action.index], action.kind === "delete", track),
            signal,
          ),
        );
        if (result.refusedGroups.length > 0) outcome.skipped.push(action.index);
      } catch (error) {
        const classified = classifyPostgresError(error);
        if (classified.kind !== "item") throw error;
        outcome.failures.push({
          index: action.index,
          retryable: false,
          code: classified.code,
          message:
            `event at ${batch[action.index]?.position ?? `index ${action.index}`}: ${action.kind} of ` +
            `${rowDestination(this.#layout.mapping, action.key)} refused: ${classified.message} (SQLSTATE ${classified.code})`,
        });
      }
    }
  }

  async #runRange(
    sql: postgres.TransactionSql,
    range: [number, number, number, number],
    hasDeletes: boolean,
    track: Track,
  ): Promise<RangeOutcome> {
    const guarded = this.#layout.mapping.versionGuard !== undefined;
    if (!guarded && hasDeletes) await track(sql.unsafe(this.#statements.delete, range, { prepare: true }));
    const rows = await track(sql.unsafe(this.#statements.upsert, range, { prepare: true }));
    return { refusedGroups: guarded ? rows.map((row) => Number(row.g)) : [] };
  }

  /** Skipped: every event of a key whose newest event in the batch the guard refused. */
  #recordRefused(
    result: RangeOutcome,
    inRange: readonly Staged[],
    outcome: { failures: ItemFailure[]; skipped: number[] },
  ): void {
    if (result.refusedGroups.length === 0) return;
    const refused = new Set(result.refusedGroups);
    for (const { action, group } of inRange) if (refused.has(group)) outcome.skipped.push(action.index);
  }
}

/**
 * Runs `body`; when it fails because the connection is gone, never settles (unless `signal`
 * aborts) instead of rethrowing.
 *
 * Why: postgres.js (3.4.9) answers an error inside `sql.begin`/`savepoint` with a ROLLBACK on the
 * same connection, and writing to a connection the server has closed throws a TypeError from a
 * timer (`socket.write` on null) that no caller can catch: it would crash the run. `sql.begin`
 * itself rejects as soon as the connection closes, so stalling here loses nothing: the write
 * sees that rejection (CONNECTION_CLOSED) and fails the batch as retryable.
 */
async function stallOnLostConnection<T>(body: () => Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  try {
    return await body();
  } catch (error) {
    if (!isLostConnection(error)) throw error;
    return new Promise<T>((_, reject) => {
      signal?.addEventListener("abort", () => reject(new Cancelled()), { once: true });
    });
  }
}

function isLostConnection(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== "string") return false;
  return (
    code.startsWith("CONNECTION_") ||
    code.startsWith("08") ||
    code === "57P01" ||
    code === "57P02" ||
    code === "57P03" ||
    /^E(CONNRESET|PIPE|TIMEDOUT)$/.test(code)
  );
}

/**
 * The stage rows as COPY text. Every row has every column: a delete without a guard carries
 * only its key, so its value columns are sent as NULL.
 */
function encodeStage(staged: readonly Staged[], width: number): string {
  const lines: string[] = new Array(staged.length);
  for (let i = 0; i < staged.length; i++) {
    const { action, group } = staged[i]!;
    let line = `${group}\t${action.index}\t${action.kind === "delete" ? "t" : "f"}`;
    for (const cell of action.key) line += `\t${copyCell(cell)}`;
    for (const cell of action.values) line += `\t${copyCell(cell)}`;
    for (let c = action.key.length + action.values.length; c < width; c++) line += "\t\\N";
    lines[i] = line;
  }
  return lines.length === 0 ? "" : `${lines.join("\n")}\n`;
}

/**
 * Sorts actions by key (stable, so each key's events stay in read order) and numbers the key
 * groups: rows reach the table in key order, so concurrent lanes lock rows in one order.
 */
function groupByKey(actions: readonly RowAction[]): Staged[] {
  const sorted = [...actions].sort((a, b) => (a.keyId < b.keyId ? -1 : a.keyId > b.keyId ? 1 : 0));
  const staged: Staged[] = [];
  let group = -1;
  let previous: string | undefined;
  for (const action of sorted) {
    if (action.keyId !== previous) {
      group++;
      previous = action.keyId;
    }
    staged.push({ action, group });
  }
  return staged;
}

function fatal(table: string, classified: ClassifiedError): PluginError {
  return new PluginError(
    `writing table "${table}" failed: ${classified.message} (SQLSTATE ${classified.code})`,
  );
}
