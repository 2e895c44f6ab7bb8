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
 * Thrown by {@link toCell} for a number that is not finite. JSON cannot write NaN or Infinity,
 * but `JSON.parse("1e400")` is Infinity: storing NULL (or JSON's `null`) instead would silently
 * lose the value, so the mapping fails that event with `NumberOutOfRange`.
 */
export class NonFiniteNumberError extends Error {
  constructor(readonly value: number) {
    super(`${value} is not a finite number (a JSON number too large for a double, such as 1e400?)`);
  }
}

/**
 * Converts a value found at a JSON path: strings, numbers and booleans as they are, objects and
 * arrays as JSON text, a missing path (`undefined`) and `null` as NULL. With `asJson`, every
 * present value becomes JSON text (a string is stored quoted), for columns declared `JSON`.
 * Throws {@link NonFiniteNumberError} for a non-finite number, also one nested in an object.
 */
export function toCell(value: unknown, asJson = false): Cell {
  if (value === undefined || value === null) return null;
  if (asJson) return toJsonText(value);
  switch (typeof value) {
    case "string":
    case "boolean":
      return value;
    case "number":
      if (!Number.isFinite(value)) throw new NonFiniteNumberError(value);
      return value;
    case "bigint":
      return value.toString();
    default:
      return toJsonText(value);
  }
}

/** A key cell: like {@link toCell}, but `undefined` when the key value is missing (or null). */
export function toKeyCell(value: unknown): Exclude<Cell, null> | undefined {
  const cell = toCell(value);
  return cell === null ? undefined : cell;
}

/**
 * `JSON.stringify`, refusing non-finite numbers (which it would write as `null`). The scan for
 * them runs only when the text contains `null`, so ordinary values pay nothing extra.
 */
export function toJsonText(value: unknown): string {
  const text = JSON.stringify(value);
  if (text.includes("null")) {
    const bad = findNonFinite(value);
    if (bad !== undefined) throw new NonFiniteNumberError(bad);
  }
  return text;
}

function findNonFinite(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? undefined : value;
  if (value === null || typeof value !== "object") return undefined;
  for (const item of Array.isArray(value) ? value : Object.values(value)) {
    const bad = findNonFinite(item);
    if (bad !== undefined) return bad;
  }
  return undefined;
}
