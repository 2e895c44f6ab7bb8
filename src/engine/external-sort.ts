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

/** Items gathered between two memory checks while a run fills (a power of two: a mask). */
const GATHER_CHECK_MASK = 16_384 - 1;
/**
 * RSS above which a full collection is forced while a run fills, with a `key` only (there the
 * run holds bytes and short prefixes, so what RSS holds is mostly garbage). Without it, the
 * garbage made between two spills (the caller's items once serialised, their keys) lifted the
 * 1M-event benchmark's peak RSS to ~250 MB; with it ~220 MB.
 */
const GATHER_RSS_HIGH = GC_RSS_CEILING + 24 * 1024 * 1024;

/**
 * Bytes read from a run file at a time during the merge: with {@link MAX_FAN_IN} runs, at most
 * 8 MiB of read buffers, plus each block's decoded text and (without a `key`) its parsed items.
 */
const READ_CHUNK = 128 * 1024;
/** Bytes of lines gathered in the one write buffer before a write (while spilling and merging). */
const WRITE_CHUNK = 1024 * 1024;

/**
 * Bounded-memory external merge sort.
 *
 * Items are gathered into runs of `runSize`, each sorted in memory (stable) and spilled to
 * `dir` as a file of lines; the runs are then merged with a loser tree (one comparison per
 * level, log2 of the run count per item), streaming lines back. Memory holds one run while
 * reading (its items, or with a `key` its prefixes and encoded lines), then one read block per
 * merged run (at most {@link MAX_FAN_IN}, merging in passes beyond that), so it does not depend
 * on the item count.
 *
 * The sort is stable: items that compare equal come out in input order.
 *
 * Two ways to order:
 * - `compare` only: runs are sorted with `compare` (stably), spilled as one
 *   `serialize(item)` line each, and the merge deserialises every line to compare it (ties go
 *   to the earlier run). Intermediate merge passes copy the lines without serialising again.
 * - with `key`: every item's key is encoded at once into a string whose plain `<` order is the
 *   key order (see {@link KeyEncoder}), followed by `\0` and the item's input number (8 fixed-width
 *   characters). Each line is that prefix then `serialize(item)`; lines are unique, and their
 *   `<` order is the key order with ties in input order, so a run is sorted with the native
 *   `Array.prototype.sort()` (no comparator calls), the merge compares whole lines as strings,
 *   and an item is deserialised only once, when it is emitted. `compare` is not called.
 *
 * Without a custom `serialize`/`deserialize`, items must be JSON-serialisable and what comes out
 * are parsed copies (except when everything fit in one run: then no file is written and the
 * original objects are yielded). Run files are removed as soon as they are merged, also when the
 * consumer stops early or an error is thrown; `dir` itself belongs to the caller.
 */
