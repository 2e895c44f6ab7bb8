/**
 * Writes batches of events to one SQLite table: one transaction per batch, last write wins per
 * key, and per-item failures isolated with savepoints so every event is either written or
 * reported failed.
 *
 * @module
 */
import type { Database, Statement } from "bun:sqlite";
import { type Envelope, type ItemFailure, PluginError, type WriteResult } from "../../src/sdk/index.ts";
import type { Cell } from "../shared/table-mapping/cells.ts";
import { collapseByKey } from "../shared/table-mapping/collapse.ts";
import { isRowAction, type RowAction, type TableMapping } from "../shared/table-mapping/compile.ts";
import { rowDestination } from "../shared/table-mapping/describe.ts";
import { classifySqliteError } from "./errors.ts";
import { deleteSql, upsertSql } from "./sql.ts";

/** Suggested wait before retrying items refused with SQLITE_BUSY (after the busy timeout). */
const BUSY_RETRY_AFTER_MS = 250;

type Binding = string | number | null;

/** The SQLite write path for one mapped table, with its statements prepared once. */
export class SqliteTableWriter {
  readonly #db: Database;
  readonly #mapping: TableMapping;
  readonly #upsert: Statement;
  readonly #delete: Statement;
  readonly #begin: Statement;
  readonly #commit: Statement;
  readonly #rollback: Statement;
  readonly #savepoint: Statement;
  readonly #release: Statement;
  readonly #rollbackTo: Statement;

  constructor(db: Database, mapping: TableMapping) {
    this.#db = db;
    this.#mapping = mapping;
    this.#upsert = db.prepare(upsertSql(mapping));
    this.#delete = db.prepare(deleteSql(mapping));
    // IMMEDIATE takes the write lock up front, so a busy database fails at BEGIN (nothing done
    // yet) instead of half-way through the batch.
    this.#begin = db.prepare("BEGIN IMMEDIATE");
    this.#commit = db.prepare("COMMIT");
    this.#rollback = db.prepare("ROLLBACK");
    this.#savepoint = db.prepare("SAVEPOINT rehydrate_write");
    this.#release = db.prepare("RELEASE rehydrate_write");
    this.#rollbackTo = db.prepare("ROLLBACK TO rehydrate_write");
  }

  /**
   * Finalizes the prepared statements. Until they are, closing the database only marks it for
   * closing: the real close (and its WAL checkpoint) would happen later, whenever the statements
   * are collected, changing the file after the run said it was done.
   */
  finalize(): void {
    for (const statement of [
      this.#upsert,
      this.#delete,
      this.#begin,
      this.#commit,
      this.#rollback,
      this.#savepoint,
      this.#release,
      this.#rollbackTo,
    ])
      statement.finalize();
  }

  /**
   * Writes a batch in one transaction. Events without a key fail with `MissingKey`. The batch
   * is first written collapsed (one statement per key); if SQLite refuses a row, the collapsed
   * attempt is rolled back and the events are applied one by one, each in a savepoint, so only
   * the refused events fail and the table still ends as if applied in order.
   * SQLITE_BUSY fails every keyed event as retryable; other errors (no such table, read-only
   * file, I/O) throw, since the target is broken.
   */
  write(batch: readonly Envelope[]): WriteResult {
    const keyFailures: ItemFailure[] = [];
    const actions: RowAction[] = [];
    batch.forEach((envelope, index) => {
      const result = this.#mapping.actionFor(envelope, index);
      if (isRowAction(result)) actions.push(result);
      else keyFailures.push(result);
    });
    if (actions.length === 0) return { failures: keyFailures };

    let rowFailures: ItemFailure[] = [];
    try {
      this.#begin.run();
      this.#savepoint.run();
      try {
        this.#writeCollapsed(actions);
        this.#release.run();
      } catch (error) {
        if (classifySqliteError(error).kind !== "item") throw error;
        this.#rollbackTo.run();
        this.#release.run();
        rowFailures = this.#writeOneByOne(actions);
      }
      this.#commit.run();
    } catch (error) {
      if (this.#db.inTransaction) this.#rollback.run();
      const classified = classifySqliteError(error);
      if (classified.kind !== "busy") {
        throw new PluginError(
          `writing table "${this.#mapping.table}" failed: ${classified.message} (${classified.code})`,
        );
      }
      // Nothing of the batch was committed: every keyed event is retried.
      rowFailures = actions.map((action) => ({
        index: action.index,
        retryable: true,
        code: classified.code,
        message: `database is busy (${classified.message}); ${rowDestination(this.#mapping, action.key)} will be retried`,
        retryAfterMs: BUSY_RETRY_AFTER_MS,
      }));
    }
    const failures = [...keyFailures, ...rowFailures].sort((a, b) => a.index - b.index);
    const refused = new Set(rowFailures.map((f) => f.index));
    const done: Record<string, number> = {};
    for (const action of actions)
      if (!refused.has(action.index)) done[action.kind] = (done[action.kind] ?? 0) + 1;
    return { failures, actions: done };
  }

  #writeCollapsed(actions: readonly RowAction[]): void {
    for (const write of collapseByKey(actions)) {
      if (write.kind !== "upsert") this.#delete.run(...bindAll(write.last.key));
      if (write.kind !== "delete")
        this.#upsert.run(...bindAll(write.last.key), ...bindAll(write.last.values));
    }
  }

  /** Applies actions in order, each in its own savepoint; returns the refused ones. */
  #writeOneByOne(actions: readonly RowAction[]): ItemFailure[] {
    const failures: ItemFailure[] = [];
    for (const action of actions) {
      this.#savepoint.run();
      try {
        if (action.kind === "delete") this.#delete.run(...bindAll(action.key));
        else this.#upsert.run(...bindAll(action.key), ...bindAll(action.values));
        this.#release.run();
      } catch (error) {
        const classified = classifySqliteError(error);
        if (classified.kind !== "item") throw error;
        this.#rollbackTo.run();
        this.#release.run();
        failures.push({
          index: action.index,
          retryable: false,
          code: classified.code,
          message: `${action.kind} of ${rowDestination(this.#mapping, action.key)} refused: ${classified.message}`,
        });
      }
    }
    return failures;
  }
}

/** SQLite has no boolean: bind true/false as 1/0 (what SQLite's own TRUE/FALSE are). */
function bindAll(cells: readonly Cell[]): Binding[] {
  return cells.map((cell) => (typeof cell === "boolean" ? (cell ? 1 : 0) : cell));
}
