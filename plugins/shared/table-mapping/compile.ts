/**
 * Compiles a {@link TableMappingConfig} into the per-event work a SQL target does: read the key,
 * decide upsert or delete, build the row. Backend-independent; the host provides the JSON path
 * and pattern compilers.
 *
 * @module
 */
import { type Envelope, type Host, type ItemFailure, PluginError } from "../../../src/sdk/index.ts";
import { type Cell, NonFiniteNumberError, toCell, toJsonText, toKeyCell } from "./cells.ts";
import { JSON_TYPE, type TableMappingConfig } from "./config.ts";

/** A column whose value comes from the event. */
export interface MappedColumn {
  /** Column name, unquoted. */
  readonly name: string;
  /** The JSON path it reads, for messages (`$` for the whole-event JSON column). */
  readonly path: string;
  /** Whether every value is stored as JSON text. */
  readonly json: boolean;
  /** Reads the column's value from an envelope. */
  readonly read: (envelope: Envelope) => unknown;
}

/** What one event does to the table. */
export interface RowAction {
  /** Index of the event in the batch. */
  readonly index: number;
  readonly kind: "upsert" | "delete";
  /** Key cells, in {@link TableMapping.keys} order. */
  readonly key: ReadonlyArray<Exclude<Cell, null>>;
  /** A string identifying the key (type-exact: `42` and `"42"` differ), for collapsing. */
  readonly keyId: string;
  /**
   * Value cells in {@link TableMapping.values} order; empty for deletes, except under a version
   * guard, where a delete writes a tombstone row with the delete event's values.
   */
  readonly values: readonly Cell[];
  /** Under a version guard: the event's version cell (never null; also among `values`). */
  readonly version?: Exclude<Cell, null>;
}

/** A compiled table mapping. */
export interface TableMapping {
  readonly table: string;
  readonly keys: readonly MappedColumn[];
  /** Value columns: `columns` in config order, then the JSON column. */
  readonly values: readonly MappedColumn[];
  /** The column holding the whole event as JSON text, if any (also listed in `values`). */
  readonly jsonColumn?: string;
  /** Whether some events delete (`deleteWhen` is set). */
  readonly deletes: boolean;
  /** The version guard's column (one of `values`) and its index in `values`, if any. */
  readonly versionGuard?: { readonly column: MappedColumn; readonly valueIndex: number };
  /** Under a version guard with deletes: the boolean column marking tombstone rows. */
  readonly tombstoneColumn?: string;
  /** Declared type of a column from `types` (upper case), if any. */
  declaredType(column: string): string | undefined;
  /**
   * Maps one event to its action, or to a non-retryable failure: `MissingKey`, `MissingVersion`
   * (under a version guard) or `NumberOutOfRange` (a non-finite number, which JSON parses
   * `1e400` as, would otherwise become NULL).
   */
  actionFor(envelope: Envelope, index: number): RowAction | ItemFailure;
  /**
   * The key id ({@link RowAction.keyId}) of an event, or `undefined` when it has none: a
   * target's `rowKey`, so the engine can order lanes per row.
   */
  keyIdOf(event: unknown): string | undefined;
}

