/**
 * The `dynamodb` source: parallel Scan (unordered) or Query (sort-key order), pages turned into
 * batches of plain-JSON records, an optional read budget, and an optional `sortBy` that pipes a
 * Scan through the host's external sort.
 *
 * Not implemented: resume checkpoints (`ack`); a stopped run reads the table again.
 *
 * @module
 */
import type { AttributeValue, DescribeTableCommandOutput } from "@aws-sdk/client-dynamodb";
import {
  type Host,
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
import { compareJsonValues } from "./sort-compare.ts";
import type { DynamoDbSourceConfig } from "./source-config.ts";

/** Records per batch when a sorted stream is re-batched. */
const SORTED_BATCH = 1000;

/** One page as read. */
interface Page {
  items: Array<Record<string, AttributeValue>>;
  consumed: number;
}

/** The `dynamodb` source (see docs/sources/dynamodb.md). */
export class DynamoDbSource implements Source {
  readonly ordered: boolean;
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
    if (this.config.sortBy && this.config.sortBy.length > 0) return this.sorted(ctx, this.config.sortBy);
    return this.unsorted(ctx);
  }

  private async *unsorted(ctx: SourceOpenContext): AsyncIterable<SourceBatch> {
    const pages = this.request!.kind === "query" ? this.pages(ctx, undefined) : this.scanSegments(ctx);
    for await (const page of pages) {
      yield { records: this.toRecords(page.items) };
    }
  }

  /** Reads everything, sorts it with the host's external sort, and yields it re-batched. */
  private async *sorted(ctx: SourceOpenContext, sortBy: string[]): AsyncIterable<SourceBatch> {
    const getters = sortBy.map((path) => this.host.jsonPath(path));
    const records = async function* (this: DynamoDbSource) {
      for await (const batch of this.unsorted(ctx)) yield* batch.records;
    }.call(this);
    const compare = (a: SourceRecord, b: SourceRecord) => {
      for (const get of getters) {
        const c = compareJsonValues(get(a.value), get(b.value));
        if (c !== 0) return c;
      }
      return 0;
    };
    let batch: SourceRecord[] = [];
    for await (const record of this.host.sort(records, { compare, runSize: this.config.sortRunSize })) {
      batch.push(record);
      if (batch.length >= SORTED_BATCH) {
        yield { records: batch };
        batch = [];
      }
      if (ctx.signal.aborted) return;
    }
    if (batch.length > 0) yield { records: batch };
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
  private async *scanSegments(ctx: SourceOpenContext): AsyncIterable<Page> {
    const total = this.config.segments;
    const iterators = Array.from({ length: total }, (_, segment) =>
      this.pages(ctx, total > 1 ? { segment, total } : undefined)[Symbol.asyncIterator](),
    );
    const pending = new Map<number, Promise<{ segment: number; result: IteratorResult<Page> }>>();
    const pull = (segment: number) =>
      pending.set(
        segment,
        iterators[segment]!.next().then((result) => ({ segment, result })),
      );
    for (let segment = 0; segment < total; segment++) pull(segment);
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
      await Promise.allSettled(iterators.map((iterator) => iterator.return?.()));
    }
  }

  /** Pages of one Scan segment or of the Query, to the end (LastEvaluatedKey). */
  private async *pages(ctx: SourceOpenContext, segment: { segment: number; total: number } | undefined) {
    const sdk = await loadSdk();
    const request = this.request!;
    let startKey: Record<string, AttributeValue> | undefined;
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
      if (items.length > 0) yield { items, consumed } satisfies Page;
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
