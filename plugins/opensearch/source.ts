/**
 * The `opensearch` source: a Point in Time read with `search_after` in a total order
 * (`timeField`, then a unique `tiebreakField`), in one stream or in slices merged back into the
 * same order (a k-way merge on the sort values), resumable from the last sort values of every
 * slice, with the selection (time range, query, pattern pushdown) as one server-side filter.
 *
 * @module
 */
import type {
  Host,
  JsonValue,
  Source,
  SourceBatch,
  SourceOpenContext,
  SourceRecord,
} from "../../src/sdk/index.ts";
import { PluginError } from "../../src/sdk/index.ts";
import { connect, errorReason, jsonOf, type OsHttp } from "./connection.ts";
import { indexPath } from "./index-admin.ts";
import { type Hit, PitSession, StreamReader, type StreamSpec } from "./pit-reader.ts";
import { type FieldMapping, keywordFieldFor, pushdownCandidates, selectionQuery } from "./selection-query.ts";
import { compareSortTuples } from "./sort-values.ts";
import type { OpenSearchSourceConfig } from "./source-config.ts";

/** The resume cursor: the last emitted sort values of every stream, and when the read began. */
interface OpenSearchCursor {
  v: 1;
  /** When the first run of this read started (ISO 8601). */
  asOf: string;
  /** How many slices (streams) the read has; a cursor is only valid for the same count. */
  slices: number;
  /** The shard of a split run this cursor belongs to. */
  shard?: { index: number; count: number };
  /** Per stream, the raw JSON of the last emitted sort values (longs exact), or null before the first. */
  after: Array<string | null>;
}

const DATE_OR_NUMBER = new Set([
  "date",
  "date_nanos",
  "long",
  "integer",
  "short",
  "byte",
  "double",
  "float",
  "half_float",
  "scaled_float",
  "unsigned_long",
]);
const TIEBREAK_TYPES = new Set([
  "keyword",
  "long",
  "integer",
  "short",
  "byte",
  "unsigned_long",
  "date",
  "date_nanos",
  "double",
  "float",
]);

/** The `opensearch` source (see docs/sources/opensearch.md). */
export class OpenSearchSource implements Source {
  readonly ordered = true;
  readonly resumable = true;
  readonly sharding = "split" as const;
  readonly shardingNote =
    "each shard reads one slice of a Point in Time (slice {id, max}); slices follow the index's shards, so one key's documents stay in one part only when the index is routed by that key";
  private http: OsHttp | undefined;
  private pit: PitSession | undefined;
  private tiebreak: string;
  private terms: Array<{ field: string; values: string[] }> = [];
  /** The engine's version, for messages. */
  engineVersion = "";
  /** The filters pushed to the server (for tests and the log). */
  pushedDown: Array<{ field: string; values: string[] }> = [];

  constructor(
    private readonly config: OpenSearchSourceConfig,
    private readonly host: Host,
    http?: OsHttp,
  ) {
    this.http = http;
    this.tiebreak = config.tiebreakField;
  }

  async open(ctx: SourceOpenContext): Promise<void> {
    this.http ??= await connect(this.config, this.host);
    const http = this.http;
    const root = await http.request({ method: "GET", path: "/", signal: ctx.signal });
    if (root.status !== 200) {
      throw new PluginError(
        `cluster ${http.displayUrl} answered HTTP ${root.status}: ${errorReason(root)}`,
        "url",
      );
    }
    this.engineVersion =
      jsonOf<{ version?: { number?: string } }>(root, "cluster info").version?.number ?? "";
    await this.checkSortFields(ctx);
    if (this.host.dryRun) {
      const count = await this.count(ctx);
      this.host.log.info(`${count} document(s) of "${this.config.index}" match the selection (_count)`);
    }
  }

