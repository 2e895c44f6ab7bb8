/**
 * The `s3` source: objects listed under a prefix (or matching a glob) read in key order through
 * the file source's NDJSON, JSON-array and gzip readers; DynamoDB table exports in S3.
 *
 * How one object is read: {@link openObject} sends GetObject (and resumes a broken body with a
 * ranged GET), a {@link Prefetch} keeps a bounded part of it queued ahead of the parser, the
 * bytes are gunzipped when the key ends in `.gz` or they start with the gzip magic bytes, and the
 * file source's `sniff` and readers turn them into batches (the NDJSON reader's byte offsets make
 * the cursors). See docs/sources/s3.md.
 *
 * @module
 */
import { Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import type { S3Client } from "@aws-sdk/client-s3";
import {
  type Host,
  type JsonValue,
  PluginError,
  type Source,
  type SourceBatch,
  type SourceOpenContext,
} from "../../src/sdk/index.ts";
import { readJsonArray } from "../file/array-reader.ts";
import { compileBytePrefilter } from "../file/byte-prefilter.ts";
import {
  EXPORT_FILES,
  EXPORT_SUMMARY,
  exportBatches,
  parseExportFiles,
  parseExportSummary,
  sortedBatches,
} from "../file/dynamodb-export.ts";
import { type NdjsonReaderCursor, type ReaderOptions, readNdjson } from "../file/ndjson-reader.ts";
import { sniff } from "../file/sniff.ts";
import { createS3Client, loadS3Sdk, type S3Send } from "./client.ts";
import { parseCursor, type S3Cursor } from "./cursor.ts";
import { compileDateLayout, type DateLayout, outsideRange } from "./date-layout.ts";
import { compareKeys, type ListedObject, listSelection } from "./list-objects.ts";
import { openObject } from "./object-bytes.ts";
import { inOrderAhead, Prefetch } from "./read-ahead.ts";
import { asPluginError, type RetryCounts, withRetries } from "./retrying.ts";
import { objectName, parseS3Url, type S3Selection } from "./s3-url.ts";

/** Validated configuration of the `s3` source (see `source-plugin.ts` for each field). */
export interface S3SourceConfig {
  url: string;
  format: "auto" | "ndjson" | "array" | "dynamodb-json";
  endpoint?: string;
  batchSize: number;
  maxRecordBytes: number;
  readAhead: number;
  readAheadBytes: number;
  partSize: number;
  dateLayout: string;
  dateSlackSeconds: number;
  sortBy?: string[];
  sortRunSize: number;
  /** ListObjectsV2 `MaxKeys` (the server's default, 1000, when absent). */
  listPageSize?: number;
}

/** One object the source will read, with where to start in it. */
interface PlannedObject {
  /** 0-based place among all the objects the URL selects, in key order (shards and cursors use it). */
  index: number;
  key: string;
  etag?: string;
  /** From the listing; unknown for an export's data files. */
  size?: number;
  /** Where a resumed read starts. */
  resume?: S3Cursor;
}

/**
 * A byte range of an object, fetched by its own ranged GET: objects of known size and ETag larger
 * than `partSize` are read in parts, so the parts of one large object download in parallel like
 * several small objects do (one S3 connection is limited to a share of the bandwidth).
 */
interface Part {
  planned: PlannedObject;
  start: number;
  /** Exclusive; absent: to the object's end (size or ETag unknown). */
  end?: number;
  /** Whether the part ends the object. */
  last: boolean;
}

/** A part whose GetObject was sent and whose bytes are being fetched ahead. */
interface Started {
  opened: Promise<{ etag: string; prefetch: Prefetch }>;
}

/** Whether a cursor resumes with a ranged read at its offset (plain NDJSON), not from the start. */
function resumesAtOffset(cursor: S3Cursor | undefined): cursor is S3Cursor {
  return cursor !== undefined && !cursor.gzip && cursor.format !== "array";
}

/** The `s3` source (see the module note). */
export class S3Source implements Source {
  readonly sharding = "split" as const;
  readonly shardingNote =
    "by object: the selected objects in key order, object i to shard i mod N (a key's events may span objects)";
  /** What was retried, for the debug log and tests. */
  readonly retries: RetryCounts = { throttled: 0, transient: 0 };
  /** Objects skipped unread because their key's date is outside --since/--until. */
  skippedByDate = 0;
  private client: S3Send | undefined;
  private readonly selection: S3Selection;
  private readonly layout: DateLayout | undefined;
  /** Set by `open` when the URL points at a DynamoDB export: its data keys, in key order. */
  private exportKeys: string[] | undefined;

  constructor(
    private readonly config: S3SourceConfig,
    private readonly host: Host,
    client?: S3Send,
  ) {
    this.client = client;
    this.selection = parseS3Url(config.url);
    this.layout = config.dateLayout === "" ? undefined : compileDateLayout(config.dateLayout);
  }

  /** An export (or `dynamodb-json`) is a table's items in no order, unless `sortBy` sorts them. */
  get ordered(): boolean {
    if (this.config.sortBy && this.config.sortBy.length > 0) return true;
    return !this.readsItems;
  }

  /** Cursors are object positions: a sorted read has none (it would have to re-sort). */
  get resumable(): boolean {
    return !(this.config.sortBy && this.config.sortBy.length > 0);
  }

  private get readsItems(): boolean {
    return this.config.format === "dynamodb-json" || this.exportKeys !== undefined;
  }

  /** Connects, and tells an export folder (it holds `manifest-summary.json`) from plain objects. */
  async open(ctx: SourceOpenContext): Promise<void> {
    this.client ??= await createS3Client(this.host, this.config.endpoint);
    if (this.config.format !== "auto" && this.config.format !== "dynamodb-json") return;
    const folder = exportFolderPrefix(this.selection);
    if (folder === undefined) return;
    const summaryKey = `${folder}${EXPORT_SUMMARY}`;
    const summary = await this.getText(summaryKey, ctx.signal, true);
    if (summary === undefined) return;
    parseExportSummary(summary, objectName(this.selection.bucket, summaryKey));
    const filesKey = `${folder}${EXPORT_FILES}`;
    const files = await this.getText(filesKey, ctx.signal, false);
    const keys = parseExportFiles(files!, objectName(this.selection.bucket, filesKey)).map((f) => folder + f);
    this.exportKeys = [...new Set(keys)].sort(compareKeys);
    this.host.log.debug(
      `${objectName(this.selection.bucket, folder)}: DynamoDB export, ${keys.length} data files`,
    );
  }

  batches(ctx: SourceOpenContext): AsyncIterable<SourceBatch> {
    const sortBy = this.config.sortBy;
    if (sortBy && sortBy.length > 0) {
      return sortedBatches(this.host, this.read(ctx), sortBy, this.config.sortRunSize, ctx.signal);
    }
    return this.read(ctx);
  }

  async close(): Promise<void> {
    (this.client as Partial<S3Client> | undefined)?.destroy?.();
  }

  private async *read(ctx: SourceOpenContext): AsyncGenerator<SourceBatch> {
    if (this.client === undefined) await this.open(ctx);
    const resume =
      ctx.resumeFrom === undefined || ctx.resumeFrom === null ? undefined : parseCursor(ctx.resumeFrom);
    // Each part in flight buffers at most its share of the budget; a longer part waits for the
    // parser with its connection held back by TCP flow control.
    const bufferBytes = Math.max(
      256 * 1024,
      Math.floor(this.config.readAheadBytes / (this.config.readAhead + 1)),
    );
    const partSize = this.config.partSize;
    const start = (part: Part): Started => {
      const opened = openObject(
        this.client!,
        this.host,
        this.retries,
        {
          bucket: this.selection.bucket,
          key: part.planned.key,
          ...(part.planned.etag ? { etag: part.planned.etag } : {}),
          start: part.start,
          ...(part.end !== undefined ? { end: part.end } : {}),
        },
        ctx.signal,
      ).then((object) => ({ etag: object.etag, prefetch: new Prefetch(object.bytes, bufferBytes) }));
      // Awaited when its turn comes; until then a failure must not be an unhandled rejection.
      opened.catch(() => {});
      return { opened };
    };
    const stop = async (started: Started) => {
      await started.opened.then((o) => o.prefetch.cancel()).catch(() => {});
    };
    const parts = inOrderAhead(
      this.parts(this.plan(ctx, resume), partSize),
      this.config.readAhead,
      start,
      stop,
    )[Symbol.asyncIterator]();
    try {
      let next = await parts.next();
      while (!next.done) {
        if (ctx.signal.aborted) return;
        let current = next.value;
        const { etag } = await current.started.opened;
        // The object's bytes: its parts one after the other, as the reader asks for them.
        const bytes = async function* () {
          for (;;) {
            const { prefetch } = await current.started.opened;
            yield* prefetch.bytes();
            if (current.item.last) return;
            const following = await parts.next();
            if (following.done)
              throw new Error(`internal: the parts of ${current.item.planned.key} ended early`);
            current = following.value;
          }
        };
        yield* this.readObject(current.item.planned, etag, bytes(), ctx);
        if (ctx.signal.aborted) return;
        // The readers read to the end, so this only guards against a part left unread.
        while (!current.item.last) {
          const following = await parts.next();
          if (following.done) break;
          current = following.value;
          await stop(current.started);
        }
        next = await parts.next();
      }
    } finally {
      await parts.return?.(undefined);
    }
    this.host.log.debug(
      `s3: ${this.retries.throttled} throttled and ${this.retries.transient} other retried requests, ` +
        `${this.skippedByDate} objects skipped by date`,
    );
  }

  /** Cuts each object into parts of `partSize` bytes (see {@link Part}). */
  private async *parts(objects: AsyncIterable<PlannedObject>, partSize: number): AsyncGenerator<Part> {
    for await (const planned of objects) {
      const from = resumesAtOffset(planned.resume) ? planned.resume.offset : 0;
      const size = planned.size;
      // Without a size and an ETag, parts could come from different versions: one GET.
      if (size === undefined || !planned.etag) {
        yield { planned, start: from, last: true };
        continue;
      }
      if (from >= size) {
        yield { planned, start: from, end: from, last: true };
        continue;
      }
      for (let start = from; start < size; start += partSize) {
        const end = Math.min(size, start + partSize);
        yield { planned, start, end, last: end >= size };
      }
    }
  }

  /** The objects to read, in key order: this shard's, from the resume cursor on, inside the date range. */
  private async *plan(ctx: SourceOpenContext, resume: S3Cursor | undefined): AsyncGenerator<PlannedObject> {
    const since = timeOf(ctx.pushdown?.since, "since");
    const until = timeOf(ctx.pushdown?.until, "until");
    const slack = this.config.dateSlackSeconds * 1000;
    const skipByDate =
      this.layout !== undefined && this.exportKeys === undefined && (since ?? until) !== undefined;
    let index = -1;
    let reachedCursor = resume === undefined;
    for await (const object of this.listed(ctx.signal)) {
      index++;
      if (ctx.shard && index % ctx.shard.count !== ctx.shard.index) continue;
      if (!reachedCursor) {
        if (index < resume!.index) continue;
        reachedCursor = true;
        if (object.key !== resume!.key) {
          throw new PluginError(
            `cannot resume: object #${resume!.index} is now ${object.key}, the checkpoint has ${resume!.key} (objects were added or removed)`,
            objectName(this.selection.bucket, resume!.key),
          );
        }
        if (object.etag && resume!.etag && object.etag !== resume!.etag) {
          throw new PluginError(
            `cannot resume: the object changed since the checkpoint (ETag ${object.etag}, was ${resume!.etag})`,
            objectName(this.selection.bucket, object.key),
          );
        }
        if (resume!.done) continue;
        yield { index, key: object.key, etag: resume!.etag, resume: resume!, ...sizeOf(object) };
        continue;
      }
      if (skipByDate) {
        const window = this.layout!.window(object.key);
        if (window && outsideRange(window, slack, since, until)) {
          this.skippedByDate++;
          continue;
        }
      }
      yield { index, key: object.key, ...(object.etag ? { etag: object.etag } : {}), ...sizeOf(object) };
    }
    if (!reachedCursor) {
      throw new PluginError(
        `cannot resume: the checkpoint's object #${resume!.index} is no longer listed`,
        objectName(this.selection.bucket, resume!.key),
      );
    }
  }

  /** The listing, or an export's data files (their ETags come with GetObject). */
  private listed(signal: AbortSignal): AsyncIterable<Pick<ListedObject, "key"> & Partial<ListedObject>> {
    if (this.exportKeys !== undefined) {
      const keys = this.exportKeys;
      return (async function* () {
        for (const key of keys) yield { key };
      })();
    }
    return listSelection(
      this.client!,
      this.host,
      this.retries,
      this.selection,
      signal,
      this.config.listPageSize,
    );
  }

  /** Reads one object into batches with cursors (see the module note). */
  private async *readObject(
    planned: PlannedObject,
    etag: string,
    objectBytes: AsyncIterable<Uint8Array>,
    ctx: SourceOpenContext,
  ): AsyncGenerator<SourceBatch> {
    const name = objectName(this.selection.bucket, planned.key);
    const resume = planned.resume;
    const ranged = resumesAtOffset(resume);
    const { gzip, bytes } = await detectGzip(objectBytes, planned.key, resume);
    let data = gzip ? gunzip(bytes, name) : bytes;
    // A resumed gzipped object: the records before the cursor are decompressed again and dropped.
    if (resume && gzip && resume.format !== "array") data = dropBytes(data, resume.offset);
    const origin =
      resume && resume.format !== "array"
        ? { offset: resume.offset, line: resume.line }
        : { offset: 0, line: 1 };
    // The reader's cursor offsets count from the input after a BOM: note whether one was there.
    const bom = { seen: false };
    const sniffed = await sniff(origin.offset === 0 ? noteBom(data, bom) : data);
    const items = this.readsItems;
    const format: "ndjson" | "array" =
      resume?.format === "array"
        ? "array"
        : resume
          ? "ndjson"
          : this.config.format === "array" || this.config.format === "ndjson"
            ? this.config.format
            : items
              ? "ndjson"
              : sniffed.format;
    const skipItems = resume?.format === "array" ? resume.items : 0;
    // The run's prefilter tests event text: not for item lines, nor while counting skipped elements.
    const prefilterOk = !items && skipItems === 0;
    const options: ReaderOptions = {
      name,
      batchSize: this.config.batchSize,
      maxRecordBytes: this.config.maxRecordBytes,
      signal: ctx.signal,
      startLine: origin.line,
      ...(prefilterOk && ctx.prefilter ? { prefilter: ctx.prefilter } : {}),
      ...(prefilterOk && ctx.prefilter && ctx.prefilterLiterals
        ? { bytePrefilter: compileBytePrefilter(ctx.prefilterLiterals) }
        : {}),
    };
    const reader =
      format === "array" ? readJsonArray(sniffed.rest, options) : readNdjson(sniffed.rest, options);
    this.host.log.debug(
      `reading ${name} as ${format}${gzip ? " (gzip)" : ""}${ranged ? ` from byte ${origin.offset}` : ""}`,
    );
    let consumed = 0;
    let toSkip = skipItems;
    const base = { v: 1, index: planned.index, key: planned.key, etag, gzip, format } as const;
    let pending: SourceBatch | undefined;
    try {
      for await (const raw of reader) {
        consumed += raw.records.length + (raw.prefiltered ?? 0) + (raw.invalid?.length ?? 0);
        let batch = raw;
        if (toSkip > 0) {
          const skipped = skipLeading(batch, toSkip);
          toSkip -= skipped.dropped;
          batch = skipped.batch;
        }
        let cursor: S3Cursor | undefined;
        if (format === "array")
          cursor = { ...base, offset: 0, line: 1, items: skipItems + consumed, done: false };
        else {
          // The NDJSON reader says where the next line starts (none after a cut-short oversized line).
          const next = raw.cursor as NdjsonReaderCursor | undefined;
          if (next) {
            const offset = origin.offset + (bom.seen ? 3 : 0) + next.offset;
            cursor = { ...base, offset, line: next.line, items: 0, done: false };
          }
        }
        if (cursor) batch.cursor = cursor as unknown as JsonValue;
        else delete batch.cursor;
        // One batch held back, so the object's last batch can say the object is done.
        if (pending) yield* this.emit(pending, items);
        pending = batch;
        if (ctx.signal.aborted) return;
      }
      if (pending) {
        pending.cursor = {
          ...base,
          offset: 0,
          line: 1,
          items: 0,
          done: true,
        } satisfies S3Cursor as unknown as JsonValue;
        yield* this.emit(pending, items);
      }
    } finally {
      // Closing the chain closes the parts' prefetches (their HTTP streams).
      await sniffed.close();
    }
  }

  private *emit(batch: SourceBatch, items: boolean): Generator<SourceBatch> {
    if (!items) {
      yield batch;
      return;
    }
    yield* exportBatches(batch);
  }

  /** A small object's text (a manifest); `undefined` when it does not exist and `optional`. */
  private async getText(key: string, signal: AbortSignal, optional: boolean): Promise<string | undefined> {
    const { GetObjectCommand } = await loadS3Sdk();
    const name = objectName(this.selection.bucket, key);
    let missing = false;
    const output = await withRetries(
      this.host,
      this.retries,
      `GetObject ${name}`,
      () =>
        this.client!.send(new GetObjectCommand({ Bucket: this.selection.bucket, Key: key }), {
          abortSignal: signal,
        }),
      (error) => {
        const info = this.host.helpers.classifyAwsError(error);
        if (info.code === "NoSuchKey" || info.status === 404) {
          missing = true;
          return new PluginError("no such object", name);
        }
        return undefined;
      },
      signal,
    ).catch((error) => {
      if (missing && optional) return undefined;
      throw asPluginError(this.host, error, name);
    });
    return output === undefined ? undefined : await output.Body!.transformToString();
  }
}

/** The folder an export would be in, for a URL without a glob; `undefined` for a glob. */
function exportFolderPrefix(selection: S3Selection): string | undefined {
  if (selection.mode === "glob") return undefined;
  const key = selection.prefix;
  if (key.endsWith(`/${EXPORT_SUMMARY}`) || key === EXPORT_SUMMARY)
    return key.slice(0, key.length - EXPORT_SUMMARY.length);
  if (key === "" || key.endsWith("/")) return key;
  return `${key}/`;
}

function sizeOf(object: Partial<ListedObject>): { size?: number } {
  return object.size !== undefined && object.etag ? { size: object.size } : {};
}

function timeOf(value: string | undefined, what: string): number | undefined {
  if (value === undefined) return undefined;
  const time = Date.parse(value);
  if (Number.isNaN(time)) throw new PluginError(`not an ISO 8601 time: ${value}`, what);
  return time;
}

/**
 * Looks at the first bytes: gzip when the key ends in `.gz` or they start with 1F 8B (a JSON text
 * never does). A resumed object says which it was (a ranged read starts mid-object).
 */
async function detectGzip(
  input: AsyncIterable<Uint8Array>,
  key: string,
  resume: S3Cursor | undefined,
): Promise<{ gzip: boolean; bytes: AsyncIterable<Uint8Array> }> {
  if (resume) return { gzip: resume.gzip, bytes: input };
  if (key.endsWith(".gz")) return { gzip: true, bytes: input };
  const iterator = input[Symbol.asyncIterator]();
  const first = await iterator.next();
  if (first.done) return { gzip: false, bytes: input };
  const head = first.value;
  const bytes = (async function* () {
    try {
      yield head;
      for (;;) {
        const next = await iterator.next();
        if (next.done) return;
        yield next.value;
      }
    } finally {
      await iterator.return?.();
    }
  })();
  return { gzip: head[0] === 0x1f && head[1] === 0x8b, bytes };
}

/** Gunzips a byte stream (never whole in memory); a corrupt stream is an error naming the object. */
async function* gunzip(input: AsyncIterable<Uint8Array>, name: string): AsyncGenerator<Uint8Array> {
  const stream = Readable.from(input).pipe(createGunzip({ chunkSize: 256 * 1024 }));
  try {
    for await (const chunk of stream as AsyncIterable<Uint8Array>) yield chunk;
  } catch (error) {
    if (error instanceof PluginError) throw error;
    throw new PluginError(`cannot gunzip: ${(error as Error).message}`, name);
  } finally {
    stream.destroy();
  }
}

/** Passes a stream through, noting in `bom.seen` whether it starts with a UTF-8 BOM. */
async function* noteBom(
  input: AsyncIterable<Uint8Array>,
  bom: { seen: boolean },
): AsyncGenerator<Uint8Array> {
  let first = true;
  for await (const chunk of input) {
    if (first) bom.seen = chunk.length >= 3 && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf;
    first = false;
    yield chunk;
  }
}

/** Drops the first `count` bytes of a stream. */
async function* dropBytes(input: AsyncIterable<Uint8Array>, count: number): AsyncGenerator<Uint8Array> {
  let left = count;
  for await (const chunk of input) {
    if (left >= chunk.length) {
      left -= chunk.length;
      continue;
    }
    yield left > 0 ? chunk.subarray(left) : chunk;
    left = 0;
  }
}

/**
 * Drops up to `count` leading elements of a batch (records first, then invalid records: a batch
 * ends at its invalid ones), for a JSON array resumed by element count.
 */
function skipLeading(batch: SourceBatch, count: number): { batch: SourceBatch; dropped: number } {
  const records = batch.records.length;
  const invalid = batch.invalid?.length ?? 0;
  if (count >= records + invalid) return { batch: { records: [] }, dropped: records + invalid };
  if (count <= records) return { batch: { ...batch, records: batch.records.slice(count) }, dropped: count };
  return {
    batch: { ...batch, records: [], invalid: batch.invalid!.slice(count - records) },
    dropped: count,
  };
}
