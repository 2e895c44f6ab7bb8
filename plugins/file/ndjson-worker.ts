/**
 * Worker side of the parallel NDJSON reader (see parallel-ndjson.ts): reads the lines that start
 * in one byte range of a file with the same `readNdjson` as the single-threaded path, so both
 * give identical records. Positions come back relative to the range (`:line`, `:line:column`);
 * the main thread adds the range's first line number.
 *
 * With the run's pattern (`SelectionPushdown.pattern`), the worker also parses the lines that
 * pass the prefilter and matches them, and sends back only the texts that match (or that the
 * engine would report, see {@link certainlyUnmatched}): the main thread then parses ~4% of the
 * lines instead of ~10%, which is what lets a second core pay off.
 *
 * Importing the pattern module from a plugin is an exception allowed for this built-in: the
 * module is pure (no engine, config or CLI state), and the engine still applies the full pattern
 * to everything the source yields, so a worker may only drop records that certainly do not match.
 */
import { open } from "node:fs/promises";
import { type CompiledPattern, compilePattern } from "../../src/pattern/index.ts";
import { compileBytePrefilter } from "./byte-prefilter.ts";
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
}

/** An invalid record of a range, placed after `after` texts. */
export interface RangeInvalid {
  after: number;
  /** `:line:column`, relative to the range. */
  position: string;
  reason: string;
  text: string;
}

/**
 * The answer for one range: the texts of the lines that passed the prefilter, unparsed, with
 * their range-relative line numbers. Parsing stays on the main thread: structured-cloning
 * parsed events back costs more than parsing them (measured: 95k events/s with 2 workers
 * sending parsed batches, against 280k on one thread).
 */
export type RangeResult =
  | {
      type: "result";
      index: number;
      /** Newlines in the range: lines that start in it. */
      lines: number;
      texts: string[];
      textLines: Int32Array;
      invalid: RangeInvalid[];
      /** Lines ruled out: by the prefilter, or parsed here and certainly not matching. */
      prefiltered: number;
    }
  | { type: "error"; index: number; message: string };

/**
 * Whether the engine would drop this parsed record as unmatched: it is an EventBridge event
 * (so the engine would not report it as invalid, the same test as the engine's pass-through
 * check in `src/envelope/event-shape.ts`, copied because plugins must not import the engine)
 * and the pattern does not match it. Anything else goes to the main thread unchanged.
 */
function certainlyUnmatched(value: unknown, pattern: CompiledPattern): boolean {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  const r = value as Record<string, unknown>;
  if (typeof r.source !== "string" || typeof r["detail-type"] !== "string" || !("detail" in r)) return false;
  return !pattern.matches(value);
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

/** The prefilter the engine would use, rebuilt from its literal sets. */
export function prefilterFromLiterals(literals: ReadonlyArray<readonly string[]>): (text: string) => boolean {
  return (text) =>
    text.includes("\\") || literals.every((set) => set.some((literal) => text.includes(literal)));
}

/**
 * The bytes of the lines that start in `[start, end)`: from the first line start at or after
 * `start` to the newline ending the last line that starts before `end`.
 */
async function* rangeBytes(path: string, start: number, end: number) {
  const handle = await open(path, "r");
  try {
    const buffer = new Uint8Array(READ);
    let offset = start;
    if (start > 0) {
      // A line belongs to the range holding its first byte: skip the one started earlier.
      const { bytesRead } = await handle.read(buffer, 0, 1, start - 1);
      if (bytesRead === 1 && buffer[0] !== 10) {
        for (;;) {
          const read = (await handle.read(buffer, 0, READ, offset)).bytesRead;
          if (read === 0) return;
          const newline = buffer.subarray(0, read).indexOf(10);
          if (newline !== -1) {
            offset += newline + 1;
            break;
          }
          offset += read;
        }
        if (offset >= end) return;
      }
    }
    let first = true;
    for (;;) {
      const read = (await handle.read(buffer, 0, READ, offset)).bytesRead;
      if (read === 0) return;
      let chunk = buffer.subarray(0, read);
      if (first && start === 0 && hasBom(chunk)) chunk = chunk.subarray(3);
      first = false;
      let done = false;
      const chunkEnd = offset + read;
      if (chunkEnd >= end) {
        // The last line starting before `end` ends at the first newline at or after `end - 1`.
        const from = Math.max(end - 1 - offset, 0) - (read - chunk.length);
        const newline = chunk.indexOf(10, Math.max(from, 0));
        if (newline !== -1) {
          chunk = chunk.subarray(0, newline + 1);
          done = true;
        }
      }
      yield chunk;
      if (done) return;
      offset = chunkEnd;
    }
  } finally {
    await handle.close();
  }
}

/** Reads one range (exported so its cost can be measured on the main thread). */
export async function readRange(request: RangeRequest): Promise<RangeResult> {
  const counter = { lines: 0 };
  const texts: string[] = [];
  const textLines: number[] = [];
  const invalid: RangeInvalid[] = [];
  let prefiltered = 0;
  const pattern = request.pattern === undefined ? undefined : patternOf(request.pattern);
  const options = {
    name: "",
    batchSize: request.batchSize,
    maxRecordBytes: request.maxRecordBytes,
    // Parsed here only to match; the main thread parses the few texts that come back again,
    // which is cheaper than structured-cloning the parsed values.
    parse: pattern !== undefined,
    // The reader counts the range's lines as it splits them (a second newline search cost ~10%).
    counter,
    ...(request.literals ? { bytePrefilter: compileBytePrefilter(request.literals) } : {}),
  };
  for await (const batch of readNdjson(rangeBytes(request.path, request.start, request.end), options)) {
    for (const record of batch.records) {
      if (pattern !== undefined && certainlyUnmatched(record.value, pattern)) {
        prefiltered++;
        continue;
      }
      texts.push(record.text!);
      textLines.push(Number(record.position.slice(1)));
    }
    for (const bad of batch.invalid ?? []) invalid.push({ after: texts.length, ...bad });
    prefiltered += batch.prefiltered ?? 0;
  }
  return {
    type: "result",
    index: request.index,
    lines: counter.lines,
    texts,
    textLines: Int32Array.from(textLines),
    invalid,
    prefiltered,
  };
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
 * each worker process grew to ~70 MiB, with it ~53 MiB (the runtime itself is ~30 MiB).
 */
const WORKER_RSS_CEILING = 48 * 1024 * 1024;

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
