/**
 * Parallel NDJSON reading: the file is cut into byte ranges, workers (child processes, or
 * threads in a compiled binary) read them (each line belongs to the range holding its first
 * byte), and this thread hands the results on strictly in range order, turning each
 * range-relative line number into the file's. The output is the single-threaded reader's
 * (tested); only batch sizes may differ.
 *
 * What the workers do depends on the run (see ndjson-worker.ts):
 * - a prefilter (`SelectionPushdown.literals`): split lines and prefilter them; with the run's
 *   pattern (records pass through unmapped) also parse the lines that pass and match them,
 *   sending back only the texts that may match, which this thread parses again
 *   (structured-cloning parsed events costs more than parsing them);
 * - match-all pass-through (`verify`): parse every line and check it is an EventBridge event,
 *   sending back only where the texts are; this thread reads those bytes again from the file
 *   (page cache), decodes them and yields lazy records (lazy-record.ts) in verified batches
 *   (`SourceBatch.verified`), so nothing parses them again unless something reads `value`.
 *
 * This thread also reads ranges itself (as one thread would) while it would otherwise wait for
 * the workers, when it has a core of its own (fewer workers than cores): then `n` workers make
 * `n + 1` readers, and a worker that falls behind (a busy core) costs little.
 *
 * Memory: at most `workers × IN_FLIGHT` ranges are handed out ahead of the one being handed on,
 * plus at most `MAIN_AHEAD` read here. Each worker holds one 1 MiB read buffer and its current
 * range's answer; this thread holds the answers that arrived ahead of the one it is emitting
 * (small: texts that may match, or offsets), the records of the ranges it read ahead (at most
 * MAIN_AHEAD, ~15 MB each for a 4 MiB range read whole) and one buffer of a range's span for
 * re-reading texts (range size plus its last line). That bounds the reader's own memory
 * whatever the file size.
 */
import { type FileHandle, open, stat } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { PluginError, type SourceBatch } from "../../src/sdk/index.ts";
import { BatchBuilder } from "./batch-builder.ts";
import { compileBytePrefilter } from "./byte-prefilter.ts";
import { LazyBytesRecord, LazyRecord } from "./lazy-record.ts";
import { readNdjson } from "./ndjson-reader.ts";
import {
  rangeBytes as bytesOfRange,
  KIND_ASCII,
  KIND_EVENT,
  type RangeRequest,
  type RangeResult,
  type RangeTexts,
  WORKER_PROCESS_ENV,
} from "./ndjson-worker.ts";

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
  /**
   * Match-all pass-through (no pattern, no literals; `SelectionPushdown.passThrough`): workers
   * parse every line and check it is an EventBridge event, and this thread yields verified
   * batches of lazy records (see lazy-record.ts).
   */
  verify?: boolean;
  /**
   * Whether this thread reads ranges too while it would otherwise wait for the workers.
   * @default true when there are fewer workers than cores (this thread has a core of its own)
   */
  mainReads?: boolean;
  /** Called as each range is handed on (timings, for benchmarks). */
  trace?: (range: RangeTrace) => void;
  /** @default "process" from source, "thread" in a compiled binary (see {@link WorkerMode}). */
  mode?: WorkerMode;
  signal?: AbortSignal;
}

/** Thrown when workers cannot start (e.g. a compiled binary built without the worker entry). */
export class WorkersUnavailable extends Error {}

/**
 * Ranges each worker may have queued (one being read, the rest waiting). Results are handed on
 * strictly in range order, so when one worker is held up (a busy machine) the others can work
 * this far ahead before they idle; a queued range costs only its answer (the texts that may
 * match, or a match-all range's offsets: ~60 KB).
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

/** What the reader did with one range, for {@link ParallelOptions.trace}. */
export interface RangeTrace {
  index: number;
  /** `main`: read on this thread, while it would otherwise have waited. */
  by: "worker" | "main";
  /** Milliseconds from the start of the read: handed out, answered (or read here), emitted. */
  sent: number;
  answered: number;
  emitted: number;
  /** Time the range took where it was read. */
  ms: number;
}

/** One range's answer, kept until the ranges before it are handed on. */
type Answer =
  | { by: "worker"; result: Extract<RangeResult, { type: "result" }> }
  | { by: "main"; batches: SourceBatch[]; lines: number };

