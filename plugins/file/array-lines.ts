/**
 * The fast path of the JSON array reader, for the common layout of a JSON array file: `[` on
 * its own line, then one element per line (`{...},`), then `]`. Such lines need no scan of the
 * element: the line's text (trimmed, without its trailing comma) is handed to `JSON.parse`, and
 * a successful parse proves that it is exactly one complete JSON value starting where the
 * element starts, so it is the element the exact scanner would have found. Raw newlines cannot
 * occur inside valid JSON strings, so a line never hides part of a valid element.
 *
 * With a prefilter, the lines it rules out are never parsed, so nothing above proves them: a
 * {@link LineVerifier} (json-scan.ts: the WebAssembly SIMD module; where it does not run, the
 * reader keeps prefiltered reads on the exact scanner) checks each block's lines structurally
 * instead, as the exact scanner would split them (strings, escapes, bracket depth), and says
 * where each element starts and ends. The prefilter runs on the raw bytes when the run has
 * literal sets (byte-prefilter.ts), so ruled-out elements are not even decoded, as in the NDJSON
 * reader; else on the decoded text.
 *
 * At the first line that does not fit (a parse failure, a line the verifier refuses, another
 * layout, bytes that are not UTF-8, a line longer than the carry limit), it stops at that line's
 * start and hands the rest of the input to the exact scanner (array-reader.ts), which then
 * reports exactly what it always did. It never takes over again in that file.
 *
 * Each block (the carried partial line, then the next chunk) is assembled in one buffer that is
 * reused for the whole file: the verifier's memory, or a plain buffer without a prefilter. So
 * each byte is copied once and nothing is allocated per chunk. Memory: that buffer, at most a
 * chunk plus {@link MAX_CARRY} bytes. Records' texts are their own strings (decoded per
 * element), so a kept record holds no block alive.
 */
