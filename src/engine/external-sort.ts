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

/** Items merged between two memory checks. */
const MERGE_CHECK_EVERY = 100_000;

/**
 * Bytes read from a run file at a time during the merge: with {@link MAX_FAN_IN} runs, at most
 * 4 MiB of read buffers (plus each block's parsed items) are held.
 */
const READ_CHUNK = 64 * 1024;
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
        // until RSS holds several runs' worth (294 MB on 5M events never collecting). A full
        // collection after each run past the ceiling keeps it near 220 MB. The adaptive ceiling
        // (collections spaced by 10x their CPU cost) was tried here and let RSS reach 360 MB
        // for no measurable gain in CPU time, so the sort keeps the plain rule.
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
  const handle = await open(file, "w");
  try {
    // A plain loop: `for await` over an array would cost an await per item.
    let chunk: string[] = [];
    let size = 0;
    for (const item of items) {
      const line = serialise(item);
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

function serialise(item: unknown): string {
  const line = JSON.stringify(item);
  if (line === undefined) throw new TypeError("external sort: an item is not JSON-serialisable");
  return line;
}

async function writeStream<T>(file: string, items: AsyncIterable<T>): Promise<void> {
  const handle = await open(file, "w");
  try {
    let chunk: string[] = [];
    let size = 0;
    for await (const item of items) {
      const line = serialise(item);
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

/**
 * Reads a run file a block at a time and hands out its items from an array, so the merge pays
 * one `await` per block instead of one per item (an async generator per item cost more than
 * the merge itself). Splits on `\n` only (never U+2028).
 */
class RunReader<T> {
  /** Parsed items of the current block, from `index` on. */
  items: T[] = [];
  index = 0;
  private pending = "";
  private done = false;
  private readonly decoder = new TextDecoder();
  private readonly bytes = Buffer.allocUnsafe(READ_CHUNK);

  private constructor(private readonly handle: Awaited<ReturnType<typeof open>>) {}

  static async open<T>(file: string): Promise<RunReader<T>> {
    return new RunReader<T>(await open(file, "r"));
  }

  /** Loads the next block of items; `false` at the end of the file. */
  async fill(): Promise<boolean> {
    this.items = [];
    this.index = 0;
    while (this.items.length === 0 && !this.done) {
      const { bytesRead } = await this.handle.read(this.bytes, 0, READ_CHUNK, null);
      let text: string;
      if (bytesRead === 0) {
        this.done = true;
        text = this.pending + this.decoder.decode();
        this.pending = "";
        if (text !== "") this.items.push(JSON.parse(text) as T);
        break;
      }
      text = this.pending + this.decoder.decode(this.bytes.subarray(0, bytesRead), { stream: true });
      const last = text.lastIndexOf("\n");
      if (last === -1) {
        this.pending = text;
        continue;
      }
      this.pending = text.slice(last + 1);
      let pos = 0;
      for (let nl = text.indexOf("\n"); nl !== -1 && nl <= last; nl = text.indexOf("\n", pos)) {
        this.items.push(JSON.parse(text.slice(pos, nl)) as T);
        pos = nl + 1;
      }
    }
    return this.items.length > 0;
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}

/**
 * k-way merge of sorted run files with a binary min-heap of run numbers, keyed by each run's
 * current item; ties go to the lower run number.
 */
async function* mergeRuns<T>(files: readonly string[], compare: (a: T, b: T) => number): AsyncGenerator<T> {
  const readers: RunReader<T>[] = [];
  const head = (run: number) => {
    const reader = readers[run]!;
    return reader.items[reader.index]!;
  };
  const less = (a: number, b: number) => {
    const c = compare(head(a), head(b));
    return c < 0 || (c === 0 && a < b);
  };
  const heap: number[] = [];
  const siftDown = () => {
    let i = 0;
    const n = heap.length;
    const top = heap[0]!;
    while (true) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      const child = right < n && less(heap[right]!, heap[left]!) ? right : left;
      if (!less(heap[child]!, top)) break;
      heap[i] = heap[child]!;
      i = child;
    }
    heap[i] = top;
  };
  const siftUp = (i: number) => {
    const run = heap[i]!;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!less(run, heap[parent]!)) break;
      heap[i] = heap[parent]!;
      i = parent;
    }
    heap[i] = run;
  };
  try {
    for (const file of files) readers.push(await RunReader.open<T>(file));
    for (let run = 0; run < readers.length; run++) {
      if (await readers[run]!.fill()) {
        heap.push(run);
        siftUp(heap.length - 1);
      }
    }
    let merged = 0;
    while (heap.length > 0) {
      const run = heap[0]!;
      const reader = readers[run]!;
      yield reader.items[reader.index]!;
      // The merge allocates a string and an object per line; without collections RSS climbed
      // to ~300 MB on 5M events. Little is live here, so a collection is cheap.
      if (++merged % MERGE_CHECK_EVERY === 0 && process.memoryUsage.rss() > GC_RSS_CEILING) Bun.gc(true);
      reader.index++;
      if (reader.index >= reader.items.length && !(await reader.fill())) {
        // This run is done: its place goes to the last heap entry.
        const last = heap.pop()!;
        if (heap.length === 0) break;
        heap[0] = last;
      }
      siftDown();
    }
  } finally {
    await Promise.all(readers.map((reader) => reader.close()));
  }
}

async function removeFiles(files: readonly string[], live: Set<string>): Promise<void> {
  for (const file of files) live.delete(file);
  await Promise.all(files.map((file) => rm(file, { force: true })));
}
