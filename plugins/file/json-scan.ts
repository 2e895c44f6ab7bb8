/**
 * Proves, without parsing, that lines of a JSON array are one element each, exactly as the
 * exact scanner of array-reader.ts would find them. The array reader's line path needs this
 * for the lines a prefilter rules out: they are never parsed, so no `JSON.parse` proves them.
 *
 * The check (see json-scan.wat for its precise statement): each line from `start` is optional
 * whitespace, `{` or `[`, the text up to where the bracket depth outside strings first returns
 * to 0, optional whitespace, at most one `,`, optional whitespace; or blank. Strings end at a
 * quote not escaped by an odd run of backslashes, as in the exact scanner. A line ending inside
 * a string, or with a backslash outside strings, fails (valid JSON has neither). `verify`
 * returns the start of the first line that fails, or `end`.
 *
 * Two implementations with the same answers (array-scan.test.ts compares them on random lines):
 * a WebAssembly SIMD module (json-scan.wat, simdjson's structural-index technique, ~0.25 ns a
 * byte here), and a JS reference (quote to quote with the native `indexOf`, as the exact
 * scanner). Memory: the module's memory holds one block of input (a chunk plus a carried
 * partial line) and stays at the largest block seen: at most a chunk plus the line reader's
 * carry limit (array-lines.ts).
 */
import { JSON_SCAN_WASM } from "./json-scan-wasm.ts";

/**
 * Where the array reader's line path assembles each block of input (a carried partial line,
 * then the next chunk), so the bytes are copied once and never allocated per chunk.
 */
export interface BlockStore {
  /**
   * A buffer of at least `size` bytes whose first bytes are those of the previous buffer
   * (the caller moves what it keeps to the front first). Valid until the next call.
   */
  reserve(size: number): Buffer;
}

/** A {@link BlockStore} in a plain buffer, grown when a block needs more. */
export function plainBlockStore(): BlockStore {
  let buffer = Buffer.allocUnsafe(0);
  return {
    reserve(size) {
      if (size > buffer.length) {
        const grown = Buffer.allocUnsafe(Math.max(size, buffer.length * 2));
        grown.set(buffer);
        buffer = grown;
      }
      return buffer;
    },
  };
}

/** Proves lines of the block in its store one element each (see the module comment). */
export interface LineVerifier extends BlockStore {
  readonly kind: "wasm" | "js";
  /**
   * Checks the lines of the current block's `[start, end)`: `start` is a line start between
   * array elements, `end` is just after a newline. For each line that is exactly one element
   * (or blank), in order, writes a record to {@link records}; stops at the first line that is
   * not, at `end`, or after {@link MAX_RECORDS} records, and returns the number written.
   */
  verify(start: number, end: number): number;
  /**
   * Four numbers per verified line: its start, the element's start and end (without a comma
   * and spaces; both the newline's position on a blank line), and the newline's position plus
   * {@link COMMA} when a `,` follows the element. Valid until the next call.
   */
  readonly records: Uint32Array;
}

/** Most records one {@link LineVerifier.verify} call writes. */
export const MAX_RECORDS = 4096;
/** Added to a record's newline position when a `,` follows its element. */
export const COMMA = 0x80000000;

const PAGE = 65536;
/** Where the module's memory holds the block (the records come first). */
const BLOCK_OFFSET = 65536;
/** Bytes past `end` that the module reads (one 64-byte block) and ignores. */
const SLACK = 64;

let compiled: WebAssembly.Module | null | undefined;

/** The compiled module, or `null` where WebAssembly (with SIMD) is not available. */
function wasmModule(): WebAssembly.Module | null {
  if (compiled !== undefined) return compiled;
  try {
    compiled = new WebAssembly.Module(Buffer.from(JSON_SCAN_WASM, "base64"));
  } catch {
    compiled = null;
  }
  return compiled;
}

interface Exports {
  memory: WebAssembly.Memory;
  verify: (start: number, end: number) => number;
}

/** The block lives in the module's memory, so verifying it copies nothing. */
class WasmLineVerifier implements LineVerifier {
  readonly kind = "wasm";
  private view: Buffer;
  records: Uint32Array;
  constructor(private readonly exports: Exports) {
    this.view = Buffer.from(exports.memory.buffer, BLOCK_OFFSET);
    this.records = new Uint32Array(exports.memory.buffer, 0, MAX_RECORDS * 4);
  }

  reserve(size: number): Buffer {
    const need = size + SLACK;
    if (need > this.view.length) {
      // Growing keeps the memory's bytes; only the old views are detached.
      this.exports.memory.grow(Math.ceil((need - this.view.length) / PAGE));
      this.view = Buffer.from(this.exports.memory.buffer, BLOCK_OFFSET);
      this.records = new Uint32Array(this.exports.memory.buffer, 0, MAX_RECORDS * 4);
    }
    return this.view;
  }

  verify(start: number, end: number): number {
    return this.exports.verify(start, end);
  }
}

