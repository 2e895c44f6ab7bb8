/**
 * Worker side of the parallel NDJSON reader (see parallel-ndjson.ts): reads the lines that start
 * in one byte range of a file with the same `readNdjson` as the single-threaded path, so both
 * give identical records. Positions come back relative to the range (`:line`, `:line:column`);
 * the main thread adds the range's first line number.
 *
 * With the run's pattern (`SelectionPushdown.pattern`), the worker also parses the lines that
 * pass the prefilter and matches them, and sends back only the texts that match (or that the
 * engine would report, see {@link certainlyUnmatched}): the main thread then parses ~4% of the
 * lines instead of ~10%.
 *
 * In a match-all pass-through run (`verify`), the worker reads in the reader's verify mode: the
 * event validator (json-validate.ts) proves most lines EventBridge events without parsing, the
 * others are parsed and checked exactly as the engine does (`isEventBridgeEvent`); it sends back
 * where each text is in the file instead of the text (see {@link RangeTexts}).
 *
 * Importing the pattern and event-shape modules from a plugin is an exception allowed for this
 * built-in: they are pure (no engine, config or CLI state), and the engine still applies the
 * full pattern to everything the source yields, so a worker may only drop records that
 * certainly do not match.
 */
import { isAscii } from "node:buffer";
import { open } from "node:fs/promises";
import { isEventBridgeEvent } from "../../src/envelope/event-shape.ts";
import { type CompiledPattern, compilePattern } from "../../src/pattern/index.ts";
import { compileBytePrefilter } from "./byte-prefilter.ts";
import { LazyBytesRecord, LazyRecord } from "./lazy-record.ts";
import { readNdjson } from "./ndjson-reader.ts";
import { hasBom } from "./utf8.ts";

/** A range to read, sent by the main thread. */
export interface RangeRequest {
  type: "range";
  index: number;
  path: string;
  start: number;
  end: number;
  batchSize: number;
  maxRecordBytes: number;
  /** The prefilter as literal sets: passes when the text has a `\` or, for every set, one literal. */
  literals?: ReadonlyArray<readonly string[]>;
  /**
   * The run's pattern as plain JSON (`SelectionPushdown.pattern`): set only when records pass
   * through unmapped (the record is the event the engine matches), so matching here is sound.
   */
  pattern?: unknown;
  /**
   * Match-all pass-through (no pattern, no literals, `SelectionPushdown.passThrough`): parse
   * every line here and say which are EventBridge events (`kinds`), so the main thread can hand
   * them on unparsed as a verified batch (`SourceBatch.verified`).
   */
  verify?: boolean;
}

/** In {@link RangeResult} `kinds`: the text is an EventBridge event. */
export const KIND_EVENT = 1;
/** In {@link RangeResult} `kinds`: the text is all ASCII. */
export const KIND_ASCII = 2;

/** An invalid record of a range, placed after `after` texts. */
export interface RangeInvalid {
  after: number;
  /** `:line:column`, relative to the range. */
  position: string;
  reason: string;
  text: string;
  /** The line's bytes when they are not valid UTF-8 (as the single-threaded reader gives them). */
  bytes?: Uint8Array;
}

/**
 * The texts of a range's answer. `joined`: the texts themselves, joined (text `k` is
 * `joined.slice(ends[k - 1] ?? 0, ends[k])`), for the few lines a pattern or prefilter lets
 * through. `bytes`: where they are in the file, for match-all answers that keep nearly every
 * line: text `k` is the UTF-8 of bytes `[base + starts[k], base + ends[k])`, which the main
 * thread reads again (from the page cache: one read per range) instead of receiving them.
 * Measured, Bun's IPC moved a 4 MiB answer in ~25 ms of latency (400 MB in 1.2 s), so texts
 * sent over it held each range up several times longer than parsing it took.
 */
export type RangeTexts =
  | { kind: "joined"; joined: string; ends: Int32Array }
  | { kind: "bytes"; base: number; starts: Int32Array; ends: Int32Array };

