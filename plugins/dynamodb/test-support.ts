/**
 * Helpers for the `dynamodb` plugin tests (not used by the plugins themselves).
 *
 * @module
 */
import type { AttributeValue, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { BatchWriteItemCommand, ScanCommand } from "@aws-sdk/client-dynamodb";
import { validatePluginConfig } from "../../src/config/plugin-config.ts";
import type {
  Envelope,
  EventBridgeEvent,
  Host,
  ItemFailure,
  SourceRecord,
  Target,
} from "../../src/sdk/index.ts";
import { testHost as kitHost } from "../../src/sdk/testing/index.ts";
import { seededRandom } from "../../test/support/seeded-random.ts";
import { dynamodbSource, dynamodbTarget } from "./index.ts";
import { DynamoDbSource } from "./source.ts";
import type { DynamoDbSourceConfig } from "./source-config.ts";
import { DynamoDbTarget } from "./target.ts";
import type { DynamoDbTargetConfig } from "./target-config.ts";

/** A real host, as the engine builds it, with log lines collected in `log`. */
export function testHost(options: { dryRun?: boolean; log?: string[]; signal?: AbortSignal } = {}): Host {
  return kitHost({
    dryRun: options.dryRun ?? false,
    logs: options.log ?? [],
    ...(options.signal && { signal: options.signal }),
  });
}

/** A source built from raw config the way the engine does (validated, defaults applied). */
export function sourceFor(raw: Record<string, unknown>, host = testHost()): DynamoDbSource {
  const config = validatePluginConfig(
    "dynamodb",
    dynamodbSource.config,
    raw,
    "test",
  ) as unknown as DynamoDbSourceConfig;
  return new DynamoDbSource(config, host);
}

/** A target built from raw config the way the engine does (validated, defaults applied). */
export function targetFor(raw: Record<string, unknown>, host = testHost()): DynamoDbTarget {
  const config = validatePluginConfig(
    "dynamodb",
    dynamodbTarget.config,
    raw,
    "test",
  ) as unknown as DynamoDbTargetConfig;
  return new DynamoDbTarget(config, host);
}

/** Opens a source, reads every record, closes it. */
export async function readAll(source: DynamoDbSource): Promise<SourceRecord[]> {
  const ctx = { signal: new AbortController().signal };
  await source.open(ctx);
  const records: SourceRecord[] = [];
  try {
    for await (const batch of source.batches(ctx)) records.push(...batch.records);
  } finally {
    await source.close();
  }
  return records;
}

/** Writes items with plain BatchWriteItem (25 at a time), retrying unprocessed ones. */
export async function putItems(
  client: DynamoDBClient,
  table: string,
  items: Array<Record<string, AttributeValue>>,
): Promise<void> {
  for (let i = 0; i < items.length; i += 25) {
    let requests = items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } }));
    while (requests.length > 0) {
      const out = await client.send(new BatchWriteItemCommand({ RequestItems: { [table]: requests } }));
      requests = (out.UnprocessedItems?.[table] ?? []) as typeof requests;
    }
  }
}

/** Every item of a table (consistent Scan). */
export async function scanAll(
  client: DynamoDBClient,
  table: string,
): Promise<Array<Record<string, AttributeValue>>> {
  const items: Array<Record<string, AttributeValue>> = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const out = await client.send(
      new ScanCommand({ TableName: table, ConsistentRead: true, ExclusiveStartKey: start }),
    );
    items.push(...(out.Items ?? []));
    start = out.LastEvaluatedKey;
  } while (start);
  return items;
}

/** Seeded pseudo-random numbers (see test/support/seeded-random.ts). */
export const seeded = seededRandom;

/** An EventBridge event with `detail`. */
export function event(
  id: string,
  detailType: string,
  detail: Record<string, unknown>,
  time?: string,
): EventBridgeEvent {
  return {
    version: "0",
    id,
    "detail-type": detailType,
    source: "test.users",
    account: "123456789012",
    time: time ?? "2024-01-01T00:00:00Z",
    region: "us-east-1",
    resources: [],
    detail,
  };
}

/** Wraps events as the engine's envelopes. */
export function envelopes(events: EventBridgeEvent[], firstSeq = 0): Envelope[] {
  return events.map((e, i) => ({ event: e, position: `test:${firstSeq + i}`, seq: firstSeq + i, record: e }));
}
