/**
 * Writes batches to one SQL Server table: stage the events in `#rehydrate_stage` on one held
 * connection inside a transaction, then one MERGE (see statements.ts), commit.
 *
 * Two ways to fill the stage: a small batch (≤ {@link AUTO_VALUES_MAX_ROWS} rows, within 2,100
 * parameters) goes as one request (stage, `INSERT … VALUES` with parameters, merge, commit: one
 * round trip); a larger one is bulk loaded
 * (mssql's `table` bulk API, BulkLoad packets, in chunks of `bulkChunkRows` so the driver's row
 * copy stays bounded) inside an `mssql` Transaction that holds the connection.
 *
 * Failures: an event whose value does not fit its column fails alone before anything is sent.
 * When the server refuses a row (constraint, conversion), the transaction is rolled back and the
 * events are re-run in halves, in read order, until the refused events are alone; the others
 * commit. A retryable error (deadlock, Azure transient, timeout, lost connection) fails the
 * rest of the batch as retryable; the engine retries it in order. Anything else (missing table
 * or column, permission) throws: the target is broken.
 *
 * @module
 */
import type * as Mssql from "mssql";
import {
  type Envelope,
  type Host,
  type ItemFailure,
  PluginError,
  type WriteResult,
} from "../../src/sdk/index.ts";
import { isRowAction, type TableMapping } from "../shared/table-mapping/compile.ts";
import type { StageMode } from "./config.ts";
import { driverType, type MssqlModule } from "./connection.ts";
import { classifySqlServerError } from "./errors.ts";
import { type StagedRow, stageRow } from "./layout.ts";
import {
  createStageSql,
  mergeSql,
  STAGE_TABLE,
  type StageLayout,
  stageColumns,
  valuesChunks,
  valuesWriteSql,
} from "./statements.ts";

/**
 * Most rows `stage: auto` sends as one request with parameters; larger batches are bulk loaded.
 * Measured on loopback (plugins/sqlserver/bench.ts, 2 busy cores): tedious encodes parameters
 * slower than bulk rows, so from about 50 rows the bulk path (6 round trips: begin, create,
 * insert bulk, rows, merge, commit) is cheaper on the client than one request; over a real
 * network each round trip costs ≥ 0.5 ms, which moves the break-even up, hence 100.
 */
export const AUTO_VALUES_MAX_ROWS = 100;

/** What one merge reported. */
export interface MergeOutcome {
  /** Rows per `$action` (`INSERT`, `UPDATE`, `DELETE`). */
  counts: Record<string, number>;
  /** Batch indexes of events the version guard refused. */
  skipped: number[];
}

/** Settings of a {@link SqlServerWriter}. */
export interface WriterOptions {
  stage: StageMode;
  bulkChunkRows: number;
}

/** The write path for one mapped table. */
export class SqlServerWriter {
  /** Totals since the target opened, for the log and tests. */
  readonly totals: Record<string, number> = {};

  constructor(
    private readonly mssql: MssqlModule,
    private readonly pool: Mssql.ConnectionPool,
    private readonly mapping: TableMapping,
    /** How batches are staged and merged (tests compare statements with it). */
    readonly layout: StageLayout,
    private readonly options: WriterOptions,
    private readonly host: Pick<Host, "log">,
  ) {}

  /** Writes a batch; see the module comment for what fails how. */
  async write(batch: readonly Envelope[], signal?: AbortSignal): Promise<WriteResult> {
    const failures: ItemFailure[] = [];
    const rows: StagedRow[] = [];
    for (const [index, envelope] of batch.entries()) {
      const action = this.mapping.actionFor(envelope, index);
      if (!isRowAction(action)) {
        failures.push(action);
        continue;
      }
      const row = stageRow(this.mapping, this.layout, action, envelope.position);
      if ("cells" in row) rows.push(row);
      else failures.push(row);
    }
    const skipped: number[] = [];
    if (rows.length > 0) await this.#applyInParts(rows, failures, skipped, signal);
    failures.sort((a, b) => a.index - b.index);
    return skipped.length > 0 ? { failures, skipped: skipped.sort((a, b) => a - b) } : { failures };
  }

