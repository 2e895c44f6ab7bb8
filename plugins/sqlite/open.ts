/**
 * Opens the database the way the target needs it.
 *
 * @module
 */
import { Database } from "bun:sqlite";

/**
 * - `readonly`: for `check()` and dry runs; never creates or changes the file.
 * - `readwrite`: the file must exist.
 * - `create`: creates the file when missing (`createTable`).
 */
export type OpenMode = "readonly" | "readwrite" | "create";

/**
 * SQLite's `synchronous` setting for writable connections. In WAL mode `NORMAL` syncs only at
 * checkpoints: a committed batch survives a crash of rehydrate, but an OS crash or power loss
 * may undo the last batches. `FULL` syncs every commit (about 2-3× slower here).
 */
export type SynchronousMode = "NORMAL" | "FULL";

/**
 * Opens `path`. Writable connections switch to WAL, so readers (a user browsing the table
 * during a run) do not block the writer and the writer does not block them. Every connection
 * waits up to `busyTimeoutMs` for a lock before SQLite reports SQLITE_BUSY.
 */
export function openDatabase(
  path: string,
  mode: OpenMode,
  busyTimeoutMs: number,
  synchronous: SynchronousMode = "FULL",
): Database {
  const options =
    mode === "readonly"
      ? { readonly: true }
      : mode === "readwrite"
        ? { readwrite: true, create: false }
        : { readwrite: true, create: true };
  const db = new Database(path, options);
  try {
    // PRAGMA takes no bound parameters; the value is a validated integer, never user text.
    db.run(`PRAGMA busy_timeout = ${Math.max(0, Math.trunc(busyTimeoutMs))}`);
    if (mode !== "readonly") {
      db.run("PRAGMA journal_mode = WAL");
      db.run(`PRAGMA synchronous = ${synchronous === "NORMAL" ? "NORMAL" : "FULL"}`);
    }
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}