  /** Counts the documents the read's query selects (`_count`), for dry runs and plans. */
  async count(ctx: Pick<SourceOpenContext, "pushdown" | "signal">): Promise<number> {
    const response = await this.http!.request({
      method: "POST",
      path: `${indexPath(this.config.index)}/_count`,
      body: { query: this.query(ctx) },
      signal: ctx.signal,
    });
    if (response.status !== 200)
      throw new PluginError(`_count on "${this.config.index}" failed: ${errorReason(response)}`);
    return jsonOf<{ count: number }>(response, "_count").count;
  }

  /**
   * The sort must be total and sortable in every index read: a date/numeric time field and a
   * keyword/numeric tiebreak (a text field is read through its `.keyword` subfield). Also looks
   * up the pattern's fields for pushdown.
   */
  private async checkSortFields(ctx: SourceOpenContext): Promise<void> {
    const { timeField, tiebreakField } = this.config;
    const candidates =
      this.config.pushdown && ctx.pushdown?.literals !== undefined
        ? pushdownCandidates(ctx.pushdown.pattern)
        : [];
    const names = new Set([timeField, tiebreakField, `${tiebreakField}.keyword`]);
    for (const c of candidates) names.add(c.field).add(`${c.field}.keyword`);
    const response = await this.http!.request({
      method: "GET",
      path: `${indexPath(this.config.index)}/_mapping/field/${[...names].map(encodeURIComponent).join(",")}`,
      signal: ctx.signal,
    });
    if (response.status === 404) {
      throw new PluginError(`no index matches "${this.config.index}" on ${this.http!.displayUrl}`, "index");
    }
    if (response.status !== 200) {
      throw new PluginError(
        `cannot read the mapping of "${this.config.index}": ${errorReason(response)}`,
        "index",
      );
    }
    const body = jsonOf<
      Record<string, { mappings: Record<string, { mapping: Record<string, FieldMapping> }> }>
    >(response, "mapping");
    const perIndex = Object.entries(body).map(([index, { mappings }]) => {
      const fields: Record<string, FieldMapping | undefined> = {};
      for (const [fullName, entry] of Object.entries(mappings))
        fields[fullName] = Object.values(entry.mapping)[0];
      return { index, fields };
    });
    if (perIndex.length === 0) {
      throw new PluginError(`no index matches "${this.config.index}" on ${this.http!.displayUrl}`, "index");
    }
    for (const { index, fields } of perIndex) {
      const type = fields[timeField]?.type;
      if (type === undefined) continue; // an index without the field yet (empty): its documents sort last
      if (!DATE_OR_NUMBER.has(type)) {
        throw new PluginError(
          `"${timeField}" is mapped as ${type} in "${index}": give a date or numeric field`,
          "timeField",
        );
      }
    }
    const direct = perIndex.every(({ fields }) => {
      const type = fields[tiebreakField]?.type;
      return type === undefined || TIEBREAK_TYPES.has(type);
    });
    const viaKeyword = perIndex.every(({ fields }) => fields[`${tiebreakField}.keyword`]?.type === "keyword");
    if (!direct) {
      if (!viaKeyword) {
        const types = perIndex.map(
          ({ index, fields }) => `${index}: ${fields[tiebreakField]?.type ?? "unmapped"}`,
        );
        throw new PluginError(
          `"${tiebreakField}" cannot be sorted on (${types.join(", ")}): give a keyword or numeric field unique per document`,
          "tiebreakField",
        );
      }
      this.tiebreak = `${tiebreakField}.keyword`;
    }
    this.terms = [];
    for (const candidate of candidates) {
      const field = keywordFieldFor(
        candidate,
        perIndex.map(({ fields }) => fields),
      );
      if (field) this.terms.push({ field, values: candidate.values });
    }
    this.pushedDown = this.terms;
    if (this.terms.length > 0) {
      this.host.log.debug(
        `pushed down: ${this.terms.map((t) => `${t.field} ∈ ${JSON.stringify(t.values)}`).join(", ")}`,
      );
    }
  }

  private query(ctx: Pick<SourceOpenContext, "pushdown">): Record<string, unknown> {
    return selectionQuery({
      timeField: this.config.timeField,
      since: [this.config.since, ctx.pushdown?.since].filter((v): v is string => v !== undefined),
      until: [this.config.until, ctx.pushdown?.until].filter((v): v is string => v !== undefined),
      query: this.config.query,
      terms: this.terms,
    });
  }

