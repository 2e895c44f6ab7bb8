import { open, rm } from "node:fs/promises";
import { join } from "node:path";
import type { SortOptions } from "../sdk/index.ts";
import { RSS_CEILING_BYTES } from "./memory-ceiling.ts";

/** Items per in-memory run when {@link SortOptions.runSize} is not given. */
export const DEFAULT_RUN_SIZE = 100_000;

/**
 * Most runs merged at once. More runs are first merged in groups into longer runs, so the
 * number of open files and read buffers (and so memory) stays bounded however many items come.
 */
export const MAX_FAN_IN = 64;

/** Runs at least this long are followed by a full garbage collection (see the spill). */
const GC_RUN_SIZE = 10_000;

/** RSS above which a spill is followed by a full garbage collection (the engine's ceiling). */
const GC_RSS_CEILING = RSS_CEILING_BYTES;

/** Bytes read from a run file at a time during the merge. */
const READ_CHUNK = 16 * 1024;
/** Serialised bytes gathered before one write while spilling. */
const WRITE_CHUNK = 1024 * 1024;

/**
 * Bounded-memory external merge sort.
 *
 * Items are gathered into runs of `runSize`, each sorted in memory (stable) and spilled to
 * `dir` as an NDJSON file; the runs are then merged with a binary heap, streaming lines back.
 * Memory holds one run while reading, then one read buffer per merged run (at most
 * {@link MAX_FAN_IN}, merging in passes beyond that), so it does not depend on the item count.
 *
 * The sort is stable: items that compare equal come out in input order (runs are cut in input
 * order, each run is sorted stably, and the merge breaks ties by run number).
 *
 * Items must be JSON-serialisable; what comes out are parsed copies (except when everything fit
 * in one run: then no file is written and the original objects are yielded). Run files are
 * removed as soon as they are merged, also when the consumer stops early; `dir` itself belongs
 * to the caller.
 */
export async function* externalSort<T>(
  items: AsyncIterable<T>,
  options: SortOptions<T> & { dir: string },
): AsyncIterable<T> {
  const runSize = Math.max(1, Math.floor(options.runSize ?? DEFAULT_RUN_SIZE));
  const compare = options.compare;
  // Run files in input order, and every file not yet removed (for cleanup on any exit path).
  const files: string[] = [];
  const live = new Set<string>();
  let fileCounter = 0;
  const nextFile = () => {
    const file = join(options.dir, `run-${process.pid}-${++fileCounter}.ndjson`);
    live.add(file);
    return file;
  };
  try {
    let buffer: T[] = [];
    for await (const item of items) {
      buffer.push(item);
      if (buffer.length >= runSize) {
        buffer.sort(compare);
        const file = nextFile();
        await writeRun(file, buffer);
        files.push(file);
        buffer = [];
        // JSC collects lazily: the garbage of each run (the items, their JSON text) can pile up
        // until RSS holds several runs' worth. A full collection costs ~0.3 s with a run's worth
        // of garbage, so collect only when RSS is past a soft ceiling. Measured on 5M events:
        // peak RSS 294 MB never collecting, ~220 MB collecting after every run.
        if (runSize >= GC_RUN_SIZE && process.memoryUsage.rss() > GC_RSS_CEILING) Bun.gc(true);
      }
    }
    buffer.sort(compare);
    if (files.length === 0) {
      // Everything fit in memory: no disk round trip.
      yield* buffer;
      return;
    }
    if (buffer.length > 0) {
      const file = nextFile();
      await writeRun(file, buffer);
      files.push(file);
    }
    buffer = [];
    // Merge in passes until at most MAX_FAN_IN runs remain. Each pass merges consecutive groups,
    // so `files` keeps listing runs in input order (and the tie-break by run number stays sound).
    while (files.length > MAX_FAN_IN) {
      const pass = files.splice(0);
      for (let i = 0; i < pass.length; i += MAX_FAN_IN) {
        const group = pass.slice(i, i + MAX_FAN_IN);
        const merged = nextFile();
        files.push(merged);
        await writeStream(merged, mergeRuns<T>(group, compare));
        await removeFiles(group, live);
      }
    }
    yield* mergeRuns<T>(files, compare);
  } finally {
    await removeFiles([...live], live);
  }
}

