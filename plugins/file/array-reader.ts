import { isAscii, isUtf8 } from "node:buffer";
import type { SourceBatch } from "../../src/sdk/index.ts";
import { type Handover, type LineState, readArrayLines } from "./array-lines.ts";
import { BatchBuilder, INVALID_TEXT_LIMIT } from "./batch-builder.ts";
import { acquireLineVerifier, type LineVerifier, releaseLineVerifier } from "./json-scan.ts";
import { acquireEventValidator, releaseEventValidator } from "./json-validate.ts";
import type { ReaderOptions } from "./ndjson-reader.ts";
import { completeUtf8Prefix, firstInvalidUtf8, lenientDecoder } from "./utf8.ts";

/** Where the scanner is in the array's grammar (plain numbers: this is the hot loop). */
const State = {
  /** Before the opening `[` (only whitespace so far). */
  BeforeArray: 0,
  /** Just after `[`: an element or `]`. */
  FirstElement: 1,
  /** After `,`: an element must follow. */
  NextElement: 2,
  /** Inside an element. */
  InElement: 3,
  /** After an element: `,` or `]`. */
  AfterElement: 4,
  /** After the closing `]`: only whitespace may follow. */
  AfterArray: 5,
  /** The array's structure is broken: the rest of the input is ignored. */
  Broken: 6,
} as const;
type State = (typeof State)[keyof typeof State];

/** The line fast path's states, as the scanner's. */
const LINE_STATES: Record<LineState, State> = {
  "before-array": State.BeforeArray,
  "first-element": State.FirstElement,
  "next-element": State.NextElement,
  "after-element": State.AfterElement,
};

/** Which read paths a test wants (the defaults are the fastest this runtime has). */
export interface ArrayPaths {
  /** `false`: the exact scanner only. */
  lines?: boolean;
  /**
   * The line path's structural verifier (default: the WebAssembly one, when it runs here);
   * `null`: none, so a prefiltered read uses the exact scanner.
   */
  verifier?: LineVerifier | null;
}

/** Bytes decoded at a time (see `feed`). */
const TEXT_BLOCK = 16 * 1024;

/** The scanner's state, kept across chunks. */
interface Scan {
  state: State;
  /** Current line (1-based) and the absolute character offset where it starts. */
  line: number;
  lineStart: number;
  /** Absolute character offset of the start of the current chunk's text. */
  base: number;
  /** Inside an element: bracket depth, whether in a string, and a `\` escaping the next char. */
  depth: number;
  inString: boolean;
  escaped: boolean;
  /** A top-level scalar (number, true, false, null) ends at a delimiter, not a bracket. */
  scalar: boolean;
  /** Where the current element starts: line, column and absolute offset. */
  elementLine: number;
  elementColumn: number;
  elementStart: number;
  /** Text of the current element from earlier chunks. */
  pieces: string[];
  piecesLength: number;
  /** Set when the current element outgrew `maxRecordBytes`: it is scanned but not kept. */
  oversized: boolean;
  /** Absolute character offsets of bytes that were not valid UTF-8, in order. */
  poison: number[];
}

/**
 * Reads a top-level JSON array as a stream: a byte-level scanner (on decoded text) finds each
 * element's extent by tracking strings, escapes and bracket depth, then each element is
 * parsed on its own. The file is never parsed whole. Positions are `file:line:column` of the
 * element's first character, since several elements may share a line.
 *
 * Structural errors (no `[`, a missing `,`, text after `]`, a truncated array) end the file with
 * one invalid record at the problem's position; a malformed element is an invalid record and the
 * scan goes on with the next element.
 */
