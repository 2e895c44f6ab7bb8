/**
 * The `dynamodb` target: BatchWriteItem with last-write-wins per key inside a batch,
 * `UnprocessedItems` and throttles returned to the engine as retryable failures (the engine
 * retries them in order with backoff and jitter, and counts them), deletes on a pattern, and an
 * optional version guard written item by item with conditional writes.
 *
 * @module
 */
import type { AttributeValue, WriteRequest } from "@aws-sdk/client-dynamodb";
import type {
  CheckResult,
  Envelope,
  Host,
  ItemFailure,
  PlannedAction,
  Target,
  WriteResult,
} from "../../src/sdk/index.ts";
import { PluginError } from "../../src/sdk/index.ts";
import { attributeToJson } from "./attribute-values.ts";
import { createClient, type DynamoDbSend, loadSdk } from "./client.ts";
import { type CollapsedAction, collapseByKey } from "./collapse.ts";
import {
  compileItemMapping,
  compileRowKey,
  describeKey,
  type KeyTypes,
  type MappingProblem,
  type WriteAction,
} from "./item-mapping.ts";
import type { DynamoDbTargetConfig } from "./target-config.ts";

/** BatchWriteItem's limits. */
const MAX_BATCH_ITEMS = 25;
const MAX_BATCH_BYTES = 16 * 1024 * 1024;
/** Conditional writes of different keys in flight at once under `ifNewer`. */
const GUARDED_CONCURRENCY = 16;

/** The `dynamodb` target (see docs/targets/dynamodb.md). */
export class DynamoDbTarget implements Target {
  readonly policy;
  /** A batch applies last-write-wins per key (and per key in order under `ifNewer`). */
  readonly sameKey = "collapse" as const;
  readonly rowKey: (event: Envelope["event"]) => string | undefined;
  private client: DynamoDbSend | undefined;
  private keyTypes: KeyTypes | undefined;
  private readonly map: (event: Envelope["event"]) => WriteAction | MappingProblem;

  constructor(
    private readonly config: DynamoDbTargetConfig,
    private readonly host: Host,
    client?: DynamoDbSend,
  ) {
    this.client = client;
    this.policy = { maxItems: MAX_BATCH_ITEMS, maxBytes: MAX_BATCH_BYTES, maxInFlight: config.maxInFlight };
    this.map = compileItemMapping(config, host, () => this.keyTypes);
    this.rowKey = compileRowKey(config.key, host);
  }

  async open(): Promise<void> {
    // One attempt per request: the engine retries retryable failures and counts every retry,
    // so the report's throttle and retry figures are exact.
    this.client ??= await createClient(this.host, { endpoint: this.config.endpoint, maxAttempts: 1 });
  }

  async check(): Promise<CheckResult> {
    await this.open();
    const sdk = await loadSdk();
    let table: Awaited<ReturnType<typeof this.describe>>;
    try {
      table = await this.describe(sdk);
    } catch (error) {
      const info = this.host.helpers.classifyAwsError(error);
      const missing = info.code === "ResourceNotFoundException";
      return {
        ok: false,
        details: [
          missing
            ? `table "${this.config.table}" does not exist`
            : `cannot describe table "${this.config.table}": ${info.code}: ${info.message}`,
        ],
      };
    }
    const details: string[] = [`table "${this.config.table}" exists (${table.status})`];
    const tableKeys = table.keys.map((k) => k.name);
    const mapped = Object.keys(this.config.key);
    const missing = tableKeys.filter((k) => !mapped.includes(k));
    const extra = mapped.filter((k) => !tableKeys.includes(k));
    let ok = true;
    if (missing.length > 0 || extra.length > 0) {
      ok = false;
      details.push(
        `key: the table's key is ${table.keys.map((k) => `${k.name} (${k.role})`).join(", ")}, but the mapping names ` +
          `${mapped.join(", ")}${missing.length ? `; missing ${missing.join(", ")}` : ""}${extra.length ? `; not key attributes: ${extra.join(", ")}` : ""}`,
      );
    } else {
      details.push(
        `key schema matches the mapping: ${table.keys.map((k) => `${k.name} (${k.role}, ${k.type})`).join(", ")}`,
      );
    }
    return { ok, details };
  }

  async plan(batch: readonly Envelope[]): Promise<PlannedAction[]> {
    if (!this.keyTypes) {
      try {
        await this.open();
        await this.describe(await loadSdk());
      } catch {
        // check() reports it; plan what the mapping gives without key types.
      }
    }
    return batch.map((envelope, index) => {
      const action = this.map(envelope.event);
      if ("code" in action)
        return { index, action: "skip", destination: this.config.table, preview: action.message };
      const planned: PlannedAction = {
        index,
        action: action.kind,
        destination: describeKey(this.config.table, action.key),
      };
      if (action.item) planned.preview = attributeToJson({ M: action.item });
      return planned;
    });
  }