/** Writes items as NDJSON, in chunks, so a run never becomes one giant string. */
async function writeRun<T>(file: string, items: readonly T[]): Promise<void> {
  await writeStream(file, items);
}

async function writeStream<T>(file: string, items: Iterable<T> | AsyncIterable<T>): Promise<void> {
  const handle = await open(file, "w");
  try {
    let chunk: string[] = [];
    let size = 0;
    for await (const item of items) {
      const line = JSON.stringify(item);
      if (line === undefined) throw new TypeError("external sort: an item is not JSON-serialisable");
      chunk.push(line);
      size += line.length + 1;
      if (size >= WRITE_CHUNK) {
        await handle.write(chunk.join("\n") + "\n");
        chunk = [];
        size = 0;
      }
    }
    if (chunk.length > 0) await handle.write(chunk.join("\n") + "\n");
  } finally {
    await handle.close();
  }
}

/** Streams the lines of an NDJSON file, parsed. Splits on `\n` only (never U+2028). */
async function* readRun<T>(file: string): AsyncGenerator<T> {
  const handle = await open(file, "r");
  try {
    const decoder = new TextDecoder();
    const bytes = Buffer.allocUnsafe(READ_CHUNK);
    let pending = "";
    while (true) {
      const { bytesRead } = await handle.read(bytes, 0, READ_CHUNK, null);
      if (bytesRead === 0) break;
      const text = pending + decoder.decode(bytes.subarray(0, bytesRead), { stream: true });
      const lines = text.split("\n");
      pending = lines.pop()!;
      for (const line of lines) yield JSON.parse(line) as T;
    }
    pending += decoder.decode();
    if (pending !== "") yield JSON.parse(pending) as T;
  } finally {
    await handle.close();
  }
}

interface HeapEntry<T> {
  item: T;
  run: number;
}

/** k-way merge of sorted run files with a binary min-heap; ties go to the lower run number. */
async function* mergeRuns<T>(files: readonly string[], compare: (a: T, b: T) => number): AsyncGenerator<T> {
  const readers = files.map((file) => readRun<T>(file));
  const less = (a: HeapEntry<T>, b: HeapEntry<T>) => {
    const c = compare(a.item, b.item);
    return c < 0 || (c === 0 && a.run < b.run);
  };
  const heap: HeapEntry<T>[] = [];
  const push = (entry: HeapEntry<T>) => {
    heap.push(entry);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!less(heap[i]!, heap[parent]!)) break;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  };
  const siftDown = () => {
    let i = 0;
    const n = heap.length;
    while (true) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < n && less(heap[left]!, heap[smallest]!)) smallest = left;
      if (right < n && less(heap[right]!, heap[smallest]!)) smallest = right;
      if (smallest === i) return;
      [heap[i], heap[smallest]] = [heap[smallest]!, heap[i]!];
      i = smallest;
    }
  };
  try {
    for (let run = 0; run < readers.length; run++) {
      const next = await readers[run]!.next();
      if (!next.done) push({ item: next.value, run });
    }
    let merged = 0;
    while (heap.length > 0) {
      const top = heap[0]!;
      yield top.item;
      // Same reason: the merge allocates a string and an object per line; without collections
      // RSS climbed to ~300 MB on 5M events. Little is live here, so a collection is cheap.
      if (++merged % 100_000 === 0 && process.memoryUsage.rss() > GC_RSS_CEILING) Bun.gc(true);
      const next = await readers[top.run]!.next();
      if (next.done) {
        const last = heap.pop()!;
        if (heap.length > 0) {
          heap[0] = last;
          siftDown();
        }
      } else {
        // Replace the top in place: one sift instead of a pop and a push.
        heap[0] = { item: next.value, run: top.run };
        siftDown();
      }
    }
  } finally {
    await Promise.all(readers.map((reader) => reader.return(undefined)));
  }
}

async function removeFiles(files: readonly string[], live: Set<string>): Promise<void> {
  for (const file of files) live.delete(file);
  await Promise.all(files.map((file) => rm(file, { force: true })));
}