export async function* readJsonArray(
  input: AsyncIterable<Uint8Array>,
  options: ReaderOptions,
  paths: ArrayPaths = {},
): AsyncGenerator<SourceBatch> {
  if (options.prefilter === undefined || paths.verifier !== undefined) {
    // Without a prefilter no verifier is needed (a parse proves each line); one given is used.
    const verifier =
      paths.lines === false
        ? null
        : options.prefilter === undefined
          ? (paths.verifier ?? undefined)
          : (paths.verifier as LineVerifier | null);
    yield* read(input, options, verifier);
    return;
  }
  // Without the WebAssembly module, a prefiltered read stays with the exact scanner: the JS
  // verifier costs more than the scan it would save (json-scan.ts).
  const verifier = paths.lines === false ? undefined : acquireLineVerifier();
  try {
    yield* read(input, options, verifier ?? null);
  } finally {
    // Only now: the exact scanner may still have been reading bytes in the verifier's memory.
    if (verifier !== undefined) releaseLineVerifier(verifier);
  }
}

/**
 * {@link readJsonArray} with the line path's verifier: `undefined` for none (no prefilter),
 * `null` for no line path at all.
 */
async function* read(
  input: AsyncIterable<Uint8Array>,
  options: ReaderOptions,
  verifier: LineVerifier | null | undefined,
): AsyncGenerator<SourceBatch> {
  // No prefilter in the builder: the line path prefilters itself (on bytes), and so does
  // finishElement (before copying the element's text). `verify`: see BatchBuilder (both paths
  // hand it parsed elements).
  const builder = new BatchBuilder(undefined, options.batchSize, true, options.verify ?? false);
  const scan: Scan = {
    state: State.BeforeArray,
    line: 1,
    lineStart: 0,
    base: 0,
    depth: 0,
    inString: false,
    escaped: false,
    scalar: false,
    elementLine: 0,
    elementColumn: 0,
    elementStart: 0,
    pieces: [],
    piecesLength: 0,
    oversized: false,
    poison: [],
  };
  let carry: Uint8Array | undefined;
  const chunkCursor = { text: "", pos: 0 };
  const iterator = input[Symbol.asyncIterator]();
  // One-element-per-line arrays skip the scan (array-lines.ts): a parse proves the lines that
  // are parsed, the verifier those a prefilter rules out. The exact scanner below takes over
  // where that layout ends.
  let head: Uint8Array | undefined;
  let ended = false;
  if (verifier !== null) {
    // Nothing reads parsed events: the event validator proves elements without a parse.
    const events =
      options.verify === true && options.prefilter === undefined && options.validate !== false && !verifier
        ? acquireEventValidator()
        : undefined;
    let handover: Handover;
    try {
      handover = yield* readArrayLines(iterator, builder, {
        ...options,
        ...(verifier ? { verifier } : {}),
        ...(events ? { events } : {}),
      });
    } finally {
      if (events) releaseEventValidator(events);
    }
    if (handover.aborted) return;
    scan.state = LINE_STATES[handover.state];
    scan.line = handover.line;
    head = handover.rest;
    ended = handover.ended;
  }
  const rest: AsyncIterable<Uint8Array> = {
    [Symbol.asyncIterator]: () => ({
      next: async () => {
        if (head !== undefined) {
          const value = head;
          head = undefined;
          return { done: false, value };
        }
        return ended ? { done: true, value: undefined } : iterator.next();
      },
      return: async () => (await iterator.return?.()) ?? { done: true, value: undefined },
    }),
  };

  const feed = function* (bytes: Uint8Array, final: boolean): Generator<SourceBatch> {
    const cut = final ? bytes.length : completeUtf8Prefix(bytes);
    carry = cut < bytes.length ? bytes.slice(cut) : undefined;
    // Decoded in small blocks: an element's text is a slice of its block and keeps the whole
    // block alive while the record lives, so small blocks bound what a sparse match retains.
    for (let start = 0; start < cut; ) {
      let end = Math.min(cut, start + TEXT_BLOCK);
      if (end < cut) end = start + completeUtf8Prefix(bytes.subarray(start, end));
      chunkCursor.text = decode(bytes.subarray(start, end), scan);
      chunkCursor.pos = 0;
      while (scanChunk(scan, chunkCursor, builder, options)) yield builder.take();
      scan.base += chunkCursor.text.length;
      start = end;
    }
  };

  for await (const chunk of rest) {
    if (options.signal?.aborted) return;
    if (scan.state === State.Broken) break;
    let bytes = chunk;
    if (carry !== undefined) {
      // Complete the character cut at the previous chunk's end on its own, instead of copying
      // the whole chunk behind it.
      const lead = carry[0]!;
      const need = Math.min((lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : 2) - carry.length, chunk.length);
      const joined = new Uint8Array(carry.length + need);
      joined.set(carry);
      joined.set(chunk.subarray(0, need), carry.length);
      carry = undefined;
      yield* feed(joined, false);
      bytes = chunk.subarray(need);
    }
    if (bytes.length > 0) yield* feed(bytes, false);
  }
  if (carry !== undefined && scan.state !== State.Broken) yield* feed(carry, true);
  if (scan.state === State.InElement && scan.scalar) {
    // A number or literal at the very end is complete; the array's `]` is what is missing.
    if (finishElement(scan, "", 0, 0, builder, options)) yield builder.take();
  }
  if (scan.state !== State.AfterArray && scan.state !== State.BeforeArray && scan.state !== State.Broken) {
    const column = scan.base - scan.lineStart + 1;
    const what =
      scan.state === State.InElement
        ? `the element starting at line ${scan.elementLine} column ${scan.elementColumn} is cut off`
        : "the closing ']' is missing";
    const text = scan.state === State.InElement ? scan.pieces.join("") : "";
    builder.addInvalid(`${options.name}:${scan.line}:${column}`, `unexpected end of file: ${what}`, text);
  }
  if (!builder.isEmpty) yield builder.take();
}

