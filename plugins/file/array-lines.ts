/**
 * The fast path of the JSON array reader, for the common layout of a JSON array file: `[` on
 * its own line, then one element per line (`{...},`), then `]`. Such lines need no scan of the
 * element: the line's text (trimmed, without its trailing comma) is handed to `JSON.parse`, and
 * a successful parse proves that it is exactly one complete JSON value starting where the
 * element starts, so it is the element the exact scanner would have found. Raw newlines cannot
 * occur inside valid JSON strings, so a line never hides part of a valid element.
 *
 * It is used only when every element is parsed anyway (no prefilter): an element that is not
 * parsed would not be verified. At the first line that does not fit (a parse failure, another
 * layout, bytes that are not UTF-8, a line longer than the carry limit), it stops at that line's
 * start and hands the rest of the input to the exact scanner (array-reader.ts), which then
 * reports exactly what it always did. It never takes over again in that file.
 *
 * Memory: one chunk plus the carried partial line (at most {@link MAX_CARRY} bytes).
 */
import { isAscii, isUtf8 } from "node:buffer";
import type { SourceBatch } from "../../src/sdk/index.ts";
import type { BatchBuilder } from "./batch-builder.ts";
import { concat } from "./ndjson-reader.ts";

/** Where the array's grammar stands at a line start (a subset of the scanner's states). */
export type LineState = "before-array" | "first-element" | "next-element" | "after-element";

/** Where the exact scanner takes over: at the start of line `line`, in `state`. */
export interface Handover {
  state: LineState;
  line: number;
  /** Unread bytes from that line's start (possibly empty). */
  rest: Uint8Array;
  /** Whether the input has ended (nothing more comes from the iterator). */
  ended: boolean;
  /** The run's signal fired: stop without reading on. */
  aborted?: boolean;
}

/** Longest partial line carried between chunks before the exact scanner is left to it. */
const MAX_CARRY = 4 * 1024 * 1024;

const isWhitespace = (c: number) => c === 32 || c === 9 || c === 13 || c === 10;

/**
 * Reads elements one line at a time from `input` while the layout allows (see the module
 * comment), adding them to `builder`; returns where the exact scanner must go on.
 */
export async function* readArrayLines(
  input: AsyncIterator<Uint8Array>,
  builder: BatchBuilder,
  options: { name: string; maxRecordBytes: number; signal?: AbortSignal },
): AsyncGenerator<SourceBatch, Handover> {
  let state: LineState = "before-array";
  let line = 1;
  let carry: Uint8Array | undefined;
  const handover = (rest: Uint8Array, ended = false): Handover => ({ state, line, rest, ended });
  for (;;) {
    const next = await input.next();
    if (next.done) return handover(carry ?? new Uint8Array(0), true);
    if (options.signal?.aborted) return { ...handover(new Uint8Array(0), true), aborted: true };
    let chunk = next.value;
    if (carry !== undefined) {
      chunk = concat([carry, chunk], carry.length + chunk.length);
      carry = undefined;
    }
    const last = chunk.lastIndexOf(10);
    if (last === -1) {
      if (chunk.length > Math.min(MAX_CARRY, options.maxRecordBytes)) return handover(chunk);
      // Copies: the input may reuse its buffer for the next chunk.
      carry = chunk.slice();
      continue;
    }
    const bytes = Buffer.from(chunk.buffer, chunk.byteOffset, last + 1);
    const ascii = isAscii(bytes);
    // Bytes that are not UTF-8 make records invalid: the exact scanner knows how to say where.
    if (!ascii && !isUtf8(bytes)) return handover(chunk);
    const encoding = ascii ? "latin1" : "utf8";
    let pos = 0;
    while (pos <= last) {
      const newline = bytes.indexOf(10, pos);
      let start = pos;
      while (start < newline && isWhitespace(bytes[start]!)) start++;
      let end = newline;
      while (end > start && isWhitespace(bytes[end - 1]!)) end--;
      if (start === end) {
        pos = newline + 1;
        line++;
        continue;
      }
      const first = bytes[start]!;
      if (state === "before-array") {
        if (first !== 91 || end !== start + 1) return handover(chunk.subarray(pos));
        state = "first-element";
      } else if (state === "after-element") {
        // `]` ends the array: what follows is for the exact scanner (only whitespace may).
        if (first === 93 && end === start + 1) return handover(chunk.subarray(pos));
        return handover(chunk.subarray(pos));
      } else {
        if (first !== 123 && first !== 91) return handover(chunk.subarray(pos));
        let elementEnd = end;
        let after: LineState = "after-element";
        if (bytes[elementEnd - 1] === 44) {
          elementEnd--;
          while (elementEnd > start && isWhitespace(bytes[elementEnd - 1]!)) elementEnd--;
          after = "next-element";
        }
        const closing = bytes[elementEnd - 1];
        if ((closing !== 125 && closing !== 93) || elementEnd - start > options.maxRecordBytes)
          return handover(chunk.subarray(pos));
        const text = bytes.toString(encoding, start, elementEnd);
        let value: unknown;
        try {
          value = JSON.parse(text);
        } catch {
          // Not one complete value: the exact scanner finds out what it is and reports it.
          return handover(chunk.subarray(pos));
        }
        // Whitespace is ASCII, so the column in characters is the byte distance.
        const emit = builder.addParsed(value, text, options.name, line, start - pos + 1);
        state = after;
        pos = newline + 1;
        line++;
        if (emit) yield builder.take();
        continue;
      }
      pos = newline + 1;
      line++;
    }
    if (last + 1 < chunk.length) carry = chunk.slice(last + 1);
  }
}
