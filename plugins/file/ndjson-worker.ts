/**
 * Worker side of the parallel NDJSON reader (see parallel-ndjson.ts): reads the lines that start
 * in one byte range of a file with the same `readNdjson` as the single-threaded path, so both
 * give identical records. Positions come back relative to the range (`:line`, `:line:column`);
 * the main thread adds the range's first line number.
 */
import { open } from "node:fs/promises";
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
      prefiltered: number;
    }
  | { type: "error"; index: number; message: string };

const READ = 1 << 20;

/** The prefilter the engine would use, rebuilt from its literal sets. */
export function prefilterFromLiterals(literals: ReadonlyArray<readonly string[]>): (text: string) => boolean {
  return (text) =>
    text.includes("\\") || literals.every((set) => set.some((literal) => text.includes(literal)));
}

/**
 * The bytes of the lines that start in `[start, end)`: from the first line start at or after
 * `start` to the newline ending the last line that starts before `end`. Counts those lines.
 */
async function* rangeBytes(path: string, start: number, end: number, counter: { lines: number }) {
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
      for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) counter.lines++;
      yield chunk;
      if (done) return;
      offset = chunkEnd;
    }
  } finally {
    await handle.close();
  }
}

async function readRange(request: RangeRequest): Promise<RangeResult> {
  const counter = { lines: 0 };
  const texts: string[] = [];
  const textLines: number[] = [];
  const invalid: RangeInvalid[] = [];
  let prefiltered = 0;
  const options = {
    name: "",
    batchSize: request.batchSize,
    maxRecordBytes: request.maxRecordBytes,
    parse: false,
    ...(request.literals ? { bytePrefilter: compileBytePrefilter(request.literals) } : {}),
  };
  for await (const batch of readNdjson(
    rangeBytes(request.path, request.start, request.end, counter),
    options,
  )) {
    for (const record of batch.records) {
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

declare const self: Worker;

// Ranges are handled one at a time, in the order they arrive.
let queue: Promise<void> = Promise.resolve();
self.onmessage = (event: MessageEvent<RangeRequest>) => {
  const request = event.data;
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
    self.postMessage(result);
  });
};
self.postMessage({ type: "ready" });
