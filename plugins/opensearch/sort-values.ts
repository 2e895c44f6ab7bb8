/**
 * Sort values as the server sends them, compared as the server compares them, so a k-way merge
 * of slices restores exactly the order one stream would have.
 *
 * - Kept as the raw JSON text of the `sort` array: longs beyond 2^53 (a `date_nanos` or a long
 *   tiebreak) stay exact in `search_after` and in resume cursors.
 * - Keywords compare by their UTF-8 bytes (Lucene's order), not by UTF-16 code units.
 * - A missing value (`null`, or the min/max long the server substitutes) sorts last in ascending order.
 *
 * @module
 */

/** One parsed sort value: number or exact integer, string, or missing. */
export type SortValue = number | bigint | string | null;

/** Parses a raw `sort` array, keeping integers beyond 2^53 exact (as bigint). */
export function parseSortValues(raw: string): SortValue[] {
  // Without a run of 16+ digits no integer can pass 2^53: the plain parse (a reviver costs 10×).
  if (!/\d{16}/.test(raw)) {
    const plain = JSON.parse(raw) as unknown;
    if (!Array.isArray(plain)) throw new SyntaxError("sort values must be an array");
    return plain as SortValue[];
  }
  const parsed = JSON.parse(raw, (_key, value, context?: { source?: string }) => {
    if (
      typeof value === "number" &&
      !Number.isSafeInteger(value) &&
      context?.source &&
      /^-?\d+$/.test(context.source)
    ) {
      return BigInt(context.source);
    }
    return value;
  }) as unknown;
  if (!Array.isArray(parsed)) throw new SyntaxError("sort values must be an array");
  return parsed as SortValue[];
}

const encoder = new TextEncoder();

/** Compares two values of one sort field (ascending). */
export function compareSortValue(a: SortValue, b: SortValue): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  if (typeof a === "string" && typeof b === "string") return compareUtf8(a, b);
  if (typeof a !== "string" && typeof b !== "string") {
    if (typeof a === "bigint" || typeof b === "bigint") {
      const x = typeof a === "bigint" ? a : Number.isInteger(a) ? BigInt(a) : undefined;
      const y = typeof b === "bigint" ? b : Number.isInteger(b) ? BigInt(b) : undefined;
      if (x !== undefined && y !== undefined) return x < y ? -1 : x > y ? 1 : 0;
      return Number(a) < Number(b) ? -1 : Number(a) > Number(b) ? 1 : 0;
    }
    return a < b ? -1 : a > b ? 1 : 0;
  }
  // Mixed types do not happen within one field; order them stably anyway.
  return typeof a === "string" ? 1 : -1;
}

/** Compares two sort tuples field by field. */
export function compareSortTuples(a: readonly SortValue[], b: readonly SortValue[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const c = compareSortValue(a[i]!, b[i]!);
    if (c !== 0) return c;
  }
  return a.length - b.length;
}

function compareUtf8(a: string, b: string): number {
  // Fast path: no code unit at or above the surrogates, where UTF-16 and UTF-8 orders agree.
  if (!/[\ud800-\uffff]/.test(a) && !/[\ud800-\uffff]/.test(b)) return a < b ? -1 : a > b ? 1 : 0;
  return Buffer.compare(encoder.encode(a), encoder.encode(b));
}
