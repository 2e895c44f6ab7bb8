/**
 * Turns values read from an event into SQL cell values, the same way for every backend.
 *
 * @module
 */

/**
 * A value bound to a SQL parameter. Booleans are kept so a backend with a boolean type
 * (PostgreSQL) can use it; SQLite binds them as 1/0.
 */
export type Cell = string | number | boolean | null;

/**
 * Converts a value found at a JSON path: strings, numbers and booleans as they are, objects and
 * arrays as JSON text, a missing path (`undefined`) and `null` as NULL. With `asJson`, every
 * present value becomes JSON text (a string is stored quoted), for columns declared `JSON`.
 */
export function toCell(value: unknown, asJson = false): Cell {
  if (value === undefined || value === null) return null;
  if (asJson) return JSON.stringify(value);
  switch (typeof value) {
    case "string":
    case "boolean":
      return value;
    case "number":
      // JSON has no NaN/Infinity, but a mapped envelope might; NULL beats a bogus number.
      return Number.isFinite(value) ? value : null;
    case "bigint":
      return value.toString();
    default:
      return JSON.stringify(value);
  }
}

/** A key cell: like {@link toCell}, but `undefined` when the key value is missing (or null). */
export function toKeyCell(value: unknown): Exclude<Cell, null> | undefined {
  const cell = toCell(value);
  return cell === null ? undefined : cell;
}