export async function* externalSort<T>(
  items: AsyncIterable<T>,
  options: SortOptions<T> & { dir: string },
): AsyncIterable<T> {
  const runSize = Math.max(1, Math.floor(options.runSize ?? DEFAULT_RUN_SIZE));
  const custom = options.serialize;
  // JSON.stringify never writes a raw line break; a custom serialisation is checked.
  const serialize = custom ? (item: T) => checkLine(custom(item)) : jsonSerialise;
  const deserialize = (options.deserialize ?? JSON.parse) as (text: string) => T;
  const runs = new RunFiles(options.dir);
  try {
    const inMemory = options.key
      ? await spillKeyed(items, options.key, serialize, runSize, runs)
      : await spillCompared(items, options.compare, serialize, runSize, runs);
    if (inMemory) {
      // Everything fit in one run: no disk round trip, the original objects.
      for (const item of inMemory) yield item;
      return;
    }
    const files = runs.files;
    const merger = (group: readonly string[]): Promise<LineMerger | ItemMerger<T>> =>
      options.key ? LineMerger.open(group) : ItemMerger.open(group, options.compare, deserialize);
    // Merge in passes until at most MAX_FAN_IN runs remain. Each pass merges consecutive groups,
    // so `files` keeps listing runs in input order (and the tie-break by run number stays sound).
    while (files.length > MAX_FAN_IN) {
      const pass = files.splice(0);
      for (let i = 0; i < pass.length; i += MAX_FAN_IN) {
        const group = pass.slice(i, i + MAX_FAN_IN);
        const file = runs.next();
        const merge = await merger(group);
        try {
          const writer = await LineWriter.open(file);
          try {
            while (merge.winner >= 0) {
              const line = merge.line();
              if (!writer.tryAdd("", line)) await writer.addAfterFlush("", line);
              if (!merge.advance()) await merge.refill();
            }
          } finally {
            await writer.close();
          }
        } finally {
          await merge.close();
        }
        files.push(file);
        await runs.remove(group);
      }
    }
    // The last pass, inlined here so each item passes through one generator only.
    const merge = await merger(files);
    try {
      let merged = 0;
      if (merge instanceof LineMerger) {
        while (merge.winner >= 0) {
          yield deserialize(merge.text());
          // The merge allocates strings and objects per line; little is live, so a collection
          // is cheap, and without it RSS climbed to ~300 MB on 5M events.
          if (++merged % MERGE_CHECK_EVERY === 0 && process.memoryUsage.rss() > GC_RSS_CEILING) Bun.gc(true);
          // An await only when a run's block is used up, not per item.
          if (!merge.advance()) await merge.refill();
        }
      } else {
        while (merge.winner >= 0) {
          yield merge.item();
          if (++merged % MERGE_CHECK_EVERY === 0 && process.memoryUsage.rss() > GC_RSS_CEILING) Bun.gc(true);
          if (!merge.advance()) await merge.refill();
        }
      }
    } finally {
      await merge.close();
    }
  } finally {
    await runs.remove([...runs.live]);
  }
}

/** The run files of one sort: those to merge, in input order, and every one not yet removed. */
class RunFiles {
  readonly files: string[] = [];
  readonly live = new Set<string>();
  private counter = 0;

  constructor(private readonly dir: string) {}

  next(): string {
    const file = join(this.dir, `run-${process.pid}-${++this.counter}.txt`);
    this.live.add(file);
    return file;
  }

  async remove(files: readonly string[]): Promise<void> {
    for (const file of files) this.live.delete(file);
    await Promise.all(files.map((file) => rm(file, { force: true })));
  }
}

/** Every {@link GATHER_CHECK_MASK}+1 items: a full collection if RSS passed {@link GATHER_RSS_HIGH}. */
function whileGathering(count: number): void {
  if ((count & GATHER_CHECK_MASK) === 0 && process.memoryUsage.rss() > GATHER_RSS_HIGH) Bun.gc(true);
}

/** A run was spilled: the RSS rule that keeps lazily collected garbage from piling up. */
function afterSpill(runSize: number): void {
  // JSC collects lazily: the garbage of each run (the items, their text) can pile up until RSS
  // holds several runs' worth (294 MB on 5M events never collecting). A full collection after
  // each run past the ceiling keeps it down. The adaptive ceiling (collections spaced by 10x
  // their CPU cost) was tried here and let RSS reach 360 MB for no measurable gain in CPU time,
  // so the sort keeps the plain rule.
  if (runSize >= GC_RUN_SIZE && process.memoryUsage.rss() > GC_RSS_CEILING) Bun.gc(true);
}

/**
 * Spill phase with only `compare`: runs of items sorted stably, one `serialize` line per item.
 * Returns the sorted items when they all fit in one run (nothing written).
 */