  /**
   * Applies `rows` (in read order) in one transaction; when the server refuses a row, in halves.
   * Returns false when it stopped (retryable error or abort): every row not applied is failed.
   */
  async #applyInParts(
    rows: readonly StagedRow[],
    failures: ItemFailure[],
    skipped: number[],
    signal: AbortSignal | undefined,
  ): Promise<boolean> {
    try {
      const outcome = await this.merge(rows, signal);
      skipped.push(...outcome.skipped);
      for (const [action, count] of Object.entries(outcome.counts))
        this.totals[action] = (this.totals[action] ?? 0) + count;
      return true;
    } catch (error) {
      if (signal?.aborted) {
        for (const row of rows)
          failures.push({
            index: row.seq,
            retryable: true,
            code: "Cancelled",
            message: "the write was cancelled",
          });
        return false;
      }
      const classified = classifySqlServerError(error);
      if (classified.kind === "fatal") {
        throw new PluginError(
          `writing table "${this.mapping.table}" failed: ${classified.message} (${classified.code})`,
        );
      }
      if (classified.kind === "retryable") {
        for (const row of rows) {
          failures.push({
            index: row.seq,
            retryable: true,
            code: classified.code,
            message: `${classified.message}; the transaction was rolled back and ${row.destination} will be retried`,
            throttled: classified.throttled,
          });
        }
        return false;
      }
      if (rows.length === 1) {
        const row = rows[0]!;
        failures.push({
          index: row.seq,
          retryable: false,
          code: classified.code,
          message: `${row.delete ? "delete" : "upsert"} of ${row.destination} refused: ${classified.message}`,
        });
        return true;
      }
      // Halves in read order: applying the first then the second is applying them one by one.
      const middle = Math.ceil(rows.length / 2);
      const first = rows.slice(0, middle);
      const second = rows.slice(middle);
      if (!(await this.#applyInParts(first, failures, skipped, signal))) {
        for (const row of second) {
          failures.push({
            index: row.seq,
            retryable: true,
            code: "NotSent",
            message: `not written: an earlier part of the batch failed; ${row.destination} will be retried`,
          });
        }
        return false;
      }
      return this.#applyInParts(second, failures, skipped, signal);
    }
  }

  /** Stages `rows` and merges them in one transaction. Throws the driver's error. */
  async merge(rows: readonly StagedRow[], signal?: AbortSignal): Promise<MergeOutcome> {
    // Sorted by key, so concurrent lanes touch rows in one order.
    const sorted = [...rows].sort((a, b) =>
      a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : a.seq - b.seq,
    );
    const perRow = stageColumns(this.layout).length;
    const fits = valuesChunks(sorted.length, perRow) !== undefined;
    const values =
      this.options.stage === "values"
        ? fits
        : this.options.stage === "auto" && fits && sorted.length <= AUTO_VALUES_MAX_ROWS;
    if (values) return this.#mergeWithValues(sorted, signal);
    return this.#mergeWithBulk(sorted, signal);
  }

  async #mergeWithValues(rows: readonly StagedRow[], signal?: AbortSignal): Promise<MergeOutcome> {
    const request = this.pool.request();
    const columns = stageColumns(this.layout);
    const types = columns.map((c) => driverType(this.mssql, c.type));
    rows.forEach((row, r) => {
      row.cells.forEach((cell, c) => {
        request.input(`p${r * columns.length + c}`, types[c]!, cell);
      });
    });
    const result = await withCancel(request, signal, () => request.query(valuesWriteSql(this.layout, rows)));
    return this.#outcome(result.recordsets as unknown as Array<Array<Record<string, unknown>>>);
  }

  async #mergeWithBulk(rows: readonly StagedRow[], signal?: AbortSignal): Promise<MergeOutcome> {
    const transaction = new this.mssql.Transaction(this.pool);
    try {
      await transaction.begin();
    } catch (error) {
      releaseAfterFailedBegin(this.pool, transaction);
      throw error;
    }
    try {
      const create = new this.mssql.Request(transaction);
      await withCancel(create, signal, () =>
        create.batch(`SET XACT_ABORT ON;\n${createStageSql(this.layout)}`),
      );
      const columns = stageColumns(this.layout);
      for (let start = 0; start < rows.length; start += this.options.bulkChunkRows) {
        const table = new this.mssql.Table(STAGE_TABLE);
        for (const column of columns)
          table.columns.add(column.name, driverType(this.mssql, column.type), { nullable: true });
        table.columns.add("__seq", this.mssql.Int, { nullable: false });
        table.columns.add("__delete", this.mssql.Bit, { nullable: false });
        for (const row of rows.slice(start, start + this.options.bulkChunkRows))
          table.rows.add(...row.cells, row.seq, row.delete);
        const bulk = new this.mssql.Request(transaction);
        await withCancel(bulk, signal, () => bulk.bulk(table));
      }
      const merge = new this.mssql.Request(transaction);
      const result = await withCancel(merge, signal, () => merge.batch(mergeSql(this.layout)));
      await transaction.commit();
      return this.#outcome(result.recordsets as unknown as Array<Array<Record<string, unknown>>>);
    } catch (error) {
      // With XACT_ABORT the server has rolled back already; mssql then refuses rollback().
      await transaction.rollback().catch(() => {});
      throw error;
    }
  }

  #outcome(recordsets: Array<Array<Record<string, unknown>>>): MergeOutcome {
    const counts: Record<string, number> = {};
    for (const row of recordsets[0] ?? []) counts[String(row.action)] = Number(row.rows);
    const skipped =
      this.layout.version !== undefined ? (recordsets[1] ?? []).map((row) => Number(row.seq)) : [];
    this.host.log.debug(
      `merged into "${this.mapping.table}": ${
        Object.entries(counts)
          .map(([action, n]) => `${n} ${action.toLowerCase()}`)
          .join(", ") || "no change"
      }${skipped.length > 0 ? `, ${skipped.length} older (skipped)` : ""}`,
    );
    return { counts, skipped };
  }
}

/**
 * mssql 12.7 keeps the connection a Transaction acquired when `begin()` fails (its callback
 * never releases it), so the pool can never drain and `close()` waits forever (seen with the
 * TDS fake: an error, a timeout or a cut on the begin request). Hand it back; the pool's
 * validation discards it if it is broken.
 */
function releaseAfterFailedBegin(pool: Mssql.ConnectionPool, transaction: Mssql.Transaction): void {
  const held = transaction as unknown as { _acquiredConnection?: unknown; _acquiredConfig?: unknown };
  const connection = held._acquiredConnection;
  if (connection === undefined || connection === null) return;
  held._acquiredConnection = null;
  held._acquiredConfig = null;
  try {
    (pool as unknown as { release(connection: unknown): void }).release(connection);
  } catch {
    // Already released or the pool is closing: nothing left to hand back.
  }
}

/** Runs a request, cancelling it when `signal` fires. */
async function withCancel<T>(
  request: Mssql.Request,
  signal: AbortSignal | undefined,
  run: () => Promise<T>,
): Promise<T> {
  if (signal === undefined) return run();
  if (signal.aborted) throw new Error("cancelled");
  const cancel = () => request.cancel();
  signal.addEventListener("abort", cancel, { once: true });
  try {
    return await run();
  } finally {
    signal.removeEventListener("abort", cancel);
  }
}