  async *batches(ctx: SourceOpenContext): AsyncGenerator<SourceBatch> {
    if (!this.http) await this.open(ctx);
    const http = this.http!;
    const shard = ctx.shard && ctx.shard.count > 1 ? ctx.shard : undefined;
    const streams = shard ? 1 : this.config.slices;
    if (shard && this.config.slices > 1) {
      this.host.log.warn(`slices: ${this.config.slices} ignored: with --shard each shard reads one slice`);
    }
    const cursor = this.resumeCursor(ctx.resumeFrom, streams, shard);
    const asOf = cursor?.asOf ?? new Date().toISOString();
    if (cursor)
      this.host.log.info(`resuming a read begun at ${asOf} from the last sort values of each stream`);
    const pit = new PitSession(http, this.host, this.config.index, this.config.keepAlive, ctx.signal);
    this.pit = pit;
    const spec = (slice?: { id: number; max: number }): StreamSpec => ({
      sort: [{ [this.config.timeField]: { order: "asc" } }, { [this.tiebreak]: { order: "asc" } }],
      query: this.query(ctx),
      pageSize: this.config.pageSize,
      keepAlive: this.config.keepAlive,
      pageAttempts: this.config.pageAttempts,
      sortFields: [this.config.timeField, this.tiebreak],
      ...(slice ? { slice } : {}),
    });
    const readers: StreamReader[] = [];
    if (shard) {
      readers.push(
        new StreamReader(
          http,
          this.host,
          pit,
          spec({ id: shard.index, max: shard.count }),
          cursor?.after[0] ?? undefined,
          ctx.signal,
        ),
      );
    } else if (streams === 1) {
      readers.push(new StreamReader(http, this.host, pit, spec(), cursor?.after[0] ?? undefined, ctx.signal));
    } else {
      for (let i = 0; i < streams; i++) {
        readers.push(
          new StreamReader(
            http,
            this.host,
            pit,
            spec({ id: i, max: streams }),
            cursor?.after[i] ?? undefined,
            ctx.signal,
          ),
        );
      }
    }
    const after: Array<string | null> = cursor ? [...cursor.after] : readers.map(() => null);
    const makeCursor = (): JsonValue => {
      const value: OpenSearchCursor = { v: 1, asOf, slices: streams, after: [...after] };
      if (shard) value.shard = { index: shard.index, count: shard.count };
      return value as unknown as JsonValue;
    };
    try {
      if (readers.length === 1) {
        yield* this.single(readers[0]!, after, makeCursor, ctx);
      } else {
        yield* this.merged(readers, after, makeCursor, ctx);
      }
    } finally {
      await pit.close();
    }
  }

  /**
   * One stream: a batch per page. The next page is requested as soon as a page arrives, so the
   * server searches while this page is turned into records and handed on (two pages in memory).
   */
  private async *single(
    reader: StreamReader,
    after: Array<string | null>,
    makeCursor: () => JsonValue,
    ctx: SourceOpenContext,
  ): AsyncGenerator<SourceBatch> {
    const fetch = () => {
      const pending = reader.nextPage();
      pending.catch(() => {}); // awaited below; a failure while the engine holds a batch is not unhandled
      return pending;
    };
    let next = fetch();
    while (!ctx.signal.aborted) {
      const hits = await next;
      if (hits.length === 0) return;
      next = fetch();
      const batch = this.toBatch(hits, ctx);
      after[0] = hits[hits.length - 1]!.sortRaw;
      batch.cursor = makeCursor();
      yield batch;
    }
  }

