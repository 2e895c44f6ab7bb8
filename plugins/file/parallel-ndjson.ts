/**
 * Parallel NDJSON reading: the file is cut into byte ranges, worker threads read and parse
 * them (each line belongs to the range holding its first byte), and the main thread hands the
 * results on strictly in range order, turning each range-relative line number into the file's.
 * The output is identical to the single-threaded reader's (tested); only batch sizes may differ.
 *
 * Workers split lines and run the prefilter; with the run's pattern they also parse the lines that
 * pass it and match them, and send back only the texts that may match. The main thread parses
 * what comes back (again: structured-cloning parsed events costs more than parsing them). So
 * workers help only with a prefilter, and the engine's prefilter is a closure that cannot be
 * sent to a worker: they rebuild it from its literal sets (`SelectionPushdown.literals`).
 *
 * Memory: at most `workers × IN_FLIGHT` ranges are in flight (one being read per worker);
 * each worker holds one 1 MiB read buffer and the candidate texts of its range, and the main
 * thread holds the results of ranges that arrived ahead of the one it is emitting (at most the
 * in-flight count). With 4 MiB ranges that bounds the reader's own memory to a few tens of MB
 * whatever the file size.
 */
import { stat } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { PluginError, type SourceBatch } from "../../src/sdk/index.ts";
import { BatchBuilder } from "./batch-builder.ts";
import { type RangeRequest, type RangeResult, WORKER_PROCESS_ENV } from "./ndjson-worker.ts";

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
  /**
   * The run's pattern as plain JSON, to match in the workers: only when records pass through
   * unmapped (see ndjson-worker.ts). Matched-out lines are counted as prefiltered.
   */
  pattern?: unknown;
  /** @default "process" from source, "thread" in a compiled binary (see {@link WorkerMode}). */
  mode?: WorkerMode;
  signal?: AbortSignal;
}

/** Thrown when workers cannot start (e.g. a compiled binary built without the worker entry). */
export class WorkersUnavailable extends Error {}

/**
 * Ranges each worker may have queued (one being read, the rest waiting). Results are handed on
 * strictly in range order, so when one worker is held up (a busy machine) the others can work
 * this far ahead before they idle; a queued range costs only its answer (the ~10% of its lines
 * that pass the prefilter, or fewer).
 */
const IN_FLIGHT = 4;

/** Whether this code runs from a `bun build --compile` binary's embedded file system. */
const COMPILED = import.meta.url.includes("$bunfs");

/**
 * Where the worker's module is. From source, next to this file. In a `bun build --compile`
 * binary, code lives in an embedded file system and the worker is a second entrypoint of the
 * build (scripts/build.ts adds it), addressed by its path from the project root.
 */
const WORKER_ENTRY = COMPILED
  ? "./plugins/file/ndjson-worker.ts"
  : new URL("./ndjson-worker.ts", import.meta.url).href;

/**
 * How workers run. `process` (the default from source): child `bun` processes talking over
 * IPC. `thread`: Bun worker threads (the only choice in a compiled binary, which cannot run
 * the worker module as a separate program). Measured here, two worker threads doing this work
 * each ran 40-70% slower than alone (even plain reads slowed), while two processes ran at
 * nearly full speed each, so threads could not reach the 1.6x goal on 2 cores.
 */
export type WorkerMode = "process" | "thread";

/** One worker, whatever its kind: requests in, results out. */
interface RangeWorker {
  post(request: RangeRequest): void;
  terminate(): void;
}

interface WorkerEvents {
  onResult(result: RangeResult): void;
  onBroken(reason: string): void;
}

/** Waits for a worker's `ready` message, or gives up after 10 s. */
function whenReady<W>(
  worker: W,
  stop: () => void,
): { ready: Promise<W>; message: (data: unknown) => boolean; fail: (reason: string) => void } {
  let resolve!: (w: W) => void;
  let reject!: (error: Error) => void;
  let settled = false;
  const ready = new Promise<W>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  const timer = setTimeout(() => fail("worker did not start"), 10_000);
  function fail(reason: string) {
    if (settled) return;
    settled = true;
    clearTimeout(timer);
    stop();
    reject(new WorkersUnavailable(reason));
  }
  return {
    ready,
    fail,
    // `true` while the message was the start handshake (so it is not a result).
    message: (data) => {
      if (settled) return false;
      if ((data as { type?: string }).type !== "ready") return true;
      settled = true;
      clearTimeout(timer);
      resolve(worker);
      return true;
    },
  };
}

