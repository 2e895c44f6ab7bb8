/**
 * The `dynamodb` source: parallel Scan (unordered) or Query (sort-key order), pages turned into
 * batches of plain-JSON records, an optional read budget, and an optional `sortBy` that pipes a
 * Scan through the host's external sort.
 *
 * Resumable (see source-cursor.ts): a Scan keeps each segment's `LastEvaluatedKey`, a Query its
 * own, a sorted Scan the last sort tuple taken. Shards split a Scan by segment (segment j to
 * shard j mod N, `TotalSegments` fixed), which is not key-aligned; a Query cannot be split.
 *
 * @module
 */
import type { AttributeValue, DescribeTableCommandOutput } from "@aws-sdk/client-dynamodb";
import {
  type Host,
  type JsonValue,
  PluginError,
  type Source,
  type SourceBatch,
  type SourceOpenContext,
  type SourceRecord,
} from "../../src/sdk/index.ts";
import { itemToJson, keyText } from "./attribute-values.ts";
import { createClient, type DynamoDbSend, loadSdk } from "./client.ts";
import { ReadBudget } from "./read-budget.ts";
import { buildReadRequest, type KeySchema, type ReadRequest } from "./read-request.ts";
import type { DynamoDbSourceConfig } from "./source-config.ts";
import {
  compareSortKeys,
  parseCursor,
  type QueryCursor,
  type ScanCursor,
  type SegmentState,
  type SortedCursor,
  type StoredKey,
  segmentsOf,
} from "./source-cursor.ts";

/** Records per batch when a sorted stream is re-batched. */
const SORTED_BATCH = 1000;

/** One page as read. */
interface Page {
  items: Array<Record<string, AttributeValue>>;
  consumed: number;
  /** The Scan segment it belongs to (0 for a Query or an unsegmented Scan). */
  segment: number;
  /** Where the next page of its segment starts; `undefined` when the segment is done. */
  lastKey: StoredKey | undefined;
}

/** The `dynamodb` source (see docs/sources/dynamodb.md). */
export class DynamoDbSource implements Source {
  readonly ordered: boolean;
  readonly resumable = true;
  readonly sharding: "none" | "split";
  readonly shardingNote: string;
  private client: DynamoDbSend | undefined;
  private request: ReadRequest | undefined;
  private keys: KeySchema | undefined;
  private readonly budget: ReadBudget | undefined;

  constructor(
    private readonly config: DynamoDbSourceConfig,
    private readonly host: Host,
    client?: DynamoDbSend,
  ) {
    this.client = client;
    this.ordered = config.query !== undefined || (config.sortBy?.length ?? 0) > 0;
    // Whether one partition key stays in one Scan segment is not documented: not key-aligned.
    this.sharding = config.query === undefined ? "split" : "none";
    this.shardingNote =
      config.query === undefined
        ? `by Scan segment: ${config.segments} segments, segment j to shard j mod N (not key-aligned)`
        : "a Query cannot be split";
    const rate = config.maxReadUnitsPerSecond ?? config.maxItemsPerSecond;
    if (rate !== undefined) this.budget = new ReadBudget(rate, host.sleep, host.signal);
  }

  async open(ctx: SourceOpenContext): Promise<void> {
    // Reads are not counted per item by the engine, so let the SDK retry throttles itself.
    this.client ??= await createClient(this.host, { endpoint: this.config.endpoint, maxAttempts: 8 });
    const sdk = await loadSdk();
    let described: DescribeTableCommandOutput;
    try {
      described = await this.client.send(new sdk.DescribeTableCommand({ TableName: this.config.table }), {
        abortSignal: ctx.signal,
      });
    } catch (error) {
      const info = this.host.helpers.classifyAwsError(error);
      if (info.code === "ResourceNotFoundException") {
        throw new PluginError(
          `table "${this.config.table}" does not exist (${info.message})`,
          "dynamodb source",
        );
      }
      throw new PluginError(`cannot describe table "${this.config.table}": ${info.code}: ${info.message}`);
    }
    this.keys = keySchema(described, this.config);
    this.request = buildReadRequest(this.config, this.keys);
    this.host.log.debug(
      `${this.request.kind} ${this.config.table}${this.config.index ? `/${this.config.index}` : ""}: ${JSON.stringify(
        this.request.input,
      )}`,
    );
  }