/**
 * Ranges this thread may have read ahead and not yet handed on: with the workers' queues, this
 * bounds the answers waiting here (see the module comment). Its answers hold parsed records,
 * ~15 MB for a 4 MiB range read whole (match-all), so few.
 */
const MAIN_AHEAD = 2;

/**
 * Reads `path` with `workers` worker processes (or threads) and this thread. Throws
 * {@link WorkersUnavailable} before yielding anything when workers cannot start, so the caller
 * can fall back to one thread.
 */
export async function* readNdjsonParallel(options: ParallelOptions): AsyncGenerator<SourceBatch> {
  const began = performance.now();
  const clock = () => performance.now() - began;
  const rangeBytes = options.rangeBytes ?? 4 * 1024 * 1024;
  const size = (await stat(options.path)).size;
  const ranges = Math.max(1, Math.ceil(size / rangeBytes));
  const verify = options.verify === true && options.pattern === undefined && options.literals === undefined;
  // Only with a core of its own: else its reads take CPU from the workers (and from handing
  // ranges on, which nothing else can do).
  const mainReads = options.mainReads ?? options.workers < navigator.hardwareConcurrency;
  /** Ranges read here and not yet handed on (at most MAIN_AHEAD). */
  let readHereAhead = 0;
  const answers = new Map<number, Answer>();
  const traces = new Map<number, RangeTrace>();
  /** Which worker each handed-out range went to, and how many each has queued. */
  const owner = new Map<number, number>();
  let wake: (() => void) | undefined;
  let broken: string | undefined;
  const workers: Array<RangeWorker | undefined> = [];
  const queued: number[] = [];
  const events = (slot: number): WorkerEvents => ({
    onResult: (result) => {
      if (result.type === "error") {
        broken ??= result.message;
      } else {
        answers.set(result.index, { by: "worker", result });
        const trace = traces.get(result.index);
        if (trace) {
          trace.answered = clock();
          trace.ms = result.ms;
        }
      }
      queued[slot]!--;
      // Refill at once: this thread may be busy reading a range or handing one on.
      handOut(emitting);
      wake?.();
    },
    onBroken: (reason) => {
      broken ??= reason;
      wake?.();
    },
  });
  // Opened before any worker starts, so nothing is left running if this fails.
  const handle = await open(options.path, "r");
  const spans = new SpanReader(handle);
  const mode = options.mode ?? (COMPILED ? "thread" : "process");
  const start = mode === "process" ? startProcess : startThread;
  // Workers start in the background (~30 ms for a process); this thread reads meanwhile.
  let failure: unknown;
  let started = false;
  const starting = Promise.allSettled(
    Array.from({ length: options.workers }, (_, slot) => {
      queued.push(0);
      return start(events(slot)).then((worker) => {
        workers[slot] = worker;
        wake?.();
      });
    }),
  ).then((all) => {
    failure = all.find((s): s is PromiseRejectedResult => s.status === "rejected")?.reason;
    started = true;
    wake?.();
  });
  const prefilter = options.literals ? compileBytePrefilter(options.literals) : undefined;
  let next = 0;
  /** The range being handed on (or waited for). */
  let emitting = 0;
  /** Hands ranges to the workers with room in their queues, within the window. */
  const handOut = (emitting: number) => {
    while (next < ranges && next - emitting < options.workers * IN_FLIGHT) {
      let slot = -1;
      for (let w = 0; w < options.workers; w++) {
        if (workers[w] !== undefined && queued[w]! < IN_FLIGHT && (slot === -1 || queued[w]! < queued[slot]!))
          slot = w;
      }
      if (slot === -1) return;
      const index = next++;
      owner.set(index, slot);
      queued[slot]!++;
      if (options.trace)
        traces.set(index, { index, by: "worker", sent: clock(), answered: 0, emitted: 0, ms: 0 });
      workers[slot]!.post({
        type: "range",
        index,
        path: options.path,
        start: index * rangeBytes,
        end: Math.min(size, (index + 1) * rangeBytes),
        batchSize: options.batchSize,
        maxRecordBytes: options.maxRecordBytes,
        ...(options.literals ? { literals: options.literals } : {}),
        ...(options.pattern !== undefined ? { pattern: options.pattern } : {}),
        ...(verify ? { verify: true } : {}),
      });
    }
  };
  /** Reads range `index` on this thread, exactly as one thread would (positions range-relative). */
  const readHere = async (index: number): Promise<void> => {
    const from = clock();
    const counter = { lines: 0 };
    const batches: SourceBatch[] = [];
    const reader = readNdjson(
      bytesOfRange(options.path, index * rangeBytes, Math.min(size, (index + 1) * rangeBytes)),
      {
        name: "",
        batchSize: options.batchSize,
        maxRecordBytes: options.maxRecordBytes,
        counter,
        ...(prefilter ? { bytePrefilter: prefilter } : {}),
        // Lazy records in verified batches, as one thread reads them (batch-builder.ts).
        ...(verify ? { verify: true } : {}),
      },
    );
    for await (const batch of reader) {
      delete batch.cursor;
      batches.push(batch);
    }
    answers.set(index, { by: "main", batches, lines: counter.lines });
    if (options.trace) {
      const now = clock();
      traces.set(index, { index, by: "main", sent: from, answered: now, emitted: 0, ms: now - from });
    }
  };
  try {
    let lineBase = 0;
    for (let index = 0; index < ranges; index++) {
      emitting = index;
      for (;;) {
        if (broken) throw new PluginError(`parallel read failed: ${broken}`, options.name);
        if (started && failure !== undefined) throw failure;
        handOut(index);
        // Nothing is handed on before every worker has started (or one failed: then the
        // caller reads on one thread from the start).
        if (answers.has(index) && started) break;
        // Waiting: read the next range here instead, if the window has room.
        if (mainReads && next < ranges && readHereAhead < MAIN_AHEAD) {
          readHereAhead++;
          await readHere(next++);
          continue;
        }
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = undefined;
      }
      const answer = answers.get(index)!;
      answers.delete(index);
      if (answer.by === "main") readHereAhead--;
      owner.delete(index);
      const trace = traces.get(index);
      if (trace) {
        trace.emitted = clock();
        options.trace!(trace);
        traces.delete(index);
      }
      // Keep the workers busy while this range's batches go downstream.
      handOut(index + 1);
      let last: SourceBatch | undefined;
      const batches =
        answer.by === "worker"
          ? fromWorker(
              answer.result,
              await spans.read(answer.result.texts, answer.result.kinds, rangeBytes),
              options,
              lineBase,
            )
          : fromHere(answer.batches, options.name, lineBase);
      for (const batch of batches) {
        if (last) {
          yield last;
          if (options.signal?.aborted) return;
        }
        last = batch;
      }
      // A resume position at every range end, even after an empty batch: the next line is the
      // first one starting in the next range (`align`: at or after `offset`; see file-cursor.ts).
      last ??= { records: [] };
      const lines = answer.by === "worker" ? answer.result.lines : answer.lines;
      last.cursor = {
        offset: Math.min(size, (index + 1) * rangeBytes),
        line: lineBase + lines + 1,
        align: true,
      };
      yield last;
      if (options.signal?.aborted) return;
      lineBase += lines;
    }
  } finally {
    await starting.catch(() => {});
    for (const worker of workers) worker?.terminate();
    await handle.close();
  }
}