/** Compiles a mapping. Throws a PluginError (from the host) for a bad JSON path or pattern. */
export function compileTableMapping(
  config: TableMappingConfig,
  host: Pick<Host, "jsonPath" | "matcher">,
): TableMapping {
  const types = new Map(
    Object.entries(config.types ?? {}).map(([c, t]) => [c.toLowerCase(), t.toUpperCase()]),
  );
  const declaredType = (column: string) => types.get(column.toLowerCase());
  const fromPath = (name: string, path: string): MappedColumn => {
    const get = host.jsonPath(path);
    return { name, path, json: declaredType(name) === JSON_TYPE, read: (envelope) => get(envelope.event) };
  };
  const keys = Object.entries(config.key).map(([name, path]) => fromPath(name, path));
  const values = Object.entries(config.columns ?? {}).map(([name, path]) => fromPath(name, path));
  if (config.jsonColumn !== undefined) {
    // The source's own text is the event's JSON already (same value): no re-serialising.
    values.push({
      name: config.jsonColumn,
      path: "$",
      json: false,
      // Without source text, serialise refusing non-finite numbers (see toJsonText).
      read: (e) => e.text ?? toJsonText(e.event),
    });
  }
  const isDelete = config.deleteWhen === undefined ? () => false : compileCondition(config.deleteWhen, host);
  const versionIndex = config.ifNewer === undefined ? -1 : values.findIndex((c) => c.name === config.ifNewer);
  const versionGuard =
    versionIndex < 0 ? undefined : { column: values[versionIndex]!, valueIndex: versionIndex };
  const failure = (index: number, code: string, message: string): ItemFailure => ({
    index,
    retryable: false,
    code,
    message,
  });
  const readCells = (envelope: Envelope, index: number): Cell[] | ItemFailure => {
    const cells: Cell[] = [];
    for (const column of values) {
      try {
        cells.push(toCell(column.read(envelope), column.json));
      } catch (error) {
        if (!(error instanceof NonFiniteNumberError)) throw error;
        return failure(
          index,
          "NumberOutOfRange",
          `event at ${envelope.position}: ${column.path} for column "${column.name}" of table "${config.table}" is ${error.message}`,
        );
      }
    }
    return cells;
  };

  return {
    table: config.table,
    keys,
    values,
    deletes: config.deleteWhen !== undefined,
    ...(config.jsonColumn !== undefined ? { jsonColumn: config.jsonColumn } : {}),
    ...(versionGuard !== undefined ? { versionGuard } : {}),
    ...(versionGuard !== undefined && config.tombstoneColumn !== undefined
      ? { tombstoneColumn: config.tombstoneColumn }
      : {}),
    declaredType,
    keyIdOf(event) {
      const envelope = { event, position: "", seq: 0, record: event } as unknown as Envelope;
      const key: Array<Exclude<Cell, null>> = [];
      for (const column of keys) {
        let cell: Exclude<Cell, null> | undefined;
        try {
          cell = toKeyCell(column.read(envelope));
        } catch {
          return undefined;
        }
        if (cell === undefined) return undefined;
        key.push(cell);
      }
      return key.length === 1 ? JSON.stringify(key[0]) : JSON.stringify(key);
    },
    actionFor(envelope, index) {
      const key: Array<Exclude<Cell, null>> = [];
      for (const column of keys) {
        let cell: Exclude<Cell, null> | undefined;
        try {
          cell = toKeyCell(column.read(envelope));
        } catch (error) {
          if (!(error instanceof NonFiniteNumberError)) throw error;
          return failure(
            index,
            "NumberOutOfRange",
            `event at ${envelope.position}: ${column.path} for key column "${column.name}" of table "${config.table}" is ${error.message}`,
          );
        }
        if (cell === undefined) {
          return failure(
            index,
            "MissingKey",
            `event at ${envelope.position} has no value at ${column.path} for key column "${column.name}" of table "${config.table}"`,
          );
        }
        key.push(cell);
      }
      const keyId = key.length === 1 ? JSON.stringify(key[0]) : JSON.stringify(key);
      const kind = isDelete(envelope.event) ? "delete" : "upsert";
      // Without a guard a delete needs only its key; under one it writes a tombstone row.
      if (kind === "delete" && versionGuard === undefined) return { index, kind, key, keyId, values: [] };
      const cells = readCells(envelope, index);
      if (!Array.isArray(cells)) return cells;
      if (versionGuard === undefined) return { index, kind, key, keyId, values: cells };
      const version = cells[versionGuard.valueIndex];
      if (version === null || version === undefined) {
        return failure(
          index,
          "MissingVersion",
          `event at ${envelope.position} has no value at ${versionGuard.column.path} for the version column "${versionGuard.column.name}" (ifNewer) of table "${config.table}"`,
        );
      }
      return { index, kind, key, keyId, values: cells, version };
    },
  };
}

/** Compiles `deleteWhen`, naming the field when the pattern is invalid. */
function compileCondition(pattern: unknown, host: Pick<Host, "matcher">): (event: unknown) => boolean {
  try {
    return host.matcher(pattern);
  } catch (error) {
    throw new PluginError(error instanceof Error ? error.message : String(error), "deleteWhen");
  }
}

/** Narrows {@link TableMapping.actionFor}'s result. */
export function isRowAction(result: RowAction | ItemFailure): result is RowAction {
  return "kind" in result;
}
