import { isAscii, isUtf8 } from "node:buffer";
import type { SourceBatch } from "../../src/sdk/index.ts";
import { BatchBuilder, INVALID_TEXT_LIMIT } from "./batch-builder.ts";
import type { BytePrefilter } from "./byte-prefilter.ts";
import {
  acquireEventValidator,
  type EventValidator,
  MAX_BLOCK,
  releaseEventValidator,
  YES,
} from "./json-validate.ts";
import { firstInvalidUtf8, lenientDecoder, previewBytes } from "./utf8.ts";

/** What the NDJSON and array readers need to know about one input. */
export interface ReaderOptions {
  /** The name positions use: the path as the user gave it, or `-` for stdin. */
  name: string;
  prefilter?: (text: string) => boolean;
  /** The same prefilter on raw bytes (from the SDK's literal sets): used instead, before decoding. */
  bytePrefilter?: BytePrefilter;
  batchSize: number;
  /** Longest record, in bytes, before it is reported invalid instead of being buffered. */
  maxRecordBytes: number;
  signal?: AbortSignal;
  /** `false`: records carry their text only, unparsed (worker threads). @default true */
  parse?: boolean;
  /**
   * Check each record and drop its parse (`SelectionPushdown.eventsUnread`; see
   * {@link BatchBuilder}). @default false
   */
  verify?: boolean;
  /**
   * In verify mode, let the WebAssembly validator (json-validate.ts) pass the lines it proves
   * to be events without `JSON.parse`; `false` parses every line (tests compare the two).
   * @default true
   */
  validate?: boolean;
  /** Line number of the input's first line (a resumed read starts mid-file). @default 1 */
  startLine?: number;
  /**
   * Filled at the end of an NDJSON read with the number of lines read (newlines, plus a last
   * line without one): workers report it so later ranges' line numbers can be restored.
   */
  counter?: { lines: number };
}

/**
 * What the NDJSON reader puts in {@link SourceBatch.cursor}: the byte offset (in the input as
 * read, after a BOM) of the first line not in this or an earlier batch, and that line's number.
 * The file source turns it into its own cursor; a reader started on the input from `offset` with
 * `startLine: line` yields exactly the records after the batch.
 */
export interface NdjsonReaderCursor {
  offset: number;
  line: number;
}

/** Where the line scanner stands inside a block of complete lines. */
interface LineCursor {
  bytes: Buffer;
  pos: number;
  /** Line number (1-based) of the line starting at `pos`. */
  line: number;
  /** `latin1` for an all-ASCII block (cheapest decode), `utf8` for a valid UTF-8 block. */
  encoding: "latin1" | "utf8";
  /** Set when the block is not valid UTF-8: each line is then checked on its own. */
  checkEachLine: boolean;
  /** In a block loaded in the validator: the next of its `answers` records to read. */
  answer: number;
  answers: number;
}

/**
 * Reads NDJSON: one JSON value per line, split on `\n` bytes (never on U+2028, which is valid
 * inside JSON strings), a trailing `\r` stripped, blank or whitespace-only lines skipped (they
 * still count for line numbers). The input must not start with a BOM (the caller strips it).
 *
 * Each block of complete lines (a chunk up to its last newline) is checked for UTF-8 once, with
 * the native validator; then each line is decoded on its own. Measured here, that is faster than
 * decoding the block and slicing it, and each record's text is its own small string instead of
 * a slice that would keep the whole block alive. A line longer than a chunk is kept as a list of
 * pieces and joined once when its newline arrives, so huge lines cost linear time.
 *
 * In verify mode (`options.verify`), each valid UTF-8 block of at most `MAX_BLOCK` bytes is
 * also copied into the event validator (json-validate.ts), which answers per line "certainly
 * an event" or "don't know": those events go into the batch as lazy records without being
 * parsed or decoded, the other lines through `JSON.parse` as before (same records, positions,
 * errors). Each event's record gets a copy of its line's bytes, its own (measured on 1M
 * events: 4.1 s of CPU, against 4.4-4.7 s for views of one copy of each block, which also kept
 * a block alive while any of its records was, and 4.3-5.2 s for decoded texts).
 */
export async function* readNdjson(
  input: AsyncIterable<Uint8Array>,
  options: ReaderOptions,
): AsyncGenerator<SourceBatch> {
  const validator =
    (options.verify ?? false) && (options.parse ?? true) && options.validate !== false
      ? acquireEventValidator()
      : undefined;
  if (validator === undefined) {
    yield* readLines(input, options, undefined);
    return;
  }
  try {
    yield* readLines(input, options, validator);
  } finally {
    releaseEventValidator(validator);
  }
}