  async write(batch: readonly Envelope[]): Promise<WriteResult> {
    await this.open();
    const sdk = await loadSdk();
    if (!this.keyTypes) await this.describeOrThrow(sdk);
    const failures: ItemFailure[] = [];
    const actions: Array<{ index: number; action: WriteAction }> = [];
    batch.forEach((envelope, index) => {
      const action = this.map(envelope.event);
      if ("code" in action)
        failures.push({ index, retryable: false, code: action.code, message: action.message });
      else actions.push({ index, action });
    });
    const skipped: number[] = [];
    if (this.config.ifNewer) failures.push(...(await this.writeGuarded(sdk, actions, skipped)));
    else failures.push(...(await this.writeBatch(sdk, collapseByKey(actions))));
    failures.sort((a, b) => a.index - b.index);
    const unsent = new Set([...failures.map((f) => f.index), ...skipped]);
    const done: Record<string, number> = {};
    for (const { index, action } of actions)
      if (!unsent.has(index)) done[action.kind] = (done[action.kind] ?? 0) + 1;
    return { failures, skipped, actions: done };
  }

  /** One BatchWriteItem; unprocessed items and request-level throttles become retryable failures. */
  private async writeBatch(
    sdk: Awaited<ReturnType<typeof loadSdk>>,
    collapsed: CollapsedAction[],
  ): Promise<ItemFailure[]> {
    if (collapsed.length === 0) return [];
    const requests: WriteRequest[] = collapsed.map(({ action }) =>
      action.kind === "put" ? { PutRequest: { Item: action.item! } } : { DeleteRequest: { Key: action.key } },
    );
    let unprocessed: WriteRequest[];
    try {
      const output = await this.client!.send(
        new sdk.BatchWriteItemCommand({ RequestItems: { [this.config.table]: requests } }),
      );
      unprocessed = output.UnprocessedItems?.[this.config.table] ?? [];
    } catch (error) {
      const info = this.host.helpers.classifyAwsError(error);
      if (info.kind === "fatal")
        throw new PluginError(`${info.code}: ${info.message}`, `dynamodb:${this.config.table}`);
      if (info.kind === "item" && collapsed.length > 1) {
        // The request as a whole was rejected (a bad item fails the batch): find the culprit(s).
        return this.writeOneByOne(sdk, collapsed);
      }
      return failAll(
        collapsed,
        info.kind === "retryable",
        info.code,
        info.message,
        info.retryAfterMs,
        info.throttled,
      );
    }
    if (unprocessed.length === 0) return [];
    const pending = new Set(unprocessed.map((request) => keyIdOf(request, collapsed)));
    return failAll(
      collapsed.filter(({ action }) => pending.has(action.keyId)),
      true,
      "UnprocessedItems",
      "DynamoDB returned the item in UnprocessedItems (throughput exceeded); retrying",
      undefined,
      true,
    );
  }

  /** Fallback after a rejected batch: each write on its own, so one bad item fails alone. */
  private async writeOneByOne(
    sdk: Awaited<ReturnType<typeof loadSdk>>,
    collapsed: CollapsedAction[],
  ): Promise<ItemFailure[]> {
    const failures: ItemFailure[] = [];
    for (const entry of collapsed) {
      try {
        if (entry.action.kind === "put") {
          await this.client!.send(
            new sdk.PutItemCommand({ TableName: this.config.table, Item: entry.action.item! }),
          );
        } else {
          await this.client!.send(
            new sdk.DeleteItemCommand({ TableName: this.config.table, Key: entry.action.key }),
          );
        }
      } catch (error) {
        const info = this.host.helpers.classifyAwsError(error);
        if (info.kind === "fatal")
          throw new PluginError(`${info.code}: ${info.message}`, `dynamodb:${this.config.table}`);
        failures.push(
          ...failAll(
            [entry],
            info.kind === "retryable",
            info.code,
            info.message,
            info.retryAfterMs,
            info.throttled,
          ),
        );
      }
    }
    return failures;
  }