/**
 * The answer for one range: the texts of the lines that passed the prefilter (and the match, with
 * a pattern), unparsed, as one joined string cut at `ends`, with their range-relative line
 * numbers. One string crosses the IPC channel far more cheaply than thousands (one copy instead
 * of one header and copy each). Parsing stays on the main thread: structured-cloning parsed
 * events back costs more than parsing them (measured: 95k events/s with 2 workers sending parsed
 * batches, against 280k on one thread).
 */
export type RangeResult =
  | {
      type: "result";
      index: number;
      /** Newlines in the range: lines that start in it. */
      lines: number;
      /** The texts' line numbers, relative to the range. */
      textLines: Int32Array;
      texts: RangeTexts;
      /**
       * `verify` requests only, per text: {@link KIND_EVENT} when it is an EventBridge event
       * (checked here exactly as the engine would; else it is valid JSON the engine will report),
       * plus {@link KIND_ASCII} when it is all ASCII (decoded cheapest as latin1).
       */
      kinds?: Uint8Array;
      invalid: RangeInvalid[];
      /** Lines ruled out: by the prefilter, or parsed here and certainly not matching. */
      prefiltered: number;
      /** Milliseconds this range took in the worker (for tracing, see parallel-ndjson.ts). */
      ms: number;
    }
  | { type: "error"; index: number; message: string };

/**
 * Whether the engine would drop this parsed record as unmatched: it is an EventBridge event
 * (so the engine would not report it as invalid: `isEventBridgeEvent`, the engine's own
 * pass-through check) and the pattern does not match it. Anything else goes to the main thread
 * unchanged.
 */
function certainlyUnmatched(value: unknown, pattern: CompiledPattern): boolean {
  return isEventBridgeEvent(value) && !pattern.matches(value);
}

/** Patterns compiled in this worker, by their JSON text (one run sends the same one each time). */
const compiled = new Map<string, CompiledPattern | undefined>();

/** The compiled pattern, or `undefined` when it does not compile here (then nothing is matched). */
function patternOf(pattern: unknown): CompiledPattern | undefined {
  const key = JSON.stringify(pattern);
  if (!compiled.has(key)) {
    let result: CompiledPattern | undefined;
    try {
      result = compilePattern(pattern);
    } catch {
      // The engine validated the pattern; if it does not compile here, only prefilter.
      result = undefined;
    }
    compiled.set(key, result);
  }
  return compiled.get(key);
}

const READ = 1 << 20;
/** Bytes read past a range's end to find the end of its last line in the same read. */
const TAIL = 64 * 1024;

/** The prefilter the engine would use, rebuilt from its literal sets. */
export function prefilterFromLiterals(literals: ReadonlyArray<readonly string[]>): (text: string) => boolean {
  return (text) =>
    text.includes("\\") || literals.every((set) => set.some((literal) => text.includes(literal)));
}

/**
 * The bytes of the lines that start in `[start, end)`: from the first line start at or after
 * `start` (after a BOM) to the newline ending the last line that starts before `end`. `origin`
 * is given the file offset of the first byte yielded.
 *
 * Reads only what it yields, plus {@link TAIL} past `end` for the last line (and what a line
 * longer than that needs): the bytes skipped before the first line are not read twice, and the
 * last read does not fetch a whole chunk past the range (it did: ~50% more bytes copied than
 * the range held).
 */
