/**
 * Sorts PostgreSQL and connection errors into what the engine should do with them.
 *
 * @module
 */

/**
 * - `retry`: the batch may succeed later (serialization failure 40001, deadlock 40P01, admin
 *   shutdown 57P01 and friends, a lost or refused connection, too many connections, a lock
 *   or statement timeout, the server in recovery).
 * - `item`: this row is refused (class 22 data exceptions, class 23 constraint violations,
 *   a row too large): fail only the offending events.
 * - `fatal`: the target is broken (missing table or column, no permission, bad login, missing
 *   database, syntax): stop the run.
 */
export type PostgresErrorKind = "retry" | "item" | "fatal";

/** A classified error. */
export interface ClassifiedError {
  readonly kind: PostgresErrorKind;
  /** The SQLSTATE (`23505`) or the client's code (`CONNECTION_CLOSED`, `ECONNREFUSED`). */
  readonly code: string;
  /** The server's message (with its detail, when there is one); never the connection URL. */
  readonly message: string;
}

const RETRYABLE_SQLSTATES = new Set([
  "40001", // serialization_failure
  "40P01", // deadlock_detected
  "55P03", // lock_not_available (lock_timeout)
  "57014", // query_canceled (statement_timeout; our own cancel is handled by the signal)
  "57P01", // admin_shutdown
  "57P02", // crash_shutdown
  "57P03", // cannot_connect_now
  "53300", // too_many_connections
  "53400", // configuration_limit_exceeded
  "58000", // system_error
  "25006", // read_only_sql_transaction: a failover's old primary turned standby
]);

/** Classifies an error thrown by the `postgres` client. */
export function classifyPostgresError(error: unknown): ClassifiedError {
  const e = (error ?? {}) as { code?: unknown; message?: unknown; detail?: unknown; name?: unknown };
  const code = typeof e.code === "string" ? e.code : "Error";
  const base = typeof e.message === "string" ? e.message : String(error);
  const message = typeof e.detail === "string" && e.detail !== "" ? `${base} (${e.detail})` : base;
  const isServerError = e.name === "PostgresError" && /^[0-9A-Z]{5}$/.test(code);
  if (!isServerError) {
    // Client-side: lost connections, timeouts and refused sockets are worth a retry.
    const transient =
      code.startsWith("CONNECTION_") ||
      code === "CONNECT_TIMEOUT" ||
      /^E(CONNRESET|CONNREFUSED|PIPE|TIMEDOUT|HOSTUNREACH|NETUNREACH|AI_AGAIN)$/.test(code);
    return { kind: transient ? "retry" : "fatal", code, message };
  }
  if (RETRYABLE_SQLSTATES.has(code) || code.startsWith("08")) return { kind: "retry", code, message };
  if (code.startsWith("22") || code.startsWith("23") || code === "54000")
    return { kind: "item", code, message };
  return { kind: "fatal", code, message };
}