  /**
   * Slices merged by their sort values: every slice is sorted, so repeatedly taking the smallest
   * head restores the single-stream order. Each slice holds the page being merged and at most
   * one prefetched page, so memory is bounded by 2 × slices × pageSize documents.
   */
  private async *merged(
    readers: StreamReader[],
    after: Array<string | null>,
    makeCursor: () => JsonValue,
    ctx: SourceOpenContext,
  ): AsyncGenerator<SourceBatch> {
    const pages: Hit[][] = [];
    const positions: number[] = [];
    const prefetch: Array<Promise<Hit[]> | undefined> = [];
    // Attach a handler at once: a prefetch may fail while another slice is being awaited.
    const fetch = (i: number) => {
      const pending = readers[i]!.nextPage();
      pending.catch(() => {});
      return pending;
    };
    for (let i = 0; i < readers.length; i++) prefetch[i] = fetch(i);
    for (let i = 0; i < readers.length; i++) {
      pages[i] = await prefetch[i]!;
      positions[i] = 0;
      prefetch[i] = pages[i]!.length > 0 ? fetch(i) : undefined;
    }
    let out: Hit[] = [];
    const flush = (): SourceBatch => {
      const batch = this.toBatch(out, ctx);
      batch.cursor = makeCursor();
      out = [];
      return batch;
    };
    while (!ctx.signal.aborted) {
      let best = -1;
      for (let i = 0; i < readers.length; i++) {
        if (positions[i]! >= pages[i]!.length) continue;
        if (best < 0) {
          best = i;
          continue;
        }
        const c = compareSortTuples(pages[i]![positions[i]!]!.sort, pages[best]![positions[best]!]!.sort);
        if (c === 0) {
          const a = pages[i]![positions[i]!]!;
          throw new PluginError(
            `two documents share the sort values ${a.sortRaw}: the order is not total; set tiebreakField to a field unique per document`,
            "tiebreakField",
          );
        }
        if (c < 0) best = i;
      }
      if (best < 0) break;
      const hit = pages[best]![positions[best]!]!;
      positions[best]!++;
      out.push(hit);
      after[best] = hit.sortRaw;
      if (positions[best]! >= pages[best]!.length && prefetch[best]) {
        // This slice's page is used up: its next page must be here before anything is compared.
        pages[best] = await prefetch[best]!;
        positions[best] = 0;
        prefetch[best] = pages[best]!.length > 0 ? fetch(best) : undefined;
      }
      if (out.length >= this.config.pageSize) yield flush();
    }
    if (out.length > 0 && !ctx.signal.aborted) yield flush();
  }

  private toBatch(hits: Hit[], ctx: SourceOpenContext): SourceBatch {
    const records: SourceRecord[] = [];
    let prefiltered = 0;
    for (const hit of hits) {
      if (ctx.prefilter && !ctx.prefilter(hit.source)) {
        prefiltered++;
        continue;
      }
      records.push({ value: hit.value, position: `${hit.index}/${hit.id}`, text: hit.source });
    }
    return prefiltered > 0 ? { records, prefiltered } : { records };
  }

  private resumeCursor(
    resumeFrom: JsonValue | undefined,
    streams: number,
    shard: { index: number; count: number } | undefined,
  ): OpenSearchCursor | undefined {
    if (resumeFrom === undefined || resumeFrom === null) return undefined;
    const cursor = resumeFrom as unknown as OpenSearchCursor;
    if (
      typeof cursor !== "object" ||
      cursor.v !== 1 ||
      !Array.isArray(cursor.after) ||
      cursor.after.length !== streams ||
      cursor.slices !== streams
    ) {
      throw new PluginError(
        `the checkpoint was written by a read with ${String((cursor as { slices?: unknown })?.slices)} stream(s); this read has ${streams}: resume with the same slices (and --shard)`,
        "slices",
      );
    }
    if (
      (cursor.shard?.index ?? -1) !== (shard?.index ?? -1) ||
      (cursor.shard?.count ?? 0) !== (shard?.count ?? 0)
    ) {
      throw new PluginError("the checkpoint belongs to another --shard", "shard");
    }
    return cursor;
  }

  async close(): Promise<void> {
    try {
      await this.pit?.close();
    } finally {
      await this.http?.close();
      this.http = undefined;
    }
  }
}
