/**
 * Resume cursors and shard splits of the `file` source.
 *
 * A cursor says where the next record starts: the list of inputs (names, sorted as read), the
 * index of the current one, and inside it the byte offset and line number of the next NDJSON
 * line (from the reader), or for a JSON array the number of batches already taken (a resumed
 * read re-reads the array and skips them: batching depends only on the file, `batchSize` and the
 * prefilter, all covered by the checkpoint's configuration hash). With the current file's
 * identity — size, mtime, inode and a hash of its first 64 KiB — so a file changed since the
 * checkpoint is refused instead of being read from a wrong offset.
 *
 * stdin cannot be resumed (it cannot be read again) and cannot be split.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { open, stat } from "node:fs/promises";
import { type JsonValue, PluginError, type ShardAssignment, type SourceBatch } from "../../src/sdk/index.ts";
import type { Input } from "./resolve-inputs.ts";

/** What identifies a file's content well enough to refuse resuming a changed one. */
export type FileIdentity = {
  size: number;
  mtimeMs: number;
  ino: number;
  /** SHA-256 (hex, 16 digits) of the first 64 KiB. */
  head: string;
};

/** The cursor of the file source, as stored in checkpoints. */
export type FileCursor = {
  v: 1;
  /** Every input of this (shard of the) run, by name, in read order. */
  files: string[];
  /** Index in `files` of the next record's file; `files.length` when all are read. */
  file: number;
  /** NDJSON: byte offset (after a BOM) and line number of the next line in that file. */
  offset: number;
  line: number;
  /**
   * The next line is the first one *starting at or after* `offset` (a worker range's end, which
   * may fall inside a line), not one starting exactly there.
   */
  align?: true;
  /** JSON array: batches of that file already taken. */
  batches?: number;
  /** The identity of `files[file]` when reading it had begun (`offset` or `batches` > 0). */
  identity?: FileIdentity;
};

/** Bytes of a file's head that go into its identity. */
const HEAD_BYTES = 64 * 1024;

/** Reads a file's identity: one `stat` and one read of its first 64 KiB. */
export async function fileIdentity(path: string): Promise<FileIdentity> {
  const info = await stat(path);
  const handle = await open(path, "r");
  try {
    const buffer = new Uint8Array(Math.min(HEAD_BYTES, info.size));
    await handle.read(buffer, 0, buffer.length, 0);
    return {
      size: info.size,
      mtimeMs: Math.floor(info.mtimeMs),
      ino: info.ino,
      head: createHash("sha256").update(buffer).digest("hex").slice(0, 16),
    };
  } finally {
    await handle.close();
  }
}

/**
 * The inputs shard `shard` reads: the sorted input list cut round-robin, input j to shard
 * j mod N, so every shard gets a deterministic part and the parts cover every input once.
 */
export function shardInputs(inputs: readonly Input[], shard: ShardAssignment | undefined): Input[] {
  if (!shard || shard.count <= 1) return [...inputs];
  if (inputs.some((input) => input.path === undefined)) {
    throw new PluginError("stdin cannot be split into shards; read files instead", "file source");
  }
  return inputs.filter((_, j) => j % shard.count === shard.index);
}

/** Checks a stored cursor against the inputs of this run; throws a PluginError saying what changed. */
export async function checkCursor(value: JsonValue, inputs: readonly Input[]): Promise<FileCursor> {
  const cursor = value as FileCursor;
  if (cursor === null || typeof cursor !== "object" || cursor.v !== 1 || !Array.isArray(cursor.files)) {
    throw new PluginError("the checkpoint's cursor is not a file source cursor", "file source");
  }
  if (inputs.some((input) => input.path === undefined)) {
    throw new PluginError("stdin cannot be resumed (it cannot be read again); read files instead", "-");
  }
  const names = inputs.map((input) => input.name);
  if (names.length !== cursor.files.length || names.some((name, i) => name !== cursor.files[i])) {
    const gone = cursor.files.filter((name) => !names.includes(name));
    const added = names.filter((name) => !cursor.files.includes(name));
    throw new PluginError(
      `the inputs changed since the checkpoint (${
        [
          gone.length > 0 ? `gone: ${gone.slice(0, 3).join(", ")}` : "",
          added.length > 0 ? `new: ${added.slice(0, 3).join(", ")}` : "",
        ]
          .filter(Boolean)
          .join("; ") || "another order"
      }); use --restart to start over`,
      "file source",
    );
  }
  const current = inputs[cursor.file];
  if (current && cursor.identity) {
    const now = await fileIdentity(current.path!);
    const stored = cursor.identity;
    const changed = (Object.keys(stored) as Array<keyof FileIdentity>).filter(
      (key) => stored[key] !== now[key],
    );
    if (changed.length > 0) {
      throw new PluginError(
        `the file changed since the checkpoint (${changed.join(", ")} differ); use --restart to read it again from the start`,
        current.name,
      );
    }
  }
  return cursor;
}

/**
 * Drops the first `count` bytes of a byte stream (a resumed NDJSON read that cannot seek). With
 * `align`, the stream then starts at the first line starting at or after `count`: the bytes from
 * `count - 1` through the next newline are dropped too.
 */