/** `:line` or `:line:column` (range-relative) as the file's position. */
function shift(position: string, name: string, lineBase: number): string {
  const colon = position.indexOf(":", 1);
  if (colon === -1) return `${name}:${lineBase + Number(position.slice(1))}`;
  return `${name}:${lineBase + Number(position.slice(1, colon))}${position.slice(colon)}`;
}

/** The batches this thread read for a range, with the file's positions. */
function* fromHere(batches: SourceBatch[], name: string, lineBase: number): Generator<SourceBatch> {
  for (const batch of batches) {
    for (const record of batch.records) record.position = shift(record.position, name, lineBase);
    for (const bad of batch.invalid ?? []) bad.position = shift(bad.position, name, lineBase);
    yield batch;
  }
}

/** Bytes a span buffer is allocated beyond what it must hold. */
const SPAN_SLACK = 256 * 1024;

/** Reads again the bytes of a match-all answer's texts (see `RangeTexts`); one buffer, reused. */
class SpanReader {
  private buffer = Buffer.alloc(0);
  constructor(private readonly handle: FileHandle) {}

  /**
   * The texts of `texts` as a function of their index. Memory: one buffer of the range's span
   * (the range plus its last line, so at most `rangeBytes + maxRecordBytes`), kept for the next
   * range unless it grew past twice the range size.
   */
  async read(texts: RangeTexts, kinds: Uint8Array | undefined, rangeBytes: number): Promise<RangeLines> {
    if (texts.kind === "joined") {
      const { joined, ends } = texts;
      return { text: (k) => joined.slice(k === 0 ? 0 : ends[k - 1]!, ends[k]!) };
    }
    const { base, starts, ends } = texts;
    if (starts.length === 0) return { text: () => "" };
    const first = starts[0]!;
    const length = ends[ends.length - 1]! - first;
    // Verified lines (kinds) keep views of the span as their bytes, so it gets a buffer of its
    // own; otherwise spans differ by a line or so: room for a few lines more, so the buffer is
    // rarely replaced.
    if (kinds !== undefined) this.buffer = Buffer.allocUnsafe(length);
    else if (this.buffer.length < length || this.buffer.length > 2 * Math.max(length, rangeBytes))
      this.buffer = Buffer.allocUnsafe(Math.max(length, rangeBytes) + SPAN_SLACK);
    const buffer = this.buffer;
    let read = 0;
    while (read < length) {
      const { bytesRead } = await this.handle.read(buffer, read, length - read, base + first + read);
      if (bytesRead === 0) throw new Error("the file is shorter than when its workers read it");
      read += bytesRead;
    }
    // The worker decoded these texts from valid UTF-8; ASCII ones decode cheapest as latin1
    // (measured: ~35% less than utf8 on the benchmark's lines).
    return {
      text: (k) =>
        kinds !== undefined && (kinds[k]! & KIND_ASCII) !== 0
          ? buffer.toString("latin1", starts[k]! - first, ends[k]! - first)
          : buffer.toString("utf8", starts[k]! - first, ends[k]! - first),
      bytes: (k) => buffer.subarray(starts[k]! - first, ends[k]! - first),
    };
  }
}

