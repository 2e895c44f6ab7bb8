/**
 * Sorts errors from `mssql`/`tedious` into what the target does with them.
 *
 * `mssql` reports the *last* error of a request and keeps the earlier ones in
 * `precedingErrors`; SQL Server often ends with a generic one ("The statement has been
 * terminated." 3621, or 266/3998 about the transaction), so the first specific error decides.
 *
 * @module
 */

/**
 * - `retryable`: the batch was rolled back and may succeed later (deadlock, Azure transient
 *   errors, timeouts, lost connections); `throttled` when the service pushed back.
 * - `item`: a row was refused (constraint, conversion, truncation): find the events that cause it.
 * - `fatal`: the target cannot work (missing table or column, permission, login, syntax).
 */
export interface ClassifiedSqlServerError {
  kind: "retryable" | "item" | "fatal";
  /** `MSSQL_<number>` for server errors, else the driver's code (`ETIMEOUT`, `ESOCKET`…). */
  code: string;
  /** The server's or driver's message. */
  message: string;
  throttled: boolean;
  /** The server error number, when there is one. */
  number?: number;
}

/** Deadlocks, lock timeouts and Azure SQL's transient errors (reconfiguration, busy, throttling). */
export const RETRYABLE_NUMBERS = new Set([
  1205, 1222, 40613, 40501, 49918, 49919, 49920, 40197, 40143, 4221, 10928, 10929, 10053, 10054, 10060, 233,
  64,
]);
/** The service pushing back rather than failing. */
export const THROTTLING_NUMBERS = new Set([40501, 49918, 49919, 49920, 10928, 10929]);
/** A row refused: keys, constraints, NULLs, conversions, truncation, overflow, trigger errors. */
export const ITEM_NUMBERS = new Set([
  2627, 2601, 547, 515, 245, 8114, 8115, 220, 232, 241, 242, 295, 2628, 8152, 8134, 517, 8672, 13609,
]);
/** Generic follow-up errors that say nothing about the cause. */
const GENERIC_NUMBERS = new Set([3621, 266, 3998, 3902, 3903]);

const RETRYABLE_CODES = new Set([
  "ETIMEOUT",
  "ESOCKET",
  "ECONNRESET",
  "ECONNCLOSED",
  "ECLOSE",
  "ENOTOPEN",
  "ECONNREFUSED",
]);

interface DriverError {
  name?: string;
  message?: string;
  code?: string;
  number?: number;
  class?: number;
  precedingErrors?: DriverError[];
  originalError?: DriverError;
  info?: DriverError;
}

/** Classifies an error thrown by an `mssql` request, transaction or pool. */
export function classifySqlServerError(error: unknown): ClassifiedSqlServerError {
  const top = (error ?? {}) as DriverError;
  // mssql wraps tedious's errors (Transaction and bulk errors keep the server's number in
  // `originalError` or its `info`), so look through the wrappers too.
  const all = [...(top.precedingErrors ?? []), top].flatMap((e) => [
    e,
    e.originalError,
    e.info,
    e.originalError?.info,
  ]);
  const numbered = all.filter((e): e is DriverError => typeof e?.number === "number" && e.number > 0);
  const chosen = numbered.find((e) => !GENERIC_NUMBERS.has(e.number!)) ?? numbered[0] ?? top;
  const message = oneLine(chosen.message ?? String(error));
  if (typeof chosen.number === "number" && chosen.number > 0) {
    const number = chosen.number;
    const code = `MSSQL_${number}`;
    if (RETRYABLE_NUMBERS.has(number))
      return { kind: "retryable", code, message, throttled: THROTTLING_NUMBERS.has(number), number };
    if (ITEM_NUMBERS.has(number) || number >= 50000)
      return { kind: "item", code, message, throttled: false, number };
    // Severity 17+ is a resource or server problem; below that an unlisted error is a statement
    // the server refused as written (a missing object, a permission, syntax): the target is broken.
    return { kind: "fatal", code, message, throttled: false, number };
  }
  const code = driverCode(top);
  if (RETRYABLE_CODES.has(code)) return { kind: "retryable", code, message, throttled: false };
  return { kind: "fatal", code, message, throttled: false };
}

function driverCode(error: DriverError): string {
  const code = error.code ?? error.originalError?.code;
  if (typeof code === "string" && code !== "") {
    // A request on a connection that died mid-way says EREQUEST with a socket cause.
    const cause = error.originalError?.code;
    if (code === "EREQUEST" && typeof cause === "string" && RETRYABLE_CODES.has(cause)) return cause;
    return code;
  }
  return error.name ?? "Error";
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}