async function spillCompared<T>(
  items: AsyncIterable<T>,
  compare: (a: T, b: T) => number,
  serialize: (item: T) => string,
  runSize: number,
  runs: RunFiles,
): Promise<T[] | undefined> {
  // Memory: one run of `runSize` items.
  let buffer: T[] = [];
  const spill = async () => {
    buffer.sort(compare);
    const file = runs.next();
    const writer = await LineWriter.open(file);
    try {
      // A plain loop: `for await` over an array would cost an await per item.
      for (const item of buffer) {
        const text = serialize(item);
        if (!writer.tryAdd("", text)) await writer.addAfterFlush("", text);
      }
    } finally {
      await writer.close();
    }
    runs.files.push(file);
    buffer = [];
    afterSpill(runSize);
  };
  // No collection while a run fills here (unlike with a key): the run's items are live, RSS stays
  // past any ceiling, and checking every 16k items forced ~6 full collections per run (5M events
  // took 63 s of CPU instead of 52).
  for await (const item of items) {
    buffer.push(item);
    if (buffer.length >= runSize) await spill();
  }
  if (runs.files.length === 0) return buffer.sort(compare);
  if (buffer.length > 0) await spill();
  return undefined;
}

/**
 * Spill phase with a `key`: every item becomes the line `encoded key, \0, number, text` (see
 * {@link externalSort}). The line is encoded at once into the run's byte buffer ({@link RunBytes},
 * while the item and its text are still in the CPU cache, and so they die young); only the
 * line's prefix stays a string, to be sorted natively. Spilling copies each line's bytes in
 * prefix order. The first run keeps the items instead (in case everything fits: then the
 * originals are returned sorted, never serialised).
 */
async function spillKeyed<T>(
  items: AsyncIterable<T>,
  keyOf: (item: T) => string | number,
  serialize: (item: T) => string,
  runSize: number,
  runs: RunFiles,
): Promise<T[] | undefined> {
  const keys = new KeyEncoder();
  const sequence = new SequenceText();
  // Memory: one run of `runSize` prefixes and lines (for the first run, items instead of lines).
  let first: T[] | undefined = [];
  let prefixes: string[] = [];
  const lines = new RunBytes();
  /** Input number of the run's first item. */
  let runStart = 0;
  let count = 0;
  const spill = async () => {
    prefixes.sort();
    const file = runs.next();
    const writer = await LineWriter.open(file);
    try {
      const { bytes, starts } = lines;
      for (const prefix of prefixes) {
        const i = SequenceText.parse(prefix, prefix.length - 8) - runStart;
        const start = starts[i]!;
        const end = i + 1 < starts.length ? starts[i + 1]! : lines.used;
        if (!writer.tryCopy(bytes, start, end)) await writer.copyAfterFlush(bytes, start, end);
      }
    } finally {
      await writer.close();
    }
    runs.files.push(file);
    prefixes = [];
    lines.clear();
    runStart = count;
    afterSpill(runSize);
  };
  for await (const item of items) {
    const prefix = `${keys.encode(keyOf(item))}\0${sequence.next()}`;
    prefixes.push(prefix);
    whileGathering(++count);
    if (first) {
      first.push(item);
      if (first.length < runSize) continue;
      for (let i = 0; i < first.length; i++) lines.add(prefixes[i]!, serialize(first[i]!));
      first = undefined;
      await spill();
      continue;
    }
    lines.add(prefix, serialize(item));
    if (prefixes.length >= runSize) await spill();
  }
  if (first) {
    // Nothing was spilled: sort the prefixes natively and read each one's input number back.
    prefixes.sort();
    return prefixes.map((prefix) => first[SequenceText.parse(prefix, prefix.length - 8)]!);
  }
  if (prefixes.length > 0) await spill();
  lines.release();
  return undefined;
}

/**
 * The lines of one run as UTF-8, back to back in input order, and where each starts. The buffer
 * grows to the largest run's size (it is proportional to `runSize`, not to the item count) and is
 * reused for the next run.
 */
class RunBytes {
  bytes = Buffer.allocUnsafe(1024 * 1024);
  used = 0;
  starts: number[] = [];