/** Decodes a block; bytes that are not UTF-8 are replaced and their offsets remembered. */
function decode(block: Uint8Array, scan: Scan): string {
  // The native checks first: an ASCII block decodes as latin1, the cheapest string to make.
  const bytes = Buffer.from(block.buffer, block.byteOffset, block.byteLength);
  if (isAscii(bytes)) return bytes.toString("latin1");
  if (isUtf8(bytes)) return bytes.toString("utf8");
  // Not UTF-8: decode with replacement, but remember where, so the elements holding those bytes
  // become invalid records instead of silently carrying U+FFFD.
  for (let bad = firstInvalidUtf8(bytes); bad !== -1; bad = firstInvalidUtf8(bytes, bad + 1)) {
    scan.poison.push(scan.base + lenientDecoder.decode(bytes.subarray(0, bad)).length);
  }
  return lenientDecoder.decode(bytes);
}

function isWhitespace(c: number): boolean {
  return c === 32 || c === 10 || c === 13 || c === 9;
}

/**
 * Scans `cursor.text` from `cursor.pos`. Returns `true` when the builder wants its batch
 * emitted (call again to go on), `false` when the chunk is done or the structure broke.
 */
function scanChunk(
  scan: Scan,
  cursor: { text: string; pos: number },
  builder: BatchBuilder,
  options: ReaderOptions,
): boolean {
  const text = cursor.text;
  const n = text.length;
  let i = cursor.pos;
  if (scan.state === State.Broken) return false;
  let elementFrom = scan.state === State.InElement ? i : -1;
  while (i < n) {
    const state: State = scan.state;
    if (state === State.InElement) {
      const end = scan.scalar ? scanScalar(text, i) : scanElement(scan, text, i);
      if (end === -1) {
        i = n;
        break;
      }
      i = end;
      if (finishElement(scan, text, elementFrom, i, builder, options)) {
        cursor.pos = i;
        return true;
      }
      continue;
    }

    // Between elements: whitespace and structure only.
    const c = text.charCodeAt(i);
    if (isWhitespace(c)) {
      i++;
      if (c === 10) {
        scan.line++;
        scan.lineStart = scan.base + i;
      }
      continue;
    }
    // Built only on the error paths: this runs once per element.
    const where = () => `${options.name}:${scan.line}:${scan.base + i - scan.lineStart + 1}`;
    if (state === State.BeforeArray) {
      if (c !== 91)
        return breakStructure(
          scan,
          builder,
          where(),
          `expected '[' to open a JSON array, found ${show(c)}`,
          text,
          i,
        );
      scan.state = State.FirstElement;
      i++;
    } else if (state === State.AfterElement) {
      if (c === 44) scan.state = State.NextElement;
      else if (c === 93) scan.state = State.AfterArray;
      else
        return breakStructure(
          scan,
          builder,
          where(),
          `expected ',' or ']' after an array element, found ${show(c)}`,
          text,
          i,
        );
      i++;
    } else if (state === State.AfterArray) {
      return breakStructure(
        scan,
        builder,
        where(),
        `unexpected ${show(c)} after the end of the JSON array`,
        text,
        i,
      );
    } else if (c === 93) {
      if (state === State.NextElement)
        return breakStructure(scan, builder, where(), "trailing comma before ']'", text, i);
      scan.state = State.AfterArray;
      i++;
    } else if (state === State.FirstElement || state === State.NextElement) {
      if (c === 44) return breakStructure(scan, builder, where(), "expected an element, found ','", text, i);
      // An element starts.
      scan.state = State.InElement;
      scan.elementLine = scan.line;
      scan.elementColumn = scan.base + i - scan.lineStart + 1;
      scan.elementStart = scan.base + i;
      scan.depth = c === 123 || c === 91 ? 1 : 0;
      scan.inString = c === 34;
      scan.scalar = !scan.inString && scan.depth === 0;
      elementFrom = i;
      i++;
    } else {
      return breakStructure(scan, builder, where(), "internal scanner error", text, i);
    }
  }
  // The chunk ends: keep the unfinished element's text for the next chunk.
  if (scan.state === State.InElement) keepPiece(scan, text.slice(elementFrom), builder, options);
  cursor.pos = n;
  return false;
}