export async function* rangeBytes(
  path: string,
  start: number,
  end: number,
  origin?: { offset: number },
): AsyncGenerator<Uint8Array> {
  const handle = await open(path, "r");
  try {
    const buffer = new Uint8Array(READ);
    let offset = start;
    // A line belongs to the range holding its first byte: skip the one started earlier.
    let skipping = false;
    if (start > 0) {
      const { bytesRead } = await handle.read(buffer, 0, 1, start - 1);
      skipping = bytesRead === 1 && buffer[0] !== 10;
    }
    let first = true;
    for (;;) {
      const want = offset < end ? Math.min(READ, end - offset + TAIL) : READ;
      const read = (await handle.read(buffer, 0, want, offset)).bytesRead;
      if (read === 0) return;
      let chunk = buffer.subarray(0, read);
      /** The file offset of `chunk[0]`. */
      let at = offset;
      offset += read;
      if (skipping) {
        const newline = chunk.indexOf(10);
        if (newline === -1) continue;
        skipping = false;
        chunk = chunk.subarray(newline + 1);
        at += newline + 1;
        // No line starts in the range.
        if (at >= end) return;
      }
      if (first) {
        first = false;
        if (start === 0 && hasBom(chunk)) {
          chunk = chunk.subarray(3);
          at += 3;
        }
        if (origin) origin.offset = at;
      }
      if (at + chunk.length >= end) {
        // The last line starting before `end` ends at the first newline at or after `end - 1`.
        const newline = chunk.indexOf(10, Math.max(end - 1 - at, 0));
        if (newline !== -1) {
          yield chunk.subarray(0, newline + 1);
          return;
        }
      }
      if (chunk.length > 0) yield chunk;
    }
  } finally {
    await handle.close();
  }
}

/** Reads one range (exported so its cost can be measured on the main thread). */
export async function readRange(request: RangeRequest): Promise<RangeResult> {
  const began = performance.now();
  const counter = { lines: 0 };
  const texts: string[] = [];
  const textLines: number[] = [];
  const kinds: number[] = [];
  const invalid: RangeInvalid[] = [];
  let prefiltered = 0;
  const pattern = request.pattern === undefined ? undefined : patternOf(request.pattern);
  const verify = request.verify === true && pattern === undefined && request.literals === undefined;
  const options = {
    name: "",
    batchSize: request.batchSize,
    maxRecordBytes: request.maxRecordBytes,
    // Parsed here only to match or check shapes; the main thread parses again what it needs,
    // which is cheaper than structured-cloning the parsed values.
    parse: pattern !== undefined || verify,
    // Match-all: the reader's verify mode, where its validator proves most lines events
    // without `JSON.parse` (json-validate.ts); events come back as lazy records.
    verify,
    // The reader counts the range's lines as it splits them (a second newline search cost ~10%).
    counter,
    ...(request.literals ? { bytePrefilter: compileBytePrefilter(request.literals) } : {}),
  };
  // Match-all answers say where each text is (see RangeTexts): line starts, from the bytes read.
  const origin = { offset: 0 };
  const lineStarts = verify ? [0] : undefined;
  const bytes = rangeBytes(request.path, request.start, request.end, origin);
  const input = lineStarts ? withLineStarts(bytes, lineStarts) : bytes;
  const starts: number[] = [];
  const ends: number[] = [];
  for await (const batch of readNdjson(input, options)) {
    for (const record of batch.records) {
      if (pattern !== undefined && certainlyUnmatched(record.value, pattern)) {
        prefiltered++;
        continue;
      }
      const line = Number(record.position.slice(1));
      textLines.push(line);
      if (lineStarts) {
        // The text is its line's bytes without the newline (and a `\r`), decoded from valid UTF-8.
        // Events the validator proved come as those bytes, never decoded here.
        const start = lineStarts[line - 1]!;
        const bytes = record.bytes;
        const length = bytes !== undefined ? bytes.length : Buffer.byteLength(record.text!);
        starts.push(start);
        ends.push(start + length);
        // In verify mode the events, and only they, are lazy records.
        const event = record instanceof LazyBytesRecord || record instanceof LazyRecord;
        // As many bytes as UTF-16 units only when every character is ASCII.
        const ascii = bytes !== undefined ? isAscii(bytes) : length === record.text!.length;
        kinds.push((event ? KIND_EVENT : 0) | (ascii ? KIND_ASCII : 0));
      } else {
        texts.push(record.text!);
      }
    }
    for (const bad of batch.invalid ?? []) invalid.push({ after: textLines.length, ...bad });
    prefiltered += batch.prefiltered ?? 0;
  }
  return {
    type: "result",
    index: request.index,
    lines: counter.lines,
    textLines: Int32Array.from(textLines),
    texts: lineStarts
      ? { kind: "bytes", base: origin.offset, starts: Int32Array.from(starts), ends: Int32Array.from(ends) }
      : { kind: "joined", joined: texts.join(""), ends: joinedEnds(texts) },
    ...(verify ? { kinds: Uint8Array.from(kinds) } : {}),
    invalid,
    prefiltered,
    ms: performance.now() - began,
  };
}