async function* readLines(
  input: AsyncIterable<Uint8Array>,
  options: ReaderOptions,
  validator: EventValidator | undefined,
): AsyncGenerator<SourceBatch> {
  // With a byte prefilter, lines are tested before decoding and the text test is not needed.
  const builder = new BatchBuilder(
    options.bytePrefilter ? undefined : options.prefilter,
    options.batchSize,
    options.parse ?? true,
    options.verify ?? false,
  );
  const bytePrefilter = options.bytePrefilter;
  const cursor: LineCursor = {
    bytes: Buffer.alloc(0),
    pos: 0,
    line: options.startLine ?? 1,
    encoding: "utf8",
    checkEachLine: false,
    answer: 0,
    answers: 0,
  };
  let pieces: Uint8Array[] = [];
  let carried = 0;
  /** Set while skipping the rest of a line that exceeded `maxRecordBytes`. */
  let discarding = false;

  /** Byte offset in the input of the current chunk's first byte. */
  let chunkStart = 0;
  const withCursor = (batch: SourceBatch, offset: number): SourceBatch => {
    batch.cursor = { offset, line: cursor.line } satisfies NdjsonReaderCursor;
    return batch;
  };

  /** `blockStart`: the byte offset of `block[0]` in the input. */
  const takeLines = function* (block: Uint8Array, blockStart: number): Generator<SourceBatch> {
    const bytes = Buffer.from(block.buffer, block.byteOffset, block.byteLength);
    const ascii = isAscii(bytes);
    cursor.bytes = bytes;
    cursor.pos = 0;
    cursor.encoding = ascii ? "latin1" : "utf8";
    cursor.checkEachLine = !ascii && !isUtf8(bytes);
    if (validator !== undefined && !cursor.checkEachLine && bytes.length <= MAX_BLOCK) {
      validator.load(bytes);
      cursor.answer = 0;
      cursor.answers = 0;
      while (scanValidatedLines(cursor, builder, options.name, bytePrefilter, validator))
        yield withCursor(builder.take(), blockStart + cursor.pos);
      return;
    }
    while (scanLines(cursor, builder, options.name, bytePrefilter))
      yield withCursor(builder.take(), blockStart + cursor.pos);
  };

  for await (const chunk of input) {
    if (options.signal?.aborted) return;
    const last = chunk.lastIndexOf(10);
    if (last === -1) {
      if (discarding) {
        chunkStart += chunk.length;
        continue;
      }
      // Copies: the input may reuse its buffer for the next chunk.
      pieces.push(new Uint8Array(chunk));
      carried += chunk.length;
      if (carried > options.maxRecordBytes) {
        builder.addInvalid(
          `${options.name}:${cursor.line}:1`,
          `line is longer than maxRecordBytes (${options.maxRecordBytes} bytes)`,
          previewBytes(concat(pieces, carried), INVALID_TEXT_LIMIT),
        );
        pieces = [];
        carried = 0;
        discarding = true;
        // No cursor: the rest of the oversized line is still ahead, so no line starts here.
        yield builder.take();
      }
      chunkStart += chunk.length;
      continue;
    }
    let head = chunk.subarray(0, last + 1);
    let headStart = chunkStart;
    if (discarding) {
      // The rest of the oversized line ends at the first newline; skip past it.
      const first = chunk.indexOf(10);
      head = chunk.subarray(first + 1, last + 1);
      headStart = chunkStart + first + 1;
      cursor.line++;
      discarding = false;
    } else if (carried > 0) {
      // Finish the carried line on its own, so the rest of the chunk is scanned where it lies
      // instead of being copied behind the carry.
      const first = chunk.indexOf(10);
      pieces.push(chunk.subarray(0, first + 1));
      const line = concat(pieces, carried + first + 1);
      const lineStart = chunkStart - carried;
      pieces = [];
      carried = 0;
      yield* takeLines(line, lineStart);
      head = chunk.subarray(first + 1, last + 1);
      headStart = chunkStart + first + 1;
    }
    pieces = [];
    carried = 0;
    if (head.length > 0) yield* takeLines(head, headStart);
    if (last + 1 < chunk.length) {
      pieces.push(new Uint8Array(chunk.subarray(last + 1)));
      carried = chunk.length - last - 1;
    }
    chunkStart += chunk.length;
  }
  if (carried > 0 && !discarding) yield* takeLines(concat(pieces, carried), chunkStart - carried);
  if (!builder.isEmpty) yield discarding ? builder.take() : withCursor(builder.take(), chunkStart);
  if (options.counter) options.counter.lines = cursor.line - (options.startLine ?? 1);
}

/**
 * Adds the lines of `cursor.bytes` to `builder` from `cursor.pos` on. Returns `true` when the
 * builder asks for its batch to be emitted (call again to go on), `false` when the block is done.
 * A plain function, not a generator: this loop is the source's hot path.
 */