/**
 * Scans an object, array or string element from `i` to its end. Returns the index just after
 * it, or -1 when the text ends first (the state is kept in `scan` for the next chunk). The
 * hot loop of array reading: strings, most of an event, are skipped quote to quote with the
 * native `indexOf`, and the state lives in locals.
 */
function scanElement(scan: Scan, text: string, from: number): number {
  const n = text.length;
  if (from >= n) return -1;
  let i = from;
  let depth = scan.depth;
  let line = scan.line;
  let lineStart = scan.lineStart;
  const base = scan.base;
  let inString = scan.inString;
  if (inString && scan.escaped) {
    scan.escaped = false;
    i++;
  }
  for (;;) {
    if (inString) {
      // Find the closing quote: one not preceded by an odd run of backslashes. The run cannot
      // reach before `i`, which follows an opening quote or an escaped character.
      let quote = text.indexOf('"', i);
      while (quote !== -1) {
        let k = quote - 1;
        while (k >= i && text.charCodeAt(k) === 92) k--;
        if ((quote - 1 - k) % 2 === 0) break;
        quote = text.indexOf('"', quote + 1);
      }
      if (quote === -1) {
        scan.escaped = trailingBackslashes(text, i, n) % 2 === 1;
        scan.inString = true;
        scan.depth = depth;
        scan.line = line;
        scan.lineStart = lineStart;
        return -1;
      }
      i = quote + 1;
      inString = false;
      if (depth === 0) break;
    }
    if (i >= n) {
      scan.inString = false;
      scan.depth = depth;
      scan.line = line;
      scan.lineStart = lineStart;
      return -1;
    }
    const c = text.charCodeAt(i++);
    if (c === 34) inString = true;
    else if (c === 123 || c === 91) depth++;
    else if (c === 125 || c === 93) {
      if (--depth === 0) break;
    } else if (c === 10) {
      line++;
      lineStart = base + i;
    }
  }
  scan.inString = false;
  scan.depth = 0;
  scan.line = line;
  scan.lineStart = lineStart;
  return i;
}

/** Scans a top-level number or literal; returns the index of the delimiter after it, or -1. */
function scanScalar(text: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 44 || c === 93 || isWhitespace(c)) return i;
  }
  return -1;
}

