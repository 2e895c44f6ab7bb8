/**
 * Builds the Scan or Query request of the `dynamodb` source from its config and the table's key
 * schema: key condition, time range (pushed into the key condition when the time attribute is the
 * sort key of a Query, else a filter), projection.
 *
 * @module
 */
import type { AttributeValue, QueryCommandInput, ScanCommandInput } from "@aws-sdk/client-dynamodb";
import { PluginError } from "../../src/sdk/index.ts";
import type { DynamoDbSourceConfig } from "./source-config.ts";
import { toAttributeValue } from "./to-attribute-value.ts";

/** Key attribute names of the table and of the index that is read. */
export interface KeySchema {
  /** The table's partition key (for positions). */
  tableHash: string;
  /** The table's sort key, if any (for positions). */
  tableRange?: string;
  /** The partition key of what is read (the index's, when `index` is set). */
  hash: string;
  /** The sort key of what is read. */
  range?: string;
}

/** The request parts shared by Scan and Query, plus what the client must still filter itself. */
export interface ReadRequest {
  kind: "scan" | "query";
  input: ScanCommandInput & QueryCommandInput;
  /**
   * Set when `until` went into a key condition as `BETWEEN` (inclusive; a key condition allows only
   * one range condition on the sort key and filters cannot name key attributes): drop items whose
   * time equals it.
   */
  excludeTimeEqualTo?: { attribute: string; value: AttributeValue };
}

/** Builds the request; throws a PluginError naming the field when the config does not fit the table. */
export function buildReadRequest(config: DynamoDbSourceConfig, keys: KeySchema): ReadRequest {
  const names: Record<string, string> = {};
  const values: Record<string, AttributeValue> = {};
  const nameOf = new Map<string, string>();
  const name = (attribute: string) => {
    let alias = nameOf.get(attribute);
    if (!alias) {
      alias = `#n${nameOf.size}`;
      nameOf.set(attribute, alias);
      names[alias] = attribute;
    }
    return alias;
  };
  let valueCount = 0;
  const value = (v: AttributeValue) => {
    const alias = `:v${valueCount++}`;
    values[alias] = v;
    return alias;
  };
  const path = (dotted: string) => dotted.split(".").map(name).join(".");

  const input: ScanCommandInput & QueryCommandInput = {
    TableName: config.table,
    ReturnConsumedCapacity: "TOTAL",
  };
  if (config.index) input.IndexName = config.index;
  if (config.consistentRead) input.ConsistentRead = true;
  if (config.pageSize) input.Limit = config.pageSize;

  const keyConditions: string[] = [];
  const filters: string[] = [];
  let excludeTimeEqualTo: ReadRequest["excludeTimeEqualTo"];
  const kind = config.query ? "query" : "scan";
  if (config.query) {
    const [[attribute, wanted]] = Object.entries(config.query) as [[string, unknown]];
    if (attribute !== keys.hash) {
      throw new PluginError(
        `"${attribute}" is not the partition key of ${config.index ? `index ${config.index}` : `table ${config.table}`} (it is "${keys.hash}")`,
        "query",
      );
    }
    keyConditions.push(`${name(attribute)} = ${value(toAttributeValue(wanted, "query"))}`);
    input.ScanIndexForward = true;
  }

  if (config.timeAttribute && (config.since !== undefined || config.until !== undefined)) {
    const t = config.timeAttribute;
    const since = config.since === undefined ? undefined : timeValue(config.since, config, "since");
    const until = config.until === undefined ? undefined : timeValue(config.until, config, "until");
    if (kind === "query" && t === keys.range) {
      const a = name(t);
      if (since && until) {
        keyConditions.push(`${a} BETWEEN ${value(since)} AND ${value(until)}`);
        excludeTimeEqualTo = { attribute: t, value: until };
      } else if (since) keyConditions.push(`${a} >= ${value(since)}`);
      else if (until) keyConditions.push(`${a} < ${value(until)}`);
    } else {
      const a = path(t);
      if (since) filters.push(`${a} >= ${value(since)}`);
      if (until) filters.push(`${a} < ${value(until)}`);
    }
  }
  if (keyConditions.length > 0) input.KeyConditionExpression = keyConditions.join(" AND ");
  if (filters.length > 0) input.FilterExpression = filters.join(" AND ");

  if (config.projection && config.projection.length > 0) {
    const wanted = new Set(config.projection);
    wanted.add(keys.tableHash);
    if (keys.tableRange) wanted.add(keys.tableRange);
    for (const sortPath of config.sortBy ?? []) wanted.add(sortPath.replace(/^\$\.?/, "").split(/[.[]/)[0]!);
    input.ProjectionExpression = [...wanted].map(path).join(", ");
  }
  if (Object.keys(names).length > 0) input.ExpressionAttributeNames = names;
  if (Object.keys(values).length > 0) input.ExpressionAttributeValues = values;
  return excludeTimeEqualTo ? { kind, input, excludeTimeEqualTo } : { kind, input };
}

/** Converts `since`/`until` to the attribute type `timeFormat` says the table stores. */
export function timeValue(text: string, config: DynamoDbSourceConfig, field: string): AttributeValue {
  if (config.timeFormat === "iso") return { S: text };
  if (/^\d+(\.\d+)?$/.test(text)) return { N: text };
  const ms = Date.parse(text);
  if (Number.isNaN(ms))
    throw new PluginError(`${JSON.stringify(text)} is neither a date nor an epoch number`, field);
  return { N: String(config.timeFormat === "epoch-seconds" ? Math.floor(ms / 1000) : ms) };
}