  batches(ctx: SourceOpenContext): AsyncIterable<SourceBatch> {
    const sorted = this.config.sortBy && this.config.sortBy.length > 0;
    const kind = sorted ? "sorted" : this.request!.kind;
    if (kind === "query" && ctx.shard && ctx.shard.count > 1) {
      throw new PluginError("a Query cannot be split into shards; Scan the table instead", "query");
    }
    const resume =
      ctx.resumeFrom === undefined || ctx.resumeFrom === null
        ? undefined
        : parseCursor(ctx.resumeFrom, { kind, segments: this.config.segments });
    if (sorted) return this.sorted(ctx, this.config.sortBy!, resume as SortedCursor | undefined);
    if (kind === "query") return this.query(ctx, resume as QueryCursor | undefined);
    return this.scan(ctx, resume as ScanCursor | undefined);
  }

  private async *query(ctx: SourceOpenContext, resume: QueryCursor | undefined): AsyncIterable<SourceBatch> {
    if (resume?.done) return;
    for await (const page of this.pages(ctx, undefined, resume?.last ?? undefined)) {
      const cursor: QueryCursor = { v: 1, kind: "query", last: page.lastKey ?? null, done: !page.lastKey };
      yield { records: this.toRecords(page.items), cursor: cursor as unknown as JsonValue };
    }
  }

  /** A Scan: each batch's cursor is the state of every segment after it. */
  private async *scan(ctx: SourceOpenContext, resume: ScanCursor | undefined): AsyncIterable<SourceBatch> {
    const total = this.config.segments;
    const state: SegmentState[] = resume ? [...resume.state] : new Array<SegmentState>(total).fill(null);
    const mine = segmentsOf(total, ctx.shard).filter((segment) => state[segment] !== "done");
    for await (const page of this.scanSegments(ctx, mine, state)) {
      state[page.segment] = page.lastKey ?? "done";
      const cursor: ScanCursor = { v: 1, kind: "scan", segments: total, state: [...state] };
      yield { records: this.toRecords(page.items), cursor: cursor as unknown as JsonValue };
    }
  }

  /**
   * Reads everything, sorts it with the host's external sort (ties broken by the table key, so
   * the order is total and a resume can skip exactly what was taken), and yields it re-batched.
   */
  private async *sorted(
    ctx: SourceOpenContext,
    sortBy: string[],
    resume: SortedCursor | undefined,
  ): AsyncIterable<SourceBatch> {
    const getters = sortBy.map((path) => this.host.jsonPath(path));
    const tupleOf = (record: SourceRecord): JsonValue[] =>
      getters.map((get) => (get(record.value) ?? null) as JsonValue);
    const records = async function* (this: DynamoDbSource) {
      for await (const batch of this.scan(ctx, undefined)) yield* batch.records;
    }.call(this);
    const compare = (a: SourceRecord, b: SourceRecord) =>
      compareSortKeys(
        { tuple: tupleOf(a), position: a.position },
        { tuple: tupleOf(b), position: b.position },
      );
    let batch: SourceRecord[] = [];
    const emit = (): SourceBatch => {
      const last = batch[batch.length - 1]!;
      const cursor: SortedCursor = { v: 1, kind: "sorted", tuple: tupleOf(last), position: last.position };
      const out = { records: batch, cursor };
      batch = [];
      return out;
    };
    for await (const record of this.host.sort(records, { compare, runSize: this.config.sortRunSize })) {
      // A resume re-reads and re-sorts the table, then skips up to the last record taken.
      if (resume && compareSortKeys({ tuple: tupleOf(record), position: record.position }, resume) <= 0)
        continue;
      batch.push(record);
      if (batch.length >= SORTED_BATCH) yield emit();
      if (ctx.signal.aborted) return;
    }
    if (batch.length > 0) yield emit();
  }

  private toRecords(items: Array<Record<string, AttributeValue>>): SourceRecord[] {
    const { tableHash, tableRange } = this.keys!;
    const exclude = this.request!.excludeTimeEqualTo;
    const records: SourceRecord[] = [];
    for (const item of items) {
      if (exclude && sameValue(item[exclude.attribute], exclude.value)) continue;
      const position = tableRange
        ? `${this.config.table}#${keyText(item[tableHash])}#${keyText(item[tableRange])}`
        : `${this.config.table}#${keyText(item[tableHash])}`;
      records.push({ value: itemToJson(item), position });
    }
    return records;
  }