  add(prefix: string, text: string): void {
    // At most 3 bytes per UTF-16 code unit, and the `\n`.
    const most = 3 * (prefix.length + text.length) + 1;
    if (this.used + most > this.bytes.length) this.grow(most);
    const bytes = this.bytes;
    this.starts.push(this.used);
    this.used += bytes.write(prefix, this.used, "utf8");
    this.used += bytes.write(text, this.used, "utf8");
    bytes[this.used++] = 0x0a;
  }

  clear(): void {
    this.used = 0;
    this.starts = [];
  }

  /** Drops the buffer (after the last run). */
  release(): void {
    this.clear();
    this.bytes = Buffer.alloc(0);
  }

  private grow(most: number): void {
    const bigger = Buffer.allocUnsafe(Math.max(2 * this.bytes.length, this.used + most));
    this.bytes.copy(bigger, 0, 0, this.used);
    this.bytes = bigger;
  }
}

function jsonSerialise(item: unknown): string {
  const line = JSON.stringify(item);
  if (line === undefined) throw new TypeError("external sort: an item is not JSON-serialisable");
  return line;
}

/** Run files are split on `\n` (only: never U+2028), so a serialised item must not hold one. */
function checkLine(text: string): string {
  if (typeof text !== "string") throw new TypeError("external sort: serialize must return a string");
  if (text.includes("\n")) throw new TypeError("external sort: a serialised item holds a line break (\\n)");
  return text;
}

/** Characters a string key may hold unchanged: no control character, no surrogate, not U+D7FF. */
const PLAIN_KEY = /^[\x20-\ud7fe]*$/;

/**
 * Turns sort keys into strings whose `<` order (UTF-16 code units) is the key order, holding no
 * `\0`, `\t`, `\n` or lone surrogate, so they can lead a line of a run file.
 *
 * Strings made only of U+0020..U+D7FE (by far the common case) are kept as they are. Otherwise
 * each code unit below U+0020 becomes `\x01` then U+0040 + unit, and each from U+D7FF up becomes
 * U+D7FF then U+0020 + (unit - U+D7FF); other units stay. This is a prefix-free code that keeps
 * the order of every unit (escaped low units sort below all plain ones, escaped high units above),
 * so the encoded strings compare exactly as the keys do, a key that is a prefix of another
 * included. Numbers (finite or infinite, -0 = 0) become 11 characters of '0'..'o' (6 bits each)
 * of their IEEE 754 bits, flipped so unsigned order is numeric order. The keys of one sort must
 * all be strings or all be numbers.
 */
class KeyEncoder {
  private kind: "string" | "number" | undefined;
  private readonly float = new Float64Array(1);
  private readonly bits = new Uint32Array(this.float.buffer);
  /** Which 32-bit half of the float holds the sign and exponent: the second on little-endian. */
  private readonly high = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1 ? 1 : 0;

  encode(key: string | number): string {
    if (typeof key === "string") {
      if (this.kind !== "string") this.setKind("string");
      return PLAIN_KEY.test(key) ? key : escapeKey(key);
    }
    if (typeof key === "number") {
      if (this.kind !== "number") this.setKind("number");
      return this.encodeNumber(key);
    }
    throw new TypeError(`external sort: a key must be a string or a number, not ${typeof key}`);
  }

  private setKind(kind: "string" | "number"): void {
    if (this.kind !== undefined)
      throw new TypeError("external sort: the keys of one sort must all be strings or all numbers");
    this.kind = kind;
  }

