/**
 * A checkpoint in a local file, written crash-safely: the new content goes to a temp file in the
 * same folder, which is fsynced and renamed over the checkpoint, and then the folder is fsynced
 * so the rename itself survives a power loss. A reader therefore sees the old checkpoint or the
 * new one, never a torn one.
 *
 * @module
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { type CheckpointDocument, parseCheckpoint } from "./format.ts";
import { CheckpointOwnershipError, type CheckpointStore } from "./store.ts";

/** A checkpoint kept in one local file. */
export class FileCheckpointStore implements CheckpointStore {
  readonly location: string;
  /** The `rev` last loaded or saved; `undefined` before the first load (no file expected). */
  private knownRev: number | undefined;

  constructor(readonly path: string) {
    this.location = path;
  }

  async load(): Promise<CheckpointDocument | undefined> {
    const doc = this.read();
    this.knownRev = doc?.rev;
    return doc;
  }

  async save(doc: CheckpointDocument): Promise<void> {
    // Local files have no compare-and-swap; re-reading the rev catches a second run started on
    // the same file (the common mistake), not two writes racing within microseconds.
    const onDisk = this.read();
    if (onDisk !== undefined && onDisk.rev !== this.knownRev) {
      throw new CheckpointOwnershipError(
        this.location,
        `stored rev ${onDisk.rev}, expected ${this.knownRev}`,
      );
    }
    const folder = dirname(this.path);
    mkdirSync(folder, { recursive: true });
    const temp = join(folder, `.${basename(this.path)}.${process.pid}.tmp`);
    const fd = openSync(temp, "w");
    try {
      writeSync(fd, JSON.stringify(doc) + "\n");
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, this.path);
    syncFolder(folder);
    this.knownRev = doc.rev;
  }

  private read(): CheckpointDocument | undefined {
    let text: string;
    try {
      text = readFileSync(this.path, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw new Error(`${this.location}: cannot read the checkpoint: ${(error as Error).message}`);
    }
    return parseCheckpoint(text, this.location);
  }
}

/** Fsyncs a folder so a rename in it is durable. Windows cannot open folders: skipped there. */
function syncFolder(folder: string): void {
  if (process.platform === "win32") return;
  const fd = openSync(folder, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