function scanLines(
  cursor: LineCursor,
  builder: BatchBuilder,
  name: string,
  bytePrefilter: BytePrefilter | undefined,
): boolean {
  const bytes = cursor.bytes;
  const length = bytes.length;
  const encoding = cursor.encoding;
  let pos = cursor.pos;
  let line = cursor.line;
  while (pos < length) {
    let next = bytes.indexOf(10, pos);
    if (next === -1) next = length;
    let end = next;
    if (end > pos && bytes[end - 1] === 13) end--;
    if (end > pos && !isBlank(bytes, pos, end)) {
      let emit: boolean;
      if (cursor.checkEachLine && !isUtf8(bytes.subarray(pos, end))) {
        addInvalidUtf8(builder, bytes.subarray(pos, end), name, line);
        emit = true;
      } else if (bytePrefilter !== undefined && !bytePrefilter(bytes, pos, end)) {
        emit = builder.skipPrefiltered();
      } else {
        emit = builder.add(bytes.toString(encoding, pos, end), name, line, 0);
      }
      if (emit) {
        cursor.pos = next + 1;
        cursor.line = line + 1;
        return true;
      }
    }
    pos = next + 1;
    line++;
  }
  cursor.pos = pos;
  cursor.line = line;
  return false;
}

/**
 * {@link scanLines} for a block loaded in the validator: each line's end and answer come from
 * its records; "yes" lines are added unparsed and undecoded, as a copy of their bytes
 * ({@link BatchBuilder.addEventBytes}), the others as in {@link scanLines}.
 */
function scanValidatedLines(
  cursor: LineCursor,
  builder: BatchBuilder,
  name: string,
  bytePrefilter: BytePrefilter | undefined,
  validator: EventValidator,
): boolean {
  const bytes = cursor.bytes;
  const length = bytes.length;
  const encoding = cursor.encoding;
  const ascii = encoding === "latin1";
  let pos = cursor.pos;
  let line = cursor.line;
  let records = validator.records;
  let answer = cursor.answer;
  let answers = cursor.answers;
  while (pos < length) {
    if (answer === answers) {
      answers = validator.validate(pos);
      records = validator.records;
      answer = 0;
    }
    const record = records[answer++]!;
    const next = record & 0x7fffffff;
    let end = next;
    if (end > pos && bytes[end - 1] === 13) end--;
    if (end > pos && (record >= YES || !isBlank(bytes, pos, end))) {
      let emit: boolean;
      if (bytePrefilter !== undefined && !bytePrefilter(bytes, pos, end)) emit = builder.skipPrefiltered();
      else if (record >= YES) emit = builder.addEventBytes(copyOf(bytes, pos, end), ascii, name, line);
      else emit = builder.add(bytes.toString(encoding, pos, end), name, line, 0);
      if (emit) {
        cursor.pos = next + 1;
        cursor.line = line + 1;
        cursor.answer = answer;
        cursor.answers = answers;
        return true;
      }
    }
    pos = next + 1;
    line++;
  }
  cursor.pos = pos;
  cursor.line = line;
  cursor.answer = answer;
  cursor.answers = answers;
  return false;
}

/** Whether `bytes[start, end)` holds only JSON whitespace. Cheap for the usual line (`{`...). */
function isBlank(bytes: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = bytes[i];
    if (c !== 32 && c !== 9 && c !== 13) return false;
  }
  return true;
}

/** Records a line that is not valid UTF-8, with the column of its first bad byte. */
function addInvalidUtf8(builder: BatchBuilder, lineBytes: Uint8Array, name: string, line: number): void {
  const bad = Math.max(firstInvalidUtf8(lineBytes), 0);
  const column = lenientDecoder.decode(lineBytes.subarray(0, bad)).length + 1;
  builder.addInvalid(
    `${name}:${line}:${column}`,
    `invalid UTF-8 (byte 0x${lineBytes[bad]!.toString(16).padStart(2, "0")} at byte ${bad + 1} of the line)`,
    previewBytes(lineBytes, INVALID_TEXT_LIMIT),
    // A copy (`Buffer#slice` would be a view of the block, which the input may reuse).
    new Uint8Array(lineBytes),
  );
}

/** Joins byte pieces into one array of `total` bytes. */
export function concat(pieces: Uint8Array[], total: number): Uint8Array {
  if (pieces.length === 1) return pieces[0]!;
  const out = new Uint8Array(total);
  let offset = 0;
  for (const piece of pieces) {
    out.set(piece, offset);
    offset += piece.length;
  }
  return out;
}

/** A copy of `bytes[start, end)` (a view would change with the block's buffer). */
function copyOf(bytes: Buffer, start: number, end: number): Buffer {
  const out = Buffer.allocUnsafe(end - start);
  bytes.copy(out, 0, start, end);
  return out;
}