  /**
   * `ifNewer`: conditional writes, applied in order per key (different keys in parallel), so the
   * outcome equals applying the events one by one. A failed condition means the stored item is
   * as new or newer: the event is settled as delivered ("older event, skipped").
   */
  private async writeGuarded(
    sdk: Awaited<ReturnType<typeof loadSdk>>,
    actions: Array<{ index: number; action: WriteAction }>,
    skipped: number[],
  ): Promise<ItemFailure[]> {
    const byKey = new Map<string, Array<{ index: number; action: WriteAction }>>();
    for (const entry of actions) {
      const list = byKey.get(entry.action.keyId);
      if (list) list.push(entry);
      else byKey.set(entry.action.keyId, [entry]);
    }
    const failures: ItemFailure[] = [];
    const versionName = this.config.ifNewer!;
    const groups = [...byKey.values()];
    const runGroup = async (group: Array<{ index: number; action: WriteAction }>) => {
      for (let i = 0; i < group.length; i++) {
        const { index, action } = group[i]!;
        if (!action.version) {
          failures.push({
            index,
            retryable: false,
            code: "VersionMissing",
            message: `ifNewer: the event has no "${versionName}" value to compare`,
          });
          continue;
        }
        const [hashName] = Object.keys(action.key);
        const condition = {
          ConditionExpression: "attribute_not_exists(#k) OR #v < :v",
          ExpressionAttributeNames: { "#k": hashName!, "#v": versionName },
          ExpressionAttributeValues: { ":v": action.version },
        };
        try {
          if (action.kind === "put") {
            await this.client!.send(
              new sdk.PutItemCommand({ TableName: this.config.table, Item: action.item!, ...condition }),
            );
          } else {
            await this.client!.send(
              new sdk.DeleteItemCommand({ TableName: this.config.table, Key: action.key, ...condition }),
            );
          }
        } catch (error) {
          const info = this.host.helpers.classifyAwsError(error);
          if (info.code === "ConditionalCheckFailedException") {
            skipped.push(index); // the stored item is as new or newer: an older event, skipped
            continue;
          }
          if (info.kind === "fatal")
            throw new PluginError(`${info.code}: ${info.message}`, `dynamodb:${this.config.table}`);
          // Later events of this key must not overtake this one: fail them with it, same retryability.
          for (const rest of group.slice(i)) {
            failures.push({
              index: rest.index,
              retryable: info.kind === "retryable",
              throttled: info.throttled,
              code: info.code,
              message: info.message,
              ...(info.retryAfterMs ? { retryAfterMs: info.retryAfterMs } : {}),
            });
          }
          return;
        }
      }
    };
    let next = 0;
    const workers = Array.from({ length: Math.min(GUARDED_CONCURRENCY, groups.length) }, async () => {
      while (next < groups.length) await runGroup(groups[next++]!);
    });
    await Promise.all(workers);
    return failures;
  }

  private async describeOrThrow(sdk: Awaited<ReturnType<typeof loadSdk>>): Promise<void> {
    try {
      await this.describe(sdk);
    } catch (error) {
      const info = this.host.helpers.classifyAwsError(error);
      if (info.kind === "retryable") return; // key types stay unknown; writes still work
      throw new PluginError(
        info.code === "ResourceNotFoundException"
          ? "the table does not exist"
          : `${info.code}: ${info.message}`,
        `dynamodb:${this.config.table}`,
      );
    }
  }

  private async describe(sdk: Awaited<ReturnType<typeof loadSdk>>) {
    const out = await this.client!.send(new sdk.DescribeTableCommand({ TableName: this.config.table }));
    const definitions = new Map(
      (out.Table?.AttributeDefinitions ?? []).map((d) => [
        d.AttributeName!,
        d.AttributeType as "S" | "N" | "B",
      ]),
    );
    const keys = (out.Table?.KeySchema ?? []).map((k) => ({
      name: k.AttributeName!,
      role: k.KeyType === "HASH" ? "partition key" : "sort key",
      type: definitions.get(k.AttributeName!) ?? "S",
    }));
    this.keyTypes = Object.fromEntries(keys.map((k) => [k.name, k.type]));
    return { keys, status: out.Table?.TableStatus ?? "unknown status" };
  }

  async close(): Promise<void> {
    (this.client as { destroy?: () => void } | undefined)?.destroy?.();
  }
}

function failAll(
  entries: CollapsedAction[],
  retryable: boolean,
  code: string,
  message: string,
  retryAfterMs?: number,
  throttled = false,
): ItemFailure[] {
  return entries.flatMap(({ indexes }) =>
    indexes.map((index) => ({
      index,
      retryable,
      throttled,
      code,
      message,
      ...(retryAfterMs ? { retryAfterMs } : {}),
    })),
  );
}

/** The key id of an unprocessed request, matched back against what was sent. */
function keyIdOf(request: WriteRequest, collapsed: CollapsedAction[]): string {
  const key = request.DeleteRequest?.Key ?? request.PutRequest?.Item ?? {};
  const match = collapsed.find(({ action }) =>
    Object.entries(action.key).every(([name, value]) => sameKeyValue(key[name], value)),
  );
  return match?.action.keyId ?? "";
}

function sameKeyValue(a: AttributeValue | undefined, b: AttributeValue): boolean {
  if (!a) return false;
  if (b.S !== undefined) return a.S === b.S;
  if (b.N !== undefined) return a.N !== undefined && Number(a.N) === Number(b.N);
  if (b.B !== undefined && a.B !== undefined) return Buffer.from(a.B).equals(Buffer.from(b.B));
  return false;
}