  private encodeNumber(key: number): string {
    if (Number.isNaN(key)) throw new TypeError("external sort: NaN is not a sort key");
    this.float[0] = key === 0 ? 0 : key;
    let hi = this.bits[this.high]!;
    let lo = this.bits[1 - this.high]!;
    if (hi >= 0x80000000) {
      hi = ~hi >>> 0;
      lo = ~lo >>> 0;
    } else {
      hi = (hi | 0x80000000) >>> 0;
    }
    // 64 bits as 11 six-bit digits (the first holds 4 bits).
    return String.fromCharCode(
      48 + (hi >>> 28),
      48 + ((hi >>> 22) & 63),
      48 + ((hi >>> 16) & 63),
      48 + ((hi >>> 10) & 63),
      48 + ((hi >>> 4) & 63),
      48 + (((hi & 15) << 2) | (lo >>> 30)),
      48 + ((lo >>> 24) & 63),
      48 + ((lo >>> 18) & 63),
      48 + ((lo >>> 12) & 63),
      48 + ((lo >>> 6) & 63),
      48 + (lo & 63),
    );
  }
}

function escapeKey(key: string): string {
  let out = "";
  for (let i = 0; i < key.length; i++) {
    const unit = key.charCodeAt(i);
    if (unit < 0x20) out += `\x01${String.fromCharCode(0x40 + unit)}`;
    else if (unit >= 0xd7ff) out += `\ud7ff${String.fromCharCode(0x20 + unit - 0xd7ff)}`;
    else out += key[i];
  }
  return out;
}

/**
 * Input numbers as 8 fixed-width characters of '0'..'o' (6 bits each, so up to 2^48 items), in
 * the same order as the numbers. Four 2-character pieces come from a table.
 */
class SequenceText {
  private static readonly pairs = Array.from({ length: 4096 }, (_, i) =>
    String.fromCharCode(48 + (i >> 6), 48 + (i & 63)),
  );
  private count = 0;
  private highNumber = -1;
  private highText = "";

  next(): string {
    const n = this.count++;
    const pairs = SequenceText.pairs;
    const high = Math.floor(n / 0x1000000);
    if (high !== this.highNumber) {
      if (high >= 0x1000000) throw new RangeError("external sort: more than 2^48 items");
      this.highNumber = high;
      this.highText = pairs[high >> 12]! + pairs[high & 4095]!;
    }
    // The low 24 bits (`n` may pass 2^31, where bit operators would wrap).
    const low = n - high * 0x1000000;
    return this.highText + pairs[low >> 12]! + pairs[low & 4095]!;
  }

  /** The number written at `at` in `text`. */
  static parse(text: string, at: number): number {
    let n = 0;
    for (let i = at; i < at + 8; i++) n = n * 64 + (text.charCodeAt(i) - 48);
    return n;
  }
}

/**
 * Writes lines to a new file through one reusable byte buffer of {@link WRITE_CHUNK} bytes:
 * each piece is encoded straight into it (no joined chunk strings, no buffer per write).
 */
class LineWriter {
  private readonly bytes = Buffer.allocUnsafe(WRITE_CHUNK);
  private used = 0;

  private constructor(private readonly handle: Awaited<ReturnType<typeof open>>) {}

  static async open(file: string): Promise<LineWriter> {
    return new LineWriter(await open(file, "w"));
  }

  /**
   * Adds `prefix` + `text` + `\n` when they surely fit (at most 3 bytes per UTF-16 code unit);
   * `false` when they may not: then call {@link addAfterFlush}.
   */
  tryAdd(prefix: string, text: string): boolean {
    if (this.used + 3 * (prefix.length + text.length) + 1 > WRITE_CHUNK) return false;
    const bytes = this.bytes;
    if (prefix !== "") this.used += bytes.write(prefix, this.used, "utf8");
    this.used += bytes.write(text, this.used, "utf8");
    bytes[this.used++] = 0x0a;
    return true;
  }

  /** Adds bytes `start..end` of `source` (whole lines) when they fit; `false` when they do not. */
  tryCopy(source: Buffer, start: number, end: number): boolean {
    if (this.used + end - start > WRITE_CHUNK) return false;
    this.used += source.copy(this.bytes, this.used, start, end);
    return true;
  }

