/**
 * Sorts SQLite errors into what the engine should do with them.
 *
 * @module
 */

/**
 * - `busy`: another connection holds the lock (SQLITE_BUSY/LOCKED): retry the items later.
 * - `item`: this row is refused (constraint, datatype mismatch, too big): fail just the item.
 * - `fatal`: the target is broken (no such table/column, read-only file, disk I/O): stop.
 */
export type SqliteErrorKind = "busy" | "item" | "fatal";

/** A classified SQLite error. */
export interface ClassifiedError {
  kind: SqliteErrorKind;
  /** SQLite's extended code name, e.g. `SQLITE_CONSTRAINT_UNIQUE`, or `Error`. */
  code: string;
  /** SQLite's message, e.g. `UNIQUE constraint failed: users.email`. */
  message: string;
}

/** Classifies an error thrown by `bun:sqlite`. */
export function classifySqliteError(error: unknown): ClassifiedError {
  const message = error instanceof Error ? error.message : String(error);
  const code =
    error !== null && typeof error === "object" && typeof (error as { code?: unknown }).code === "string"
      ? (error as { code: string }).code
      : "Error";
  if (code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED"))
    return { kind: "busy", code, message };
  if (code.startsWith("SQLITE_CONSTRAINT") || code === "SQLITE_MISMATCH" || code === "SQLITE_TOOBIG") {
    return { kind: "item", code, message };
  }
  return { kind: "fatal", code, message };
}