import { isAscii, isUtf8 } from "node:buffer";
import type { SourceBatch } from "../../src/sdk/index.ts";
import type { BatchBuilder } from "./batch-builder.ts";
import type { BytePrefilter } from "./byte-prefilter.ts";
import { type BlockStore, COMMA, type LineVerifier, MAX_RECORDS, plainBlockStore } from "./json-scan.ts";
import { type EventValidator, MAX_BLOCK, YES } from "./json-validate.ts";

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
  options: {
    name: string;
    maxRecordBytes: number;
    signal?: AbortSignal;
    prefilter?: (text: string) => boolean;
    bytePrefilter?: BytePrefilter;
    /** Required with a prefilter: proves the lines it rules out. */
    verifier?: LineVerifier;
    /**
     * In verify mode without a prefilter (nothing reads parsed events): proves elements events
     * without `JSON.parse` (json-validate.ts); they go on as their bytes, like NDJSON lines.
     */
    events?: EventValidator;
  },
): AsyncGenerator<SourceBatch, Handover> {
  const prefilter = options.prefilter;
  // The byte prefilter is the text one on raw bytes: used only when there is a text one, so
  // the exact scanner, which has only the text one, counts the same records as prefiltered.
  const bytePrefilter = prefilter !== undefined ? options.bytePrefilter : undefined;
  const verifier = options.verifier;
  if (prefilter !== undefined && verifier === undefined) throw new Error("a prefilter needs a verifier");
  // Without a prefilter, a verifier still splits the lines (its records), but every verified
  // element is parsed as without one.
  const store = verifier ?? plainBlockStore();
  const events = verifier === undefined ? options.events : undefined;
  const proof: ElementProof | undefined = events ? { lines: 0, starts: [], ends: [], yes: [] } : undefined;
  const scratch = plainBlockStore();
  let state: LineState = "before-array";
  let line = 1;
  /** The current block is `block[0, size)`; its partial last line starts at `carryFrom`. */
  let block = store.reserve(0);
  let size = 0;
  let carryFrom = 0;
  const handover = (rest: Uint8Array, ended = false): Handover => ({ state, line, rest, ended });
  for (;;) {
    const next = await input.next();
    const carried = size - carryFrom;
    if (next.done) return handover(block.subarray(carryFrom, size), true);
    if (options.signal?.aborted) return { ...handover(new Uint8Array(0), true), aborted: true };
    const chunk = next.value;
    if (chunk.length === 0) continue;
    // The carried partial line moves to the front, the chunk goes behind it.
    if (carryFrom > 0) block.copyWithin(0, carryFrom, size);
    block = store.reserve(carried + chunk.length);
    block.set(chunk, carried);
    size = carried + chunk.length;
    carryFrom = 0;
    const last = block.lastIndexOf(10, size - 1);
    if (last < carried) {
      if (size > Math.min(MAX_CARRY, options.maxRecordBytes)) return handover(block.subarray(0, size));
      continue;
    }
    carryFrom = last + 1;
    const bytes = block.subarray(0, last + 1);
    const ascii = isAscii(bytes);
    // Bytes that are not UTF-8 make records invalid: the exact scanner knows how to say where.
    if (!ascii && !isUtf8(bytes)) return handover(block.subarray(0, size));
    const encoding = ascii ? "latin1" : "utf8";
    const proven =
      events !== undefined && proof !== undefined && last + 1 <= MAX_BLOCK
        ? proveElements(events, bytes, last, scratch, proof)
        : undefined;
    let lineIndex = 0;
    let pos = 0;
    while (pos <= last) {
      if (verifier !== undefined) {
        // The verified lines: their records say where the element is, and prove it is one.
        const count = verifier.verify(pos, last + 1);
        const records = verifier.records;
        for (let r = 0; r < count * 4; r += 4) {
          const start = records[r + 1]!;
          const elementEnd = records[r + 2]!;
          const tail = records[r + 3]!;
          if (start !== elementEnd) {
            // An element where none may follow, or too long: the exact scanner says so.
            if (
              state === "after-element" ||
              state === "before-array" ||
              elementEnd - start > options.maxRecordBytes
            )
              return handover(block.subarray(pos, size));
            let text: string | undefined;
            let passes: boolean;
            if (bytePrefilter !== undefined) passes = bytePrefilter(bytes, start, elementEnd);
            else {
              text = bytes.toString(encoding, start, elementEnd);
              passes = prefilter === undefined || prefilter(text);
            }
            let emit: boolean;
            if (passes) {
              text ??= bytes.toString(encoding, start, elementEnd);
              let value: unknown;
              try {
                value = JSON.parse(text);
              } catch {
                // Structurally one element, but not valid JSON: the exact scanner reports it.
                return handover(block.subarray(pos, size));
              }
              // Whitespace is ASCII, so the column in characters is the byte distance.
              emit = builder.addParsed(value, text, options.name, line, start - pos + 1);
            } else emit = builder.skipPrefiltered();
            state = tail >= COMMA ? "next-element" : "after-element";
            pos = (tail & ~COMMA) + 1;
            line++;
            if (emit) yield builder.take();
          } else {
            pos = tail + 1;
            line++;
          }
        }
        // More records may follow; else the line at `pos` (if any) is not one element.
        if (count === MAX_RECORDS || pos > last) continue;
      }
      const newline = bytes.indexOf(10, pos);
      const index = lineIndex++;
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
        if (first !== 91 || end !== start + 1) return handover(block.subarray(pos, size));
        state = "first-element";
      } else if (state === "after-element" || verifier !== undefined) {
        // `]` ends the array (only whitespace may follow), anything else is for the exact
        // scanner to report; and with a verifier, this line is not exactly one element.
        return handover(block.subarray(pos, size));
      } else {
        // Without a prefilter: a successful parse proves the line is one element.
        if (first !== 123 && first !== 91) return handover(block.subarray(pos, size));
        let elementEnd = end;
        let after: LineState = "after-element";
        if (bytes[elementEnd - 1] === 44) {
          elementEnd--;
          while (elementEnd > start && isWhitespace(bytes[elementEnd - 1]!)) elementEnd--;
          after = "next-element";
        }
        const closing = bytes[elementEnd - 1];
        if ((closing !== 125 && closing !== 93) || elementEnd - start > options.maxRecordBytes)
          return handover(block.subarray(pos, size));
        if (
          proven !== undefined &&
          proven.yes[index] === true &&
          proven.starts[index] === start &&
          proven.ends[index] === elementEnd
        ) {
          // Proven an event without a parse: handed on as a copy of its bytes.
          const copy = Buffer.allocUnsafe(elementEnd - start);
          bytes.copy(copy, 0, start, elementEnd);
          const emit = builder.addEventBytes(copy, ascii, options.name, line, start - pos + 1);
          state = after;
          pos = newline + 1;
          line++;
          if (emit) yield builder.take();
          continue;
        }
        const text = bytes.toString(encoding, start, elementEnd);
        let value: unknown;
        try {
          value = JSON.parse(text);
        } catch {
          // Not one complete value: the exact scanner finds out what it is and reports it.
          return handover(block.subarray(pos, size));
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
  }
}

/** Per line of a block, in order: where its element would be, and whether it is proven an event. */
interface ElementProof {
  lines: number;
  starts: number[];
  ends: number[];
  yes: boolean[];
}

/**
 * Asks the event validator about every line of `bytes[0, last]` that looks like an element
 * (`{`/`[` after whitespace, up to its trailing comma and whitespace), exactly as the line loop
 * trims it: each such element is copied, with a newline, into `scratch`, and the block of those
 * lines is validated at once. The loop uses an answer only where its own element has the same
 * bounds, so a mismatch can only cost a parse.
 */
function proveElements(
  events: EventValidator,
  bytes: Buffer,
  last: number,
  scratch: BlockStore,
  proof: ElementProof,
): ElementProof {
  let lines = 0;
  let total = 0;
  let out = scratch.reserve(last + 1);
  for (let pos = 0; pos <= last; lines++) {
    const newline = bytes.indexOf(10, pos);
    let start = pos;
    while (start < newline && isWhitespace(bytes[start]!)) start++;
    let end = newline;
    while (end > start && isWhitespace(bytes[end - 1]!)) end--;
    if (bytes[end - 1] === 44) {
      end--;
      while (end > start && isWhitespace(bytes[end - 1]!)) end--;
    }
    const first = bytes[start];
    if (end <= start || (first !== 123 && first !== 91)) end = start;
    proof.starts[lines] = start;
    proof.ends[lines] = end;
    proof.yes[lines] = false;
    out = scratch.reserve(total + (end - start) + 1);
    bytes.copy(out, total, start, end);
    total += end - start;
    out[total++] = 10;
    pos = newline + 1;
  }
  proof.lines = lines;
  events.load(out.subarray(0, total));
  for (let at = 0, k = 0; k < lines; ) {
    const answered = events.validate(at);
    if (answered === 0) break;
    const records = events.records;
    for (let j = 0; j < answered && k < lines; j++, k++) proof.yes[k] = records[j]! >= YES;
    at = (records[answered - 1]! & 0x7fffffff) + 1;
  }
  return proof;
}
