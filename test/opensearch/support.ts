/**
 * Helpers for the OpenSearch integration tests: plugins built the way the engine builds them
 * (config validated, defaults applied, a real host), envelopes, seeding and reading back.
 *
 * @module
 */

import { openSearchSource, openSearchTarget } from "../../plugins/opensearch/index.ts";
import { OpenSearchSource } from "../../plugins/opensearch/source.ts";
import type { OpenSearchSourceConfig } from "../../plugins/opensearch/source-config.ts";
import { OpenSearchTarget } from "../../plugins/opensearch/target.ts";
import type { OpenSearchTargetConfig } from "../../plugins/opensearch/target-config.ts";
import { validatePluginConfig } from "../../src/config/plugin-config.ts";
import { createHost } from "../../src/host/create-host.ts";
import type {
  Envelope,
  EventBridgeEvent,
  Host,
  SourceBatch,
  SourceOpenContext,
} from "../../src/sdk/index.ts";
import { osRequest } from "../services/opensearch.ts";

/** A real host, as the engine builds it, with log lines collected in `log`. */
export function testHost(options: { dryRun?: boolean; log?: string[]; signal?: AbortSignal } = {}): Host {
  const log = options.log ?? [];
  return createHost({
    pluginName: "opensearch",
    dryRun: options.dryRun ?? false,
    signal: options.signal ?? new AbortController().signal,
    baseDir: process.cwd(),
    aws: {},
    stderr: { write: (text: string) => log.push(text) },
  });
}

/** A source from raw config, validated the way the engine does it. */
export function sourceFor(raw: Record<string, unknown>, host = testHost()): OpenSearchSource {
  const config = validatePluginConfig("opensearch", openSearchSource.config, raw, "test");
  return new OpenSearchSource(config as unknown as OpenSearchSourceConfig, host);
}

/** A target from raw config, validated the way the engine does it. */
export function targetFor(raw: Record<string, unknown>, host = testHost()): OpenSearchTarget {
  const config = validatePluginConfig("opensearch", openSearchTarget.config, raw, "test");
  return new OpenSearchTarget(config as unknown as OpenSearchTargetConfig, host);
}

/** Reads a source to its end; returns the batches (records and cursors). */
export async function readBatches(
  source: OpenSearchSource,
  ctx: Partial<SourceOpenContext> = {},
): Promise<SourceBatch[]> {
  const full: SourceOpenContext = { signal: new AbortController().signal, ...ctx };
  await source.open(full);
  const batches: SourceBatch[] = [];
  try {
    for await (const batch of source.batches(full)) batches.push(batch);
  } finally {
    await source.close();
  }
  return batches;
}

/** The positions (`index/_id`) of every record, in read order. */
export function positions(batches: readonly SourceBatch[]): string[] {
  return batches.flatMap((b) => b.records.map((r) => r.position));
}

let seq = 0;
/** An EventBridge event with the given fields over defaults. */
export function event(fields: Partial<EventBridgeEvent> & { id: string }): EventBridgeEvent {
  return {
    version: "0",
    "detail-type": "OrderUpdated",
    source: "shop.orders",
    account: "123456789012",
    time: "2024-05-01T00:00:00Z",
    region: "eu-west-1",
    resources: [],
    detail: {},
    ...fields,
  };
}

/** An envelope of `event` (with its text, as a source without envelope mapping gives it). */
export function envelope(value: EventBridgeEvent, text = JSON.stringify(value)): Envelope {
  return { event: value, position: `test:${seq}`, seq: seq++, text, record: value };
}

/** Creates an index with `mappings` (and `settings`) and bulk-indexes documents, then refreshes. */
export async function seedIndex(
  url: string,
  index: string,
  docs: ReadonlyArray<{ _id: string; routing?: string; doc: unknown }>,
  options: { mappings?: unknown; shards?: number } = {},
): Promise<void> {
  const created = await osRequest(url, "PUT", `/${index}`, {
    settings: { number_of_shards: options.shards ?? 1, number_of_replicas: 0 },
    ...(options.mappings ? { mappings: options.mappings } : {}),
  });
  if (created.status !== 200) throw new Error(`create ${index}: ${JSON.stringify(created.body)}`);
  for (let i = 0; i < docs.length; i += 5000) {
    const lines = docs
      .slice(i, i + 5000)
      .map(
        (d) =>
          `${JSON.stringify({ index: { _index: index, _id: d._id, ...(d.routing ? { routing: d.routing } : {}) } })}\n${typeof d.doc === "string" ? d.doc : JSON.stringify(d.doc)}\n`,
      )
      .join("");
    const bulk = await osRequest<{ errors: boolean; items: unknown[] }>(url, "POST", "/_bulk", lines);
    if (bulk.status !== 200 || bulk.body.errors) {
      throw new Error(`bulk into ${index}: ${JSON.stringify(bulk.body).slice(0, 500)}`);
    }
  }
  await osRequest(url, "POST", `/${index}/_refresh`);
}

/** Every document of an index (up to 10,000), by id. */
export async function documents(url: string, index: string): Promise<Map<string, Record<string, unknown>>> {
  await osRequest(url, "POST", `/${index}/_refresh`);
  const found = await osRequest<{ hits: { hits: Array<{ _id: string; _source: Record<string, unknown> }> } }>(
    url,
    "POST",
    `/${index}/_search`,
    { size: 10_000, query: { match_all: {} } },
  );
  return new Map(found.body.hits.hits.map((h) => [h._id, h._source]));
}

/** The stored `_version` of a document. */
export async function storedVersion(url: string, index: string, id: string): Promise<number | undefined> {
  const got = await osRequest<{ found: boolean; _version?: number }>(url, "GET", `/${index}/_doc/${id}`);
  return got.body.found ? got.body._version : undefined;
}

/** Event-shaped documents `count` long, with ties on `time` (groups of `tie`) and ids in a shuffled order. */
export function tiedEvents(count: number, tie: number): EventBridgeEvent[] {
  const out: EventBridgeEvent[] = [];
  for (let i = 0; i < count; i++) {
    const t = new Date(Date.UTC(2024, 0, 1) + Math.floor(i / tie) * 1000).toISOString();
    // ids not in time order, so the tiebreak really orders the ties
    const id = `e-${String((i * 7919) % count).padStart(6, "0")}`;
    out.push(
      event({
        id,
        time: t,
        source: i % 3 === 0 ? "shop.orders" : i % 3 === 1 ? "shop.payments" : "shop.stock",
        "detail-type": i % 2 === 0 ? "OrderUpdated" : "OrderCreated",
        detail: { n: i, orderId: `o-${i % 50}` },
      }),
    );
  }
  return out;
}

/** Sorts events as the source must read them: by time, then id (UTF-8 order equals code units here). */
export function expectedOrder(events: readonly EventBridgeEvent[]): string[] {
  return [...events]
    .sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map((e) => e.id);
}

/** Keyword mappings for the event fields the tests sort and filter on. */
export const EVENT_MAPPINGS = {
  properties: {
    id: { type: "keyword" },
    time: { type: "date" },
    source: { type: "keyword" },
    "detail-type": { type: "keyword" },
  },
};