export async function* skipBytes(
  input: AsyncIterable<Uint8Array>,
  count: number,
  align = false,
): AsyncGenerator<Uint8Array> {
  let left = align ? count - 1 : count;
  let seeking = align;
  for await (const whole of input) {
    if (left >= whole.length) {
      left -= whole.length;
      continue;
    }
    let chunk = left > 0 ? whole.subarray(left) : whole;
    left = 0;
    if (seeking) {
      const newline = chunk.indexOf(10);
      if (newline === -1) continue;
      seeking = false;
      chunk = chunk.subarray(newline + 1);
      if (chunk.length === 0) continue;
    }
    yield chunk;
  }
  if (left > 0) throw new PluginError(`the file is shorter than the checkpoint's offset`, "file source");
}

/** Where reading one input starts; `undefined` when the cursor is past it (already read). */
export interface InputStart {
  offset: number;
  line: number;
  batches: number;
  /** See {@link FileCursor.align}. */
  align?: true;
}

/** Where to start input `index`, given the cursor resumed from (none: at its beginning). */
export function startOf(cursor: FileCursor | undefined, index: number): InputStart | undefined {
  if (!cursor || index > cursor.file) return { offset: 0, line: 1, batches: 0 };
  if (index < cursor.file) return undefined;
  return {
    offset: cursor.offset,
    line: cursor.line,
    batches: cursor.batches ?? 0,
    ...(cursor.align ? { align: true as const } : {}),
  };
}

/** What {@link stampCursors} needs to know about the input being read. */
export interface StampOptions {
  files: string[];
  index: number;
  identity: FileIdentity | undefined;
  format: "ndjson" | "array";
  start: InputStart;
}

/**
 * Replaces each batch's reader cursor (NDJSON offset and line) with the file source's cursor,
 * skips the batches of a JSON array that a resumed read already took, and removes cursors it
 * cannot stand behind (a batch ending inside an oversized line).
 */
export async function* stampCursors(
  reader: AsyncIterable<SourceBatch>,
  options: StampOptions,
): AsyncGenerator<SourceBatch> {
  const { files, index, identity } = options;
  let batches = 0;
  for await (const batch of reader) {
    batches++;
    if (options.format === "array" && batches <= options.start.batches) continue;
    const from = batch.cursor as { offset?: number; line?: number; align?: boolean } | undefined;
    if (options.format === "array") {
      batch.cursor = cursorOf(files, index, 0, 1, identity, batches);
    } else if (from && typeof from.offset === "number" && typeof from.line === "number") {
      const cursor = cursorOf(files, index, options.start.offset + from.offset, from.line, identity);
      if (from.align) cursor.align = true;
      batch.cursor = cursor;
    } else {
      delete batch.cursor;
    }
    yield batch;
  }
}

function cursorOf(
  files: string[],
  file: number,
  offset: number,
  line: number,
  identity: FileIdentity | undefined,
  batches?: number,
): FileCursor {
  const cursor: FileCursor = { v: 1, files, file, offset, line };
  if (batches !== undefined) cursor.batches = batches;
  if (identity && file < files.length) cursor.identity = identity;
  return cursor;
}

/** Chunk size of a resumed plain-file read (as the file source's own reads). */
const READ_CHUNK = 1 << 20;

/**
 * The bytes of an input from a resume position on. A plain regular file is read from the
 * offset directly (after its BOM, since offsets count from after it); a gzipped file, a FIFO or
 * anything else that cannot seek is read from `sniffed` (its bytes after the BOM) with the
 * first `offset` bytes dropped. `sniffed` is then left unread (its `close` still runs).
 */
export async function bytesFrom(
  input: Input,
  sniffed: AsyncIterable<Uint8Array>,
  start: InputStart,
): Promise<AsyncIterable<Uint8Array>> {
  if (start.offset === 0) return sniffed;
  const seekable =
    input.path !== undefined &&
    !input.name.endsWith(".gz") &&
    (await stat(input.path).then(
      (info) => info.isFile(),
      () => false,
    ));
  if (!seekable) return skipBytes(sniffed, start.offset, start.align);
  const from = readFrom(input.path!, input.name, start.offset - (start.align ? 1 : 0));
  // `align`: the byte before the offset is read too, then everything through the next newline dropped.
  return start.align ? skipBytes(from, 1, true) : from;
}

/** Reads a file from byte `offset` counted after its BOM, in reused 1 MiB chunks. */
async function* readFrom(path: string, name: string, offset: number): AsyncGenerator<Uint8Array> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(path, "r");
    const head = new Uint8Array(3);
    const { bytesRead } = await handle.read(head, 0, 3, 0);
    const bom = bytesRead === 3 && head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? 3 : 0;
    const buffer = new Uint8Array(READ_CHUNK);
    let position = bom + offset;
    for (;;) {
      const { bytesRead: n } = await handle.read(buffer, 0, buffer.length, position);
      if (n === 0) return;
      position += n;
      yield buffer.subarray(0, n);
    }
  } catch (error) {
    if (error instanceof PluginError) throw error;
    throw new PluginError(`cannot read: ${(error as Error).message}`, name);
  } finally {
    await handle?.close();
  }
}
