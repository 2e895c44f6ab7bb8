/**
 * A model of one table for the TDS fake: it collects the rows the target stages (parameters of
 * the one-request path, BulkLoad rows of the bulk path) and applies the merge as its statement
 * is documented to behave (plugins/sqlserver/statements.ts `mergeSql`): rows of keys deleted in
 * the batch removed first (no guard), then one row per key — the last event, or under a version
 * guard the highest version, earliest among equals, applied only over an absent, NULL or lower
 * version, deletes as tombstones — with the counts and the guard's refused events as the
 * merge's result sets.
 *
 * This lets the conformance kit and the fault tests run the target end to end here. It checks
 * the target's side (what it stages, how it batches, isolates and retries), **not** SQL Server's
 * semantics: the model is this project's reading of the statement, which only the live suite
 * checks against a server. Keys compare as SQL Server's default collations do (case-insensitive,
 * trailing spaces ignored).
 *
 * @module
 */
import type { TdsRequest, TdsResponse, TdsValue } from "../fakes/tds-server.ts";
import { mergeAnswer } from "./support.ts";

/** The mapping the model applies: the same column names the target's config gives. */
export interface TableModelShape {
  keys: string[];
  /** Value columns in the mapping's order (columns, then the JSON column). */
  values: string[];
  /** The version column (one of `values`), under a guard. */
  version?: string;
  /** The tombstone column, under a guard with deletes. */
  tombstone?: string;
}

interface StagedRow {
  cells: TdsValue[];
  seq: number;
  delete: boolean;
}

/** One table and the stages in flight, per connection. */
export class TableModel {
  /** Rows by normalized key. */
  readonly rows = new Map<string, Record<string, unknown>>();
  readonly #staged = new Map<number, StagedRow[]>();

  constructor(readonly shape: TableModelShape) {}

  /** The rows, sorted by key, as plain objects (what the conformance kit compares). */
  state(): Array<Record<string, unknown>> {
    return [...this.rows.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, row]) => ({ ...row }));
  }

  /**
   * Handles the requests that stage and merge; returns undefined for the rest. A one-request
   * write is staged and merged at once; a bulk load is staged on its connection until the merge.
   */
  handle(request: TdsRequest): TdsResponse | undefined {
    if (request.kind === "bulk") {
      const rows = this.#stageOf(request.connection);
      for (const row of request.bulk!.rows) {
        const cells = row.slice(0, -2);
        rows.push({ cells, seq: Number(row.at(-2)), delete: row.at(-1) === true });
      }
      return undefined;
    }
    if (/CREATE TABLE #rehydrate_stage/.test(request.sql) && !/\bMERGE\b/.test(request.sql)) {
      this.#staged.set(request.connection, []);
      return undefined;
    }
    if (!/\bMERGE\b/.test(request.sql)) return undefined;
    let rows = this.#stageOf(request.connection);
    if (request.kind === "rpc") rows = stagedFromValues(request);
    this.#staged.delete(request.connection);
    return this.#merge(rows);
  }

  #stageOf(connection: number): StagedRow[] {
    let rows = this.#staged.get(connection);
    if (rows === undefined) {
      rows = [];
      this.#staged.set(connection, rows);
    }
    return rows;
  }

  #merge(staged: StagedRow[]): TdsResponse {
    const { keys, values, version, tombstone } = this.shape;
    const counts: Record<string, number> = {};
    const count = (action: string) => {
      counts[action] = (counts[action] ?? 0) + 1;
    };
    const keyOf = (row: StagedRow) => normalize(row.cells.slice(0, keys.length));
    const groups = new Map<string, StagedRow[]>();
    for (const row of staged) {
      const key = keyOf(row);
      groups.set(key, [...(groups.get(key) ?? []), row]);
    }
    const versionAt = version === undefined ? -1 : keys.length + values.indexOf(version);
    const skipped: number[] = [];
    const write = (key: string, winner: StagedRow) => {
      const row: Record<string, unknown> = {};
      keys.forEach((name, i) => {
        row[name] = plain(winner.cells[i]);
      });
      values.forEach((name, i) => {
        row[name] = plain(winner.cells[keys.length + i]);
      });
      if (tombstone !== undefined) row[tombstone] = winner.delete;
      count(this.rows.has(key) ? "UPDATE" : "INSERT");
      this.rows.set(key, row);
    };
    for (const [key, rows] of groups) {
      if (version === undefined) {
        if (rows.some((r) => r.delete) && this.rows.delete(key)) count("DELETE");
        const last = rows.reduce((a, b) => (b.seq > a.seq ? b : a));
        if (!last.delete) write(key, last);
        continue;
      }
      const winner = rows.reduce((a, b) => {
        const order = compare(b.cells[versionAt], a.cells[versionAt]);
        return order > 0 || (order === 0 && b.seq < a.seq) ? b : a;
      });
      const held = this.rows.get(key)?.[version];
      if (held === undefined || held === null || compare(held as TdsValue, winner.cells[versionAt]) < 0)
        write(key, winner);
      else skipped.push(...rows.map((r) => r.seq));
    }
    return mergeAnswer(counts, version === undefined ? undefined : skipped.sort((a, b) => a - b));
  }
}

/** The staged rows of a one-request write: `VALUES (@p0, @p1, <seq>, <delete>)` tuples. */
function stagedFromValues(request: TdsRequest): StagedRow[] {
  const byName = new Map(request.params.map((p) => [p.name, p.value]));
  const rows: StagedRow[] = [];
  for (const match of request.sql.matchAll(/\(((?:@p\d+, )*@p\d+), (\d+), ([01])\)/g)) {
    const names = match[1]!.split(", ");
    rows.push({
      cells: names.map((n) => byName.get(n) ?? null),
      seq: Number(match[2]),
      delete: match[3] === "1",
    });
  }
  return rows;
}

function normalize(cells: TdsValue[]): string {
  return JSON.stringify(cells.map((c) => (typeof c === "string" ? c.toLowerCase().trimEnd() : String(c))));
}

function plain(value: TdsValue): unknown {
  return typeof value === "bigint" ? Number(value) : value;
}

function compare(a: TdsValue, b: TdsValue): number {
  if (typeof a === "bigint" || typeof b === "bigint" || typeof a === "number" || typeof b === "number") {
    const x = Number(a);
    const y = Number(b);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  const x = String(a);
  const y = String(b);
  return x < y ? -1 : x > y ? 1 : 0;
}