/** Number of `\` characters directly before `end`, not looking before `from`. */
function trailingBackslashes(text: string, from: number, end: number): number {
  let count = 0;
  for (let k = end - 1; k >= from && text.charCodeAt(k) === 92; k--) count++;
  return count;
}

function keepPiece(scan: Scan, piece: string, builder: BatchBuilder, options: ReaderOptions): void {
  if (scan.oversized) return;
  scan.pieces.push(piece);
  scan.piecesLength += piece.length;
  // UTF-16 length is a lower bound of the byte length; good enough for a safety limit.
  if (scan.piecesLength > options.maxRecordBytes) {
    scan.oversized = true;
    scan.pieces = [];
    scan.piecesLength = 0;
    builder.addInvalid(
      `${options.name}:${scan.elementLine}:${scan.elementColumn}`,
      `array element is longer than maxRecordBytes (${options.maxRecordBytes} bytes)`,
      piece.slice(0, INVALID_TEXT_LIMIT),
    );
  }
}

/** Hands a complete element (`text[from, end)` plus earlier pieces) to the builder. */
function finishElement(
  scan: Scan,
  text: string,
  from: number,
  end: number,
  builder: BatchBuilder,
  options: ReaderOptions,
): boolean {
  scan.state = State.AfterElement;
  scan.scalar = false;
  let element = text.slice(from, end);
  if (scan.pieces.length > 0) {
    scan.pieces.push(element);
    element = scan.pieces.join("");
    scan.pieces = [];
    scan.piecesLength = 0;
  }
  if (scan.oversized) {
    scan.oversized = false;
    return true;
  }
  const elementEnd = scan.base + end;
  if (scan.poison.length > 0) {
    const poison = scan.poison;
    while (poison.length > 0 && poison[0]! < scan.elementStart) poison.shift();
    if (poison.length > 0 && poison[0]! < elementEnd) {
      const offset = poison[0]! - scan.elementStart;
      while (poison.length > 0 && poison[0]! < elementEnd) poison.shift();
      const before = element.slice(0, offset);
      const newlines = before.split("\n").length - 1;
      const column = newlines === 0 ? scan.elementColumn + offset : offset - before.lastIndexOf("\n");
      builder.addInvalid(
        `${options.name}:${scan.elementLine + newlines}:${column}`,
        "invalid UTF-8",
        element,
      );
      return true;
    }
  }
  if (options.prefilter !== undefined && !options.prefilter(element)) return builder.skipPrefiltered();
  const invalidBefore = builder.invalid.length;
  // A slice of the decoded block keeps the whole block (16K characters) alive as long as the
  // record lives. When a prefilter makes the kept records sparse, each gets a copy of its own
  // instead (`join` writes a new string; `slice`, `repeat(1)` and slicing a rope keep the
  // block, measured): an 800-character element kept 16 KiB. Selective reads of 300k elements,
  // pretty-printed: 205 -> 149 MiB peak RSS; all on one line: 184 -> 146 MiB. Without a
  // prefilter every element is kept, so the block is shared and copying would only cost.
  const own =
    options.prefilter !== undefined && element.length < TEXT_BLOCK / 2 ? [element, ""].join("") : element;
  const added = builder.add(own, options.name, scan.elementLine, scan.elementColumn);
  if (builder.invalid.length > invalidBefore) {
    // A malformed element may hold raw newlines inside strings, which the quote-to-quote jump
    // does not count: recount them from its text so later positions stay right.
    const lastNewline = element.lastIndexOf("\n");
    if (lastNewline !== -1) {
      scan.line = scan.elementLine + element.split("\n").length - 1;
      scan.lineStart = scan.elementStart + lastNewline + 1;
    }
  }
  return added;
}

function breakStructure(
  scan: Scan,
  builder: BatchBuilder,
  where: string,
  reason: string,
  text: string,
  i: number,
): boolean {
  scan.state = State.Broken;
  builder.addInvalid(where, reason, text.slice(i, i + 200));
  return true;
}

function show(c: number): string {
  return c < 0x20 ? `character U+${c.toString(16).padStart(4, "0")}` : `'${String.fromCharCode(c)}'`;
}
