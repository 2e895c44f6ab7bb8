/**
 * Says, without parsing, which NDJSON lines are certainly EventBridge events: for each line of
 * a block, "yes" (a valid JSON text whose value `isEventBridgeEvent` accepts) or "don't know".
 * The NDJSON reader's verify mode (ndjson-reader.ts) hands "yes" lines on as lazy records and
 * sends the others to `JSON.parse` as before, which gives the exact error messages and decides
 * every odd case; so "don't know" only costs speed, while a wrong "yes" would pass an invalid
 * line as an event. The module (json-validate.wat, its comment states the check exactly) is
 * conservative: it answers "don't know" for a top-level key with a backslash, a duplicate
 * `source`/`detail-type`/`detail`, nesting deeper than 128, or a block over {@link MAX_BLOCK}.
 * json-validate.test.ts compares its answers with `JSON.parse` on random and mutated lines.
 *
 * One call answers up to {@link MAX_LINES} lines: ~0.7 ns a byte here (0.56 µs per generated
 * 812-byte event, against 1.6 µs for `JSON.parse`; JavaScriptCore runs it in its baseline
 * tier, the optimizing one gains ~10%). Memory: the module's memory holds one block (copied in
 * once) and stays at the largest block seen, at most {@link MAX_BLOCK} plus 128 KiB; larger
 * blocks (a line longer than that) are not validated. Up to 4 idle validators are pooled.
 */
import { isEventBridgeEvent } from "../../src/envelope/event-shape.ts";
import { JSON_VALIDATE_WASM } from "./json-validate-wasm.ts";

/** Most lines one {@link EventValidator.validate} call answers. */
export const MAX_LINES = 16384;
/** Set in a record when its line is certainly an EventBridge event. */
export const YES = 0x80000000;
/** Longest block validated, in bytes (the reader's blocks are a 1 MiB chunk or one long line). */
export const MAX_BLOCK = 4 << 20;

const PAGE = 65536;
/** Where the module's memory holds the block (records, tables and stack come first). */
const BLOCK_OFFSET = 131072;
/** Bytes after the block: the sentinel newline, then what 16-byte loads read past it. */
const SLACK = 64;

export interface EventValidator {
  /** Copies `block` (at most {@link MAX_BLOCK} bytes) into the module's memory. */
  load(block: Uint8Array): void;
  /**
   * Answers the lines of the loaded block from `start` (a line start) on: writes one record per
   * line to {@link records}, up to {@link MAX_LINES}, and returns how many. A record is the
   * position of the line's `\n` (the block's length for a last line without one), plus
   * {@link YES} when the line is certainly an event. Valid until the next call.
   */
  validate(start: number): number;
  readonly records: Uint32Array;
}

interface Exports {
  memory: WebAssembly.Memory;
  validate: (start: number, end: number) => number;
}

let compiled: WebAssembly.Module | null | undefined;

/** The compiled module, or `null` where WebAssembly (with SIMD) is not available. */
function wasmModule(): WebAssembly.Module | null {
  if (compiled !== undefined) return compiled;
  try {
    compiled = new WebAssembly.Module(Buffer.from(JSON_VALIDATE_WASM, "base64"));
  } catch {
    compiled = null;
  }
  return compiled;
}

class WasmEventValidator implements EventValidator {
  private view: Uint8Array;
  records: Uint32Array;
  private length = 0;

  constructor(private readonly exports: Exports) {
    this.view = new Uint8Array(exports.memory.buffer, BLOCK_OFFSET);
    this.records = new Uint32Array(exports.memory.buffer, 0, MAX_LINES);
  }

  load(block: Uint8Array): void {
    const need = block.length + SLACK;
    if (need > this.view.length) {
      this.exports.memory.grow(Math.ceil((need - this.view.length) / PAGE));
      this.view = new Uint8Array(this.exports.memory.buffer, BLOCK_OFFSET);
      this.records = new Uint32Array(this.exports.memory.buffer, 0, MAX_LINES);
    }
    this.view.set(block);
    this.view[block.length] = 10;
    this.length = block.length;
  }

  validate(start: number): number {
    return this.exports.validate(start, this.length);
  }
}

/**
 * A validator on the WebAssembly module (one instance, so one memory, per reader), or
 * `undefined` when the module cannot run here or fails its self-check.
 */
export function wasmEventValidator(): EventValidator | undefined {
  const module = wasmModule();
  if (module === null) return undefined;
  try {
    const validator = new WasmEventValidator(new WebAssembly.Instance(module).exports as unknown as Exports);
    // A runtime that compiles the module but computes otherwise is not trusted.
    const bytes = new TextEncoder().encode(SELF_CHECK.join("\n"));
    validator.load(bytes);
    const count = validator.validate(0);
    if (count !== SELF_CHECK.length) return undefined;
    let at = 0;
    for (let k = 0; k < count; k++) {
      at += SELF_CHECK[k]!.length;
      if (validator.records[k] !== at + (expectedYes(SELF_CHECK[k]!) ? YES : 0)) return undefined;
      at++;
    }
    return validator;
  } catch {
    return undefined;
  }
}

/** The exact answer for a self-check line (all ASCII, so UTF-16 length = byte length). */
function expectedYes(text: string): boolean {
  try {
    return isEventBridgeEvent(JSON.parse(text));
  } catch {
    return false;
  }
}

const SELF_CHECK = [
  '{"source":"s","detail-type":"t","detail":{"a":[1,-2.5e+3,true,false,null,"\\u00e9\\n"]}}',
  ' {"detail" : [], "source":"a\\"b", "detail-type":"" } \r',
  '{"source":"s","detail-type":"t"}',
  '{"source":1,"detail-type":"t","detail":0}',
  '{"source":"s","detail-type":"t","detail":01}',
  '{"source":"s","detail-type":"t","detail":{"a":"\\x"}}',
  '{"source":"s","detail-type":"t","detail":[}',
  '{"source":"s","detail-type":"t","detail":1} 2',
  "",
  '["source","detail-type","detail"]',
];

/** Validators given back by finished readers (see {@link acquireEventValidator}). */
const pool: EventValidator[] = [];
const POOL_SIZE = 4;

/**
 * A validator for one reader, from the pool when one is free, or `undefined` where the module
 * does not run. Give it back with {@link releaseEventValidator} once the reader is done.
 */
export function acquireEventValidator(): EventValidator | undefined {
  return pool.pop() ?? wasmEventValidator();
}

export function releaseEventValidator(validator: EventValidator): void {
  if (pool.length < POOL_SIZE && !pool.includes(validator)) pool.push(validator);
}