  /** Flushes, then adds the bytes (written on their own if longer than the buffer). */
  async copyAfterFlush(source: Buffer, start: number, end: number): Promise<void> {
    await this.flush();
    if (!this.tryCopy(source, start, end)) await this.handle.write(source, start, end - start);
  }

  /** Flushes, then adds the line (written on its own if it is longer than the buffer). */
  async addAfterFlush(prefix: string, text: string): Promise<void> {
    await this.flush();
    if (!this.tryAdd(prefix, text)) await this.handle.write(`${prefix}${text}\n`);
  }

  async flush(): Promise<void> {
    if (this.used === 0) return;
    const used = this.used;
    this.used = 0;
    await this.handle.write(this.bytes, 0, used);
  }

  async close(): Promise<void> {
    try {
      await this.flush();
    } finally {
      await this.handle.close();
    }
  }
}

/**
 * Reads a run file a block at a time into an array of lines, so the merge pays one `await` per
 * block instead of one per line. Splits on `\n` only (never U+2028).
 */
class RunReader {
  /** Lines of the current block, from `index` on. */
  lines: string[] = [];
  index = 0;
  private pending = "";
  private done = false;
  private readonly decoder = new TextDecoder();
  private readonly bytes = Buffer.allocUnsafe(READ_CHUNK);

  private constructor(private readonly handle: Awaited<ReturnType<typeof open>>) {}

  static async open(file: string): Promise<RunReader> {
    return new RunReader(await open(file, "r"));
  }

  /** Loads the next block of lines; `false` at the end of the file. */
  async fill(): Promise<boolean> {
    const lines: string[] = [];
    this.lines = lines;
    this.index = 0;
    while (lines.length === 0 && !this.done) {
      const { bytesRead } = await this.handle.read(this.bytes, 0, READ_CHUNK, null);
      let text: string;
      if (bytesRead === 0) {
        this.done = true;
        text = this.pending + this.decoder.decode();
        this.pending = "";
        if (text !== "") lines.push(text);
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
        lines.push(text.slice(pos, nl));
        pos = nl + 1;
      }
    }
    return lines.length > 0;
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}

/**
 * k-way merge of sorted run files with a loser tree: `tree[1..k-1]` hold the loser of each
 * match, `winner` the run whose current line comes next (-1 when all are done). Replacing the
 * winner's line replays one match per level: ⌈log2 k⌉ comparisons per item.
 */
abstract class Merger {
  winner = -1;
  protected readonly readers: RunReader[];
  /** Runs with no line left. */
  protected readonly done: Uint8Array;
  private readonly tree: Int32Array;

  protected constructor(readers: RunReader[]) {
    this.readers = readers;
    this.done = new Uint8Array(readers.length);
    this.tree = new Int32Array(Math.max(1, readers.length));
  }

  /** Whether run `a`'s current line goes before run `b`'s (both not done). */
  protected abstract before(a: number, b: number): boolean;

  /** Called when a run's current line changed (a new line, or a new block). */
  protected abstract changed(run: number): void;

  /** Opens the readers and plays the first tournament. */
  protected async start(): Promise<void> {
    const k = this.readers.length;
    for (let run = 0; run < k; run++) {
      if (await this.readers[run]!.fill()) this.changed(run);
      else this.done[run] = 1;
    }
    if (k === 1) {
      this.winner = this.done[0] ? -1 : 0;
      return;
    }
    // winners[n] is the winner of node n; the leaves k..2k-1 are the runs.
    const winners = new Int32Array(2 * k);
    for (let run = 0; run < k; run++) winners[k + run] = run;
    for (let node = k - 1; node >= 1; node--) {
      const a = winners[2 * node]!;
      const b = winners[2 * node + 1]!;
      if (this.wins(a, b)) {
        winners[node] = a;
        this.tree[node] = b;
      } else {
        winners[node] = b;
        this.tree[node] = a;
      }
    }
    const top = winners[1]!;
    this.winner = this.done[top] ? -1 : top;
  }