/**
 * A verifier on the WebAssembly module (one instance, so one memory, per reader), or
 * `undefined` when the module cannot run here or fails its self-check.
 */
export function wasmLineVerifier(): LineVerifier | undefined {
  const module = wasmModule();
  if (module === null) return undefined;
  try {
    const verifier = new WasmLineVerifier(new WebAssembly.Instance(module).exports as unknown as Exports);
    // A runtime that compiles the module but computes otherwise is not trusted.
    for (const [text, expected] of SELF_CHECK) {
      const bytes = new TextEncoder().encode(text);
      verifier.reserve(bytes.length).set(bytes);
      const count = verifier.verify(0, bytes.length);
      if (JSON.stringify([...verifier.records.subarray(0, count * 4)]) !== JSON.stringify(expected))
        return undefined;
    }
    return verifier;
  } catch {
    return undefined;
  }
}

/** Verifiers given back by finished readers (see {@link acquireLineVerifier}). */
const pool: LineVerifier[] = [];
const POOL_SIZE = 4;

/**
 * A WebAssembly verifier for one reader, from the pool when one is free, or `undefined` where
 * the module does not run. Reusing them matters for globs of many small files: each instance
 * has a memory of its own (2 MiB or more, and a large reservation of address space).
 * Give it back with {@link releaseLineVerifier} once nothing reads its memory any more.
 */
export function acquireLineVerifier(): LineVerifier | undefined {
  return pool.pop() ?? wasmLineVerifier();
}

export function releaseLineVerifier(verifier: LineVerifier): void {
  if (pool.length < POOL_SIZE && !pool.includes(verifier)) pool.push(verifier);
}

const SELF_CHECK: Array<[string, number[]]> = [
  ['{"a":"\\\\"},\n [{"b":"}\\""}] \n\n', [0, 0, 10, 11 + COMMA, 12, 13, 26, 27, 28, 28, 28, 28]],
  ['{"a":1},\n{"a":1}}\n', [0, 0, 7, 8 + COMMA]],
  ['{"a":"x\n"}\n', []],
];

/**
 * The JS implementation: the reference the module is tested against, and usable where the
 * module is not. Slower than the exact scanner itself (measured: 4.0 s against 3.3 s of CPU
 * per 1M events), so the reader falls back to that scanner instead (array-reader.ts).
 */
export function jsLineVerifier(): LineVerifier {
  const store = plainBlockStore();
  let block: Buffer = Buffer.allocUnsafe(0);
  const records = new Uint32Array(MAX_RECORDS * 4);
  return {
    kind: "js",
    records,
    reserve(size) {
      block = store.reserve(size);
      return block;
    },
    verify(start, end) {
      let lineStart = start;
      let count = 0;
      while (lineStart < end && count < MAX_RECORDS) {
        const newline = block.indexOf(10, lineStart);
        if (newline === -1 || newline >= end || !lineRecord(block, lineStart, newline, records, count * 4))
          break;
        count++;
        lineStart = newline + 1;
      }
      return count;
    },
  };
}

const isSpace = (c: number) => c === 32 || c === 9 || c === 13;

/**
 * Whether `bytes[start, end)` (a line without its newline) is blank or one element; if so,
 * writes its record at `records[at]`.
 */
function lineRecord(
  bytes: Uint8Array,
  start: number,
  end: number,
  records: Uint32Array,
  at: number,
): boolean {
  let i = start;
  while (i < end && isSpace(bytes[i]!)) i++;
  if (i === end) {
    records.set([start, end, end, end], at);
    return true;
  }
  const elementStart = i;
  const first = bytes[i]!;
  if (first !== 123 && first !== 91) return false;
  let depth = 1;
  i++;
  let close = -1;
  while (i < end) {
    const c = bytes[i]!;
    if (c === 34) {
      // A string: to the first quote not escaped by an odd run of backslashes.
      const from = i + 1;
      let quote = bytes.indexOf(34, from);
      while (quote !== -1 && quote < end) {
        let k = quote - 1;
        while (k >= from && bytes[k] === 92) k--;
        if ((quote - 1 - k) % 2 === 0) break;
        quote = bytes.indexOf(34, quote + 1);
      }
      if (quote === -1 || quote >= end) return false;
      i = quote + 1;
      continue;
    }
    if (c === 92) return false;
    if (c === 123 || c === 91) depth++;
    else if (c === 125 || c === 93) {
      if (--depth === 0) {
        close = i;
        break;
      }
    }
    i++;
  }
  if (close === -1) return false;
  let tail = end;
  while (isSpace(bytes[tail - 1]!)) tail--;
  let comma = 0;
  if (bytes[tail - 1] === 44) {
    comma = COMMA;
    tail--;
    while (isSpace(bytes[tail - 1]!)) tail--;
  }
  if (tail - 1 !== close) return false;
  records.set([start, elementStart, tail, end + comma], at);
  return true;
}
