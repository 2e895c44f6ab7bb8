/**
 * Parallel NDJSON reading: the file is cut into byte ranges, worker threads read and parse
 * them (each line belongs to the range holding its first byte), and the main thread hands the
 * results on strictly in range order, turning each range-relative line number into the file's.
 * The output is identical to the single-threaded reader's (tested); only batch sizes may differ.
 *
 * Workers split lines and run the prefilter; the main thread parses the lines that pass, since
 * structured-cloning parsed events back costs more than parsing them. So workers help only with
 * a prefilter, and the engine's prefilter is a closure that cannot be sent to a worker: they
 * rebuild it from its literal sets (`literals`, the SDK's `prefilterLiterals`).
 */
import { stat } from "node:fs/promises";
import { PluginError, type SourceBatch } from "../../src/sdk/index.ts";
import { BatchBuilder } from "./batch-builder.ts";
import type { RangeRequest, RangeResult } from "./ndjson-worker.ts";

/** Options of {@link readNdjsonParallel}. */
export interface ParallelOptions {
  /** Absolute path of a plain (not gzipped) NDJSON file. */
  path: string;
  /** The name positions use. */
  name: string;
  workers: number;
  /** Bytes per range. @default 4 MiB */
  rangeBytes?: number;
  batchSize: number;
  maxRecordBytes: number;
  /** The prefilter as literal sets (see ndjson-worker.ts), when there is one. */
  literals?: ReadonlyArray<readonly string[]>;
  signal?: AbortSignal;
}

/** Thrown when workers cannot start (e.g. a compiled binary built without the worker entry). */
export class WorkersUnavailable extends Error {}

/** Ranges each worker may have queued: one being read, one waiting. */
const IN_FLIGHT = 2;

/**
 * Where the worker's module is. From source, next to this file. In a `bun build --compile`
 * binary, code lives in an embedded file system and the worker is a second entrypoint of the
 * build (scripts/build.ts adds it), addressed by its path from the project root.
 */
const WORKER_ENTRY = import.meta.url.includes("$bunfs")
  ? "./plugins/file/ndjson-worker.ts"
  : new URL("./ndjson-worker.ts", import.meta.url).href;

function startWorker(): Promise<Worker> {
  return new Promise((resolve, reject) => {
    let worker: Worker;
    try {
      worker = new Worker(WORKER_ENTRY);
    } catch (error) {
      reject(new WorkersUnavailable(String(error)));
      return;
    }
    const timer = setTimeout(() => {
      worker.terminate();
      reject(new WorkersUnavailable("worker did not start"));
    }, 10_000);
    worker.onerror = (event) => {
      clearTimeout(timer);
      worker.terminate();
      reject(new WorkersUnavailable(event.message));
    };
    worker.onmessage = (event: MessageEvent<{ type: string }>) => {
      if (event.data.type !== "ready") return;
      clearTimeout(timer);
      resolve(worker);
    };
  });
}

/**
 * Reads `path` with `workers` threads. Throws {@link WorkersUnavailable} before yielding
 * anything when workers cannot start, so the caller can fall back to one thread.
 */
export async function* readNdjsonParallel(options: ParallelOptions): AsyncGenerator<SourceBatch> {
  const rangeBytes = options.rangeBytes ?? 4 * 1024 * 1024;
  const size = (await stat(options.path)).size;
  const ranges = Math.max(1, Math.ceil(size / rangeBytes));
  const started = await Promise.allSettled(Array.from({ length: options.workers }, startWorker));
  const workers = started.flatMap((s) => (s.status === "fulfilled" ? [s.value] : []));
  const failed = started.find((s): s is PromiseRejectedResult => s.status === "rejected");
  if (failed) {
    for (const worker of workers) worker.terminate();
    throw failed.reason;
  }
  const results = new Map<number, RangeResult>();
  let wake: (() => void) | undefined;
  let broken: string | undefined;
  for (const worker of workers) {
    worker.onmessage = (event: MessageEvent<RangeResult>) => {
      results.set(event.data.index, event.data);
      wake?.();
    };
    worker.onerror = (event) => {
      broken = event.message || "a worker failed";
      wake?.();
    };
  }
  const send = (index: number) => {
    if (index >= ranges) return;
    const request: RangeRequest = {
      type: "range",
      index,
      path: options.path,
      start: index * rangeBytes,
      end: Math.min(size, (index + 1) * rangeBytes),
      batchSize: options.batchSize,
      maxRecordBytes: options.maxRecordBytes,
      ...(options.literals ? { literals: options.literals } : {}),
    };
    workers[index % workers.length]!.postMessage(request);
  };
  try {
    for (let index = 0; index < workers.length * IN_FLIGHT; index++) send(index);
    let lineBase = 0;
    for (let index = 0; index < ranges; index++) {
      while (!results.has(index)) {
        if (broken) throw new PluginError(`parallel read failed: ${broken}`, options.name);
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = undefined;
      }
      const result = results.get(index)!;
      results.delete(index);
      if (result.type === "error") throw new PluginError(result.message, options.name);
      // Keep the workers busy while this range's batches go downstream.
      send(index + workers.length * IN_FLIGHT);
      // Parse here, in read order, with the same builder as the single-threaded reader.
      const builder = new BatchBuilder(undefined, options.batchSize);
      builder.prefiltered = result.prefiltered;
      const { texts, textLines, invalid } = result;
      let next = 0;
      for (let k = 0; k <= texts.length; k++) {
        while (next < invalid.length && invalid[next]!.after === k) {
          const bad = invalid[next++]!;
          const [, line, column] = bad.position.split(":");
          builder.addInvalid(`${options.name}:${lineBase + Number(line)}:${column}`, bad.reason, bad.text);
          yield builder.take();
          if (options.signal?.aborted) return;
        }
        if (k === texts.length) break;
        if (builder.add(texts[k]!, options.name, lineBase + textLines[k]!, 0)) {
          yield builder.take();
          if (options.signal?.aborted) return;
        }
      }
      if (!builder.isEmpty) yield builder.take();
      lineBase += result.lines;
    }
  } finally {
    for (const worker of workers) worker.terminate();
  }
}