function startThread(events: WorkerEvents): Promise<RangeWorker> {
  let worker: Worker;
  try {
    worker = new Worker(WORKER_ENTRY);
  } catch (error) {
    return Promise.reject(new WorkersUnavailable(String(error)));
  }
  const handle: RangeWorker = { post: (r) => worker.postMessage(r), terminate: () => worker.terminate() };
  const start = whenReady(handle, () => worker.terminate());
  worker.onerror = (event) => {
    start.fail(event.message);
    events.onBroken(event.message || "a worker failed");
  };
  worker.onmessage = (event: MessageEvent<RangeResult>) => {
    if (!start.message(event.data)) events.onResult(event.data);
  };
  return start.ready;
}

function startProcess(events: WorkerEvents): Promise<RangeWorker> {
  let child: ReturnType<typeof Bun.spawn>;
  let ended = false;
  let start: ReturnType<typeof whenReady<RangeWorker>> | undefined;
  try {
    // `--smol`: a smaller heap that is collected more often; a worker holds little that lives.
    child = Bun.spawn([process.execPath, "--smol", fileURLToPath(WORKER_ENTRY)], {
      env: { ...process.env, [WORKER_PROCESS_ENV]: "1" },
      stdin: "ignore",
      stdout: "ignore",
      stderr: "inherit",
      serialization: "advanced",
      ipc: (message) => {
        if (!start?.message(message)) events.onResult(message as RangeResult);
      },
      onExit: (_process, code, signal) => {
        if (ended) return;
        const reason = `worker process exited (${signal ?? `code ${code}`})`;
        start?.fail(reason);
        events.onBroken(reason);
      },
    });
  } catch (error) {
    return Promise.reject(new WorkersUnavailable(String(error)));
  }
  const handle: RangeWorker = {
    post: (r) => child.send(r),
    terminate: () => {
      ended = true;
      child.kill();
    },
  };
  start = whenReady(handle, () => handle.terminate());
  return start.ready;
}

/**
 * Reads `path` with `workers` threads. Throws {@link WorkersUnavailable} before yielding
 * anything when workers cannot start, so the caller can fall back to one thread.
 */
export async function* readNdjsonParallel(options: ParallelOptions): AsyncGenerator<SourceBatch> {
  const rangeBytes = options.rangeBytes ?? 4 * 1024 * 1024;
  const size = (await stat(options.path)).size;
  const ranges = Math.max(1, Math.ceil(size / rangeBytes));
  const results = new Map<number, RangeResult>();
  let wake: (() => void) | undefined;
  let broken: string | undefined;
  const events: WorkerEvents = {
    onResult: (result) => {
      results.set(result.index, result);
      wake?.();
    },
    onBroken: (reason) => {
      broken ??= reason;
      wake?.();
    },
  };
  const mode = options.mode ?? (COMPILED ? "thread" : "process");
  const start = mode === "process" ? startProcess : startThread;
  const started = await Promise.allSettled(Array.from({ length: options.workers }, () => start(events)));
  const workers = started.flatMap((s) => (s.status === "fulfilled" ? [s.value] : []));
  const failed = started.find((s): s is PromiseRejectedResult => s.status === "rejected");
  if (failed) {
    for (const worker of workers) worker.terminate();
    throw failed.reason;
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
      ...(options.pattern !== undefined ? { pattern: options.pattern } : {}),
    };
    workers[index % workers.length]!.post(request);
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
      // A resume position at every range end, even after an empty batch: the next line is the
      // first one starting in the next range (`align`: at or after `offset`; see file-cursor.ts).
      const last = builder.take();
      last.cursor = {
        offset: Math.min(size, (index + 1) * rangeBytes),
        line: lineBase + result.lines + 1,
        align: true,
      };
      yield last;
      lineBase += result.lines;
    }
  } finally {
    for (const worker of workers) worker.terminate();
  }
}
