import type { SourceBatch } from "../../src/sdk/index.ts";
import { BatchBuilder, INVALID_TEXT_LIMIT } from "./batch-builder.ts";
import { firstInvalidUtf8, lenientDecoder, previewBytes, strictDecoder } from "./utf8.ts";

/** What the NDJSON and array readers need to know about one input. */
export interface ReaderOptions {
  /** The name positions use: the path as the user gave it, or `-` for stdin. */
  name: string;
  prefilter?: (text: string) => boolean;
  batchSize: number;
  /** Longest record, in bytes, before it is reported invalid instead of being buffered. */
  maxRecordBytes: number;
  signal?: AbortSignal;
}

/** Where the line scanner stands inside the decoded text of one chunk. */
interface LineCursor {
  text: string;
  pos: number;
  /** Line number (1-based) of the line starting at `pos`. */
  line: number;
}

/**
 * Reads NDJSON: one JSON value per line, split on `\n` bytes (never on U+2028, which is valid
 * inside JSON strings), a trailing `\r` stripped, blank or whitespace-only lines skipped (they
 * still count for line numbers). The input must not start with a BOM (the caller strips it).
 *
 * Bytes are decoded once per chunk, up to its last newline (a `\n` byte never occurs inside a
 * multi-byte sequence, so the cut is always clean). A line longer than a chunk is kept as a list
 * of pieces and joined once when its newline arrives, so huge lines cost linear time.
 */
export async function* readNdjson(
  input: AsyncIterable<Uint8Array>,
  options: ReaderOptions,
): AsyncGenerator<SourceBatch> {
  const builder = new BatchBuilder(options.prefilter, options.batchSize);
  const cursor: LineCursor = { text: "", pos: 0, line: 1 };
  let pieces: Uint8Array[] = [];
  let carried = 0;
  /** Set while skipping the rest of a line that exceeded `maxRecordBytes`. */
  let discarding = false;

  const takeLines = function* (bytes: Uint8Array): Generator<SourceBatch> {
    for (const segment of decodeLines(bytes, cursor.line, options.name)) {
      if (typeof segment === "string") {
        cursor.text = segment;
        cursor.pos = 0;
        while (scanLines(cursor, builder, options.name)) yield builder.take();
      } else {
        builder.addInvalid(segment.position, segment.reason, segment.text);
        cursor.line++;
        yield builder.take();
      }
    }
  };

  for await (const chunk of input) {
    if (options.signal?.aborted) return;
    const last = chunk.lastIndexOf(10);
    if (last === -1) {
      if (discarding) continue;
      // Copies: the input may reuse its buffer for the next chunk.
      pieces.push(chunk.slice());
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
        yield builder.take();
      }
      continue;
    }
    let head = chunk.subarray(0, last + 1);
    if (discarding) {
      // The rest of the oversized line ends at the first newline; skip past it.
      const first = chunk.indexOf(10);
      head = chunk.subarray(first + 1, last + 1);
      cursor.line++;
      discarding = false;
    } else if (carried > 0) {
      pieces.push(head);
      head = concat(pieces, carried + head.length);
    }
    pieces = [];
    carried = 0;
    yield* takeLines(head);
    if (last + 1 < chunk.length) {
      pieces.push(chunk.slice(last + 1));
      carried = chunk.length - last - 1;
    }
  }
  if (carried > 0 && !discarding) yield* takeLines(concat(pieces, carried));
  if (!builder.isEmpty) yield builder.take();
}

/**
 * Adds the lines of `cursor.text` to `builder` from `cursor.pos` on. Returns `true` when the
 * builder asks for its batch to be emitted (call again to go on), `false` when the text is done.
 * A plain function, not a generator: this loop is the source's hot path.
 */
function scanLines(cursor: LineCursor, builder: BatchBuilder, name: string): boolean {
  const text = cursor.text;
  const length = text.length;
  let pos = cursor.pos;
  let line = cursor.line;
  while (pos < length) {
    let next = text.indexOf("\n", pos);
    if (next === -1) next = length;
    let end = next;
    if (end > pos && text.charCodeAt(end - 1) === 13) end--;
    if (end > pos && !isBlank(text, pos, end) && builder.add(text.slice(pos, end), name, line, 0)) {
      cursor.pos = next + 1;
      cursor.line = line + 1;
      return true;
    }
    pos = next + 1;
    line++;
  }
  cursor.pos = pos;
  cursor.line = line;
  return false;
}

/** Whether `text[start, end)` holds only JSON whitespace. Cheap for the usual line (`{`...). */
function isBlank(text: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 13) return false;
  }
  return true;
}

/** An invalid line found while decoding. */
interface BadLine {
  position: string;
  reason: string;
  text: string;
}

/**
 * Decodes complete lines. Normally one strict decode of the whole block; when the block is not
 * valid UTF-8, it is decoded line by line so only the bad lines become invalid records.
 */
function decodeLines(bytes: Uint8Array, firstLine: number, name: string): Array<string | BadLine> {
  try {
    return [strictDecoder.decode(bytes)];
  } catch {
    const segments: Array<string | BadLine> = [];
    let line = firstLine;
    let start = 0;
    let good = "";
    while (start < bytes.length) {
      let end = bytes.indexOf(10, start);
      if (end === -1) end = bytes.length;
      const lineBytes = bytes.subarray(start, end);
      const bad = firstInvalidUtf8(lineBytes);
      if (bad === -1) {
        good += strictDecoder.decode(lineBytes) + "\n";
      } else {
        // Lines before the bad one go first, as text, so order and line numbers hold.
        if (good !== "") segments.push(good);
        good = "";
        const column = lenientDecoder.decode(lineBytes.subarray(0, bad)).length + 1;
        segments.push({
          position: `${name}:${line}:${column}`,
          reason: `invalid UTF-8 (byte 0x${lineBytes[bad]!.toString(16).padStart(2, "0")} at byte ${bad + 1} of the line)`,
          text: previewBytes(lineBytes, INVALID_TEXT_LIMIT),
        });
      }
      line++;
      start = end + 1;
    }
    if (good !== "") segments.push(good);
    return segments;
  }
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