/** Where each text of `texts.join("")` ends. */
function joinedEnds(texts: string[]): Int32Array {
  const ends = new Int32Array(texts.length);
  let at = 0;
  for (let k = 0; k < texts.length; k++) {
    at += texts[k]!.length;
    ends[k] = at;
  }
  return ends;
}

/** Passes `chunks` on, noting the offset (from the first chunk's start) of every line start. */
async function* withLineStarts(
  chunks: AsyncIterable<Uint8Array>,
  lineStarts: number[],
): AsyncGenerator<Uint8Array> {
  let at = 0;
  for await (const chunk of chunks) {
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lineStarts.push(at + i + 1);
    at += chunk.length;
    yield chunk;
  }
}

/**
 * The texts of a range's answer, one string each (tests; the main thread slices or reads them
 * as it builds batches, see parallel-ndjson.ts).
 */
export async function textsOf(
  result: Extract<RangeResult, { type: "result" }>,
  path: string,
): Promise<string[]> {
  const t = result.texts;
  const out: string[] = [];
  if (t.kind === "joined") {
    let from = 0;
    for (const end of t.ends) {
      out.push(t.joined.slice(from, end));
      from = end;
    }
    return out;
  }
  const bytes = await Bun.file(path).bytes();
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let k = 0; k < t.starts.length; k++)
    out.push(buffer.toString("utf8", t.base + t.starts[k]!, t.base + t.ends[k]!));
  return out;
}

/** Set in the environment of a worker started as a child process (see parallel-ndjson.ts). */
export const WORKER_PROCESS_ENV = "REHYDRATE_NDJSON_WORKER";

/** Handles ranges one at a time, in the order they arrive, answering through `reply`. */
function serve(reply: (result: RangeResult) => void): (request: RangeRequest) => void {
  let queue: Promise<void> = Promise.resolve();
  return (request) => {
    queue = queue.then(async () => {
      let result: RangeResult;
      try {
        result = await readRange(request);
      } catch (error) {
        result = {
          type: "error",
          index: request.index,
          message: error instanceof Error ? error.message : String(error),
        };
      }
      reply(result);
      collectIfLarge();
    });
  };
}

/**
 * Resident memory above which a worker process collects after a range. JavaScriptCore collects
 * lazily, and a worker's garbage (decoded lines, parsed candidates) is all it has: without this
 * each worker process grew to ~70 MiB (the runtime itself is ~30 MiB). At 48 MB it collected
 * after nearly every range, ~0.2 s of CPU per worker over 1M events (traced); at 64 MB every
 * ~12th range, at ~55-60 MiB.
 */
const WORKER_RSS_CEILING = 64 * 1024 * 1024;

function collectIfLarge(): void {
  if (process.memoryUsage.rss() > WORKER_RSS_CEILING) Bun.gc(true);
}

declare const self: Worker;

if (!Bun.isMainThread) {
  // A worker thread (the compiled binary, where this module is an embedded entrypoint).
  const handle = serve((result) => self.postMessage(result));
  self.onmessage = (event: MessageEvent<RangeRequest>) => handle(event.data);
  self.postMessage({ type: "ready" });
} else if (process.env[WORKER_PROCESS_ENV] === "1" && process.send) {
  // A child process: it dies with the parent's IPC channel, so it cannot outlive a crashed run.
  const send = process.send.bind(process);
  const handle = serve((result) => send(result));
  process.on("message", (message) => handle(message as RangeRequest));
  process.on("disconnect", () => process.exit(0));
  send({ type: "ready" });
}