  /** `a` beats `b`: not done, and first (ties to the lower run, which came first in the input). */
  private wins(a: number, b: number): boolean {
    if (this.done[a]) return false;
    if (this.done[b]) return true;
    return this.before(a, b);
  }

  /**
   * Moves past the winner's current line and replays its path to the root; `false` (nothing
   * done yet) when the winner's block is used up: then call {@link refill}.
   */
  advance(): boolean {
    const run = this.winner;
    const reader = this.readers[run]!;
    if (++reader.index >= reader.lines.length) return false;
    this.changed(run);
    this.replay(run);
    return true;
  }

  /** Loads the winner's next block (or marks its run done), then replays. */
  async refill(): Promise<void> {
    const run = this.winner;
    if (await this.readers[run]!.fill()) this.changed(run);
    else this.done[run] = 1;
    this.replay(run);
  }

  private replay(from: number): void {
    let run = from;
    const tree = this.tree;
    for (let node = (this.readers.length + run) >> 1; node > 0; node >>= 1) {
      const other = tree[node]!;
      if (this.wins(other, run)) {
        tree[node] = run;
        run = other;
      }
    }
    this.winner = this.done[run] ? -1 : run;
  }

  /** The winner's current line, as written. */
  line(): string {
    const reader = this.readers[this.winner]!;
    return reader.lines[reader.index]!;
  }

  async close(): Promise<void> {
    await Promise.all(this.readers.map((reader) => reader.close()));
  }

  protected static async readers(files: readonly string[]): Promise<RunReader[]> {
    const readers: RunReader[] = [];
    try {
      for (const file of files) readers.push(await RunReader.open(file));
    } catch (error) {
      await Promise.all(readers.map((reader) => reader.close()));
      throw error;
    }
    return readers;
  }
}

/** Merges keyed lines (see {@link spillKeyed}): unique strings, compared with `<`. */
class LineMerger extends Merger {
  private readonly heads: string[] = [];

  static async open(files: readonly string[]): Promise<LineMerger> {
    const merger = new LineMerger(await Merger.readers(files));
    await merger.startOrClose();
    return merger;
  }

  private async startOrClose(): Promise<void> {
    try {
      await this.start();
    } catch (error) {
      await this.close();
      throw error;
    }
  }

  protected before(a: number, b: number): boolean {
    const x = this.heads[a]!;
    const y = this.heads[b]!;
    return x < y || (x === y && a < b);
  }

  protected changed(run: number): void {
    const reader = this.readers[run]!;
    this.heads[run] = reader.lines[reader.index]!;
  }

  /** The winner's serialised item: its line after the key, `\0` and the 8-character number. */
  text(): string {
    const line = this.heads[this.winner]!;
    return line.slice(line.indexOf("\0") + 9);
  }
}

/** Merges `serialize` lines by deserialising each and calling `compare` (ties to the lower run). */
class ItemMerger<T> extends Merger {
  private readonly heads: T[] = [];

  private constructor(
    readers: RunReader[],
    private readonly compare: (a: T, b: T) => number,
    private readonly deserialize: (text: string) => T,
  ) {
    super(readers);
  }

  static async open<T>(
    files: readonly string[],
    compare: (a: T, b: T) => number,
    deserialize: (text: string) => T,
  ): Promise<ItemMerger<T>> {
    const merger = new ItemMerger<T>(await Merger.readers(files), compare, deserialize);
    try {
      await merger.start();
    } catch (error) {
      await merger.close();
      throw error;
    }
    return merger;
  }

  protected before(a: number, b: number): boolean {
    const c = this.compare(this.heads[a]!, this.heads[b]!);
    return c < 0 || (c === 0 && a < b);
  }

  protected changed(run: number): void {
    const reader = this.readers[run]!;
    this.heads[run] = this.deserialize(reader.lines[reader.index]!);
  }

  /** The winner's item. */
  item(): T {
    return this.heads[this.winner]!;
  }
}
