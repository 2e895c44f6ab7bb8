/**
 * Worker side of the parallel NDJSON reader (see parallel-ndjson.ts): reads the lines that start
 * in one byte range of a file with the same `readNdjson` as the single-threaded path, so both
 * give identical records. Positions come back relative to the range (`:line`, `:line:column`);
 * the main thread adds the range's first line number.
 */
import { open } from "node:fs/promises";
import type { SourceBatch } from "../../src/sdk/index.ts";
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
  literals?: string[][];
}

/** The answer for one range. */
export type RangeResult =
  | { type: "result"; index: number; lines: number; batches: SourceBatch[] }
  | { type: "error"; index: number; message: string };

const READ = 1 << 20;

/** The prefilter the engine would use, rebuilt from its literal sets. */
export function prefilterFromLiterals(literals: string[][]): (text: string) => boolean {
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
  const batches: SourceBatch[] = [];
  const options = {
    name: "",
    batchSize: request.batchSize,
    maxRecordBytes: request.maxRecordBytes,
    ...(request.literals ? { prefilter: prefilterFromLiterals(request.literals) } : {}),
  };
  for await (const batch of readNdjson(
    rangeBytes(request.path, request.start, request.end, counter),
    options,
  )) {
    batches.push(batch);
  }
  return { type: "result", index: request.index, lines: counter.lines, batches };
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