/** A range's lines as the main thread hands them on: texts, and their bytes when it re-read them. */
interface RangeLines {
  text(k: number): string;
  /** A view of line `k`'s bytes in a buffer that is not reused (verified answers only). */
  bytes?(k: number): Buffer;
}

/**
 * A worker's answer as batches, in the order the single-threaded reader gives them, with the
 * same builder: texts parsed here (with a pattern or a prefilter only), or lazy records in
 * verified batches (match-all, see lazy-record.ts). Each invalid record ends its batch.
 */
function* fromWorker(
  result: Extract<RangeResult, { type: "result" }>,
  lines: RangeLines,
  options: ParallelOptions,
  lineBase: number,
): Generator<SourceBatch> {
  const { textLines, kinds, invalid } = result;
  const name = options.name;
  const batchSize = options.batchSize;
  const builder = new BatchBuilder(undefined, batchSize);
  builder.prefiltered = result.prefiltered;
  let allEvents = true;
  const take = (): SourceBatch => {
    const batch = builder.take();
    if (kinds !== undefined && allEvents && batch.records.length > 0) batch.verified = true;
    allEvents = true;
    return batch;
  };
  let next = 0;
  const count = textLines.length;
  for (let k = 0; k <= count; k++) {
    while (next < invalid.length && invalid[next]!.after === k) {
      const bad = invalid[next++]!;
      builder.addInvalid(shift(bad.position, name, lineBase), bad.reason, bad.text, bad.bytes);
      yield take();
    }
    if (k === count) break;
    if (kinds !== undefined) {
      // Parsed and checked in the worker: decoded only if something reads `text`, parsed only if
      // something reads `value` (a `file:` target copies the bytes).
      const position = name + ":" + (lineBase + textLines[k]!);
      builder.records.push(
        lines.bytes
          ? new LazyBytesRecord(lines.bytes(k), (kinds[k]! & KIND_ASCII) !== 0, position)
          : new LazyRecord(lines.text(k), position),
      );
      if ((kinds[k]! & KIND_EVENT) === 0) allEvents = false;
      if (builder.records.length >= batchSize) yield take();
    } else if (builder.add(lines.text(k), name, lineBase + textLines[k]!, 0)) {
      yield take();
    }
  }
  if (!builder.isEmpty) yield take();
}