  /**
   * Runs every Scan segment, keeping one page request in flight per segment, and yields pages in
   * the order they arrive (pull-based: a segment reads its next page only after its last page
   * was taken, so memory holds at most one page per segment).
   */
  private async *scanSegments(
    ctx: SourceOpenContext,
    segments: number[],
    state: readonly SegmentState[],
  ): AsyncIterable<Page> {
    const total = this.config.segments;
    const iterators = new Map(
      segments.map((segment) => {
        const from = state[segment];
        const startKey = from === null || from === "done" || from === undefined ? undefined : from;
        const pages = this.pages(ctx, total > 1 ? { segment, total } : undefined, startKey);
        return [segment, pages[Symbol.asyncIterator]()] as const;
      }),
    );
    const pending = new Map<number, Promise<{ segment: number; result: IteratorResult<Page> }>>();
    const pull = (segment: number) =>
      pending.set(
        segment,
        iterators
          .get(segment)!
          .next()
          .then((result) => ({ segment, result })),
      );
    for (const segment of segments) pull(segment);
    try {
      while (pending.size > 0) {
        const { segment, result } = await Promise.race(pending.values());
        if (result.done) {
          pending.delete(segment);
          continue;
        }
        pull(segment);
        yield result.value;
      }
    } finally {
      await Promise.allSettled([...iterators.values()].map((iterator) => iterator.return?.()));
    }
  }

  /** Pages of one Scan segment or of the Query, to the end (LastEvaluatedKey). */
  private async *pages(
    ctx: SourceOpenContext,
    segment: { segment: number; total: number } | undefined,
    from: StoredKey | undefined,
  ) {
    const sdk = await loadSdk();
    const request = this.request!;
    let startKey: Record<string, AttributeValue> | undefined = from;
    do {
      if (ctx.signal.aborted) return;
      await this.budget?.acquire();
      const input = { ...request.input, ...(startKey ? { ExclusiveStartKey: startKey } : {}) };
      if (segment) Object.assign(input, { Segment: segment.segment, TotalSegments: segment.total });
      const command = request.kind === "query" ? new sdk.QueryCommand(input) : new sdk.ScanCommand(input);
      let output: {
        Items?: Array<Record<string, AttributeValue>>;
        LastEvaluatedKey?: Record<string, AttributeValue>;
        ConsumedCapacity?: { CapacityUnits?: number };
      };
      try {
        output = (await this.client!.send(command as Parameters<DynamoDbSend["send"]>[0], {
          abortSignal: ctx.signal,
        })) as typeof output;
      } catch (error) {
        if (ctx.signal.aborted) return;
        const info = this.host.helpers.classifyAwsError(error);
        const where = segment ? ` segment ${segment.segment}/${segment.total}` : "";
        throw new PluginError(
          `${request.kind} of "${this.config.table}"${where} failed: ${info.code}: ${info.message}`,
        );
      }
      const items = output.Items ?? [];
      const consumed =
        this.config.maxItemsPerSecond !== undefined
          ? items.length
          : (output.ConsumedCapacity?.CapacityUnits ?? 0);
      this.budget?.charge(consumed);
      startKey = output.LastEvaluatedKey;
      // Empty pages are not yielded: a resume then reads such a page again, which is harmless.
      if (items.length > 0)
        yield { items, consumed, segment: segment?.segment ?? 0, lastKey: startKey } satisfies Page;
    } while (startKey);
  }

  async close(): Promise<void> {
    (this.client as { destroy?: () => void } | undefined)?.destroy?.();
  }
}

/** Key attribute names of the table and the index read; an unknown index is a PluginError. */
function keySchema(described: DescribeTableCommandOutput, config: DynamoDbSourceConfig): KeySchema {
  const table = described.Table;
  const find = (schema: Array<{ AttributeName?: string; KeyType?: string }> | undefined, type: string) =>
    schema?.find((k) => k.KeyType === type)?.AttributeName;
  const tableHash = find(table?.KeySchema, "HASH");
  if (!tableHash) throw new PluginError(`table "${config.table}" reported no partition key`);
  const tableRange = find(table?.KeySchema, "RANGE");
  let hash = tableHash;
  let range = tableRange;
  if (config.index) {
    const index = [...(table?.GlobalSecondaryIndexes ?? []), ...(table?.LocalSecondaryIndexes ?? [])].find(
      (i) => i.IndexName === config.index,
    );
    if (!index) {
      const known = [...(table?.GlobalSecondaryIndexes ?? []), ...(table?.LocalSecondaryIndexes ?? [])]
        .map((i) => i.IndexName)
        .join(", ");
      throw new PluginError(
        `table "${config.table}" has no index "${config.index}" (indexes: ${known || "none"})`,
        "index",
      );
    }
    hash = find(index.KeySchema, "HASH") ?? tableHash;
    range = find(index.KeySchema, "RANGE");
  }
  const keys: KeySchema = { tableHash, hash };
  if (tableRange) keys.tableRange = tableRange;
  if (range) keys.range = range;
  return keys;
}

function sameValue(a: AttributeValue | undefined, b: AttributeValue): boolean {
  if (!a) return false;
  if (b.S !== undefined) return a.S === b.S;
  if (b.N !== undefined) return a.N !== undefined && Number(a.N) === Number(b.N);
  return false;
}
