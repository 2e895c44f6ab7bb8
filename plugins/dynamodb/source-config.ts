import { type ConfigSpec, PluginError } from "../../src/sdk/index.ts";

/** The `dynamodb` source's configuration (see docs/sources/dynamodb.md). */
export interface DynamoDbSourceConfig {
  table: string;
  index?: string;
  endpoint?: string;
  segments: number;
  query?: Record<string, unknown>;
  consistentRead: boolean;
  projection?: string[];
  pageSize?: number;
  timeAttribute?: string;
  timeFormat: "iso" | "epoch-seconds" | "epoch-millis";
  since?: string;
  until?: string;
  sortBy?: string[];
  sortRunSize: number;
  maxReadUnitsPerSecond?: number;
  maxItemsPerSecond?: number;
}

/** Parallel Scan segments when none are configured: enough to keep a few requests in flight. */
export const DEFAULT_SEGMENTS = 4;

/** The source's config spec (also its documentation in `plugins describe dynamodb`). */
export const dynamodbSourceSpec: ConfigSpec = {
  fields: {
    table: { type: "string", required: true, description: "The table to read.", example: "orders-events" },
    index: {
      type: "string",
      description: "A global or local secondary index to Scan or Query instead of the table.",
    },
    endpoint: {
      type: "string",
      description:
        "Endpoint URL override (e.g. DynamoDB Local). Without it the SDK's chain applies, including AWS_ENDPOINT_URL_DYNAMODB.",
    },
    segments: {
      type: "integer",
      minimum: 1,
      default: DEFAULT_SEGMENTS,
      description:
        "Parallel Scan segments (Segment/TotalSegments), each paginated to its end. Ignored for a Query. " +
        "With --shard i/N, segment j goes to shard j mod N (give at least N); keep it unchanged across a resume.",
    },
    query: {
      type: "object",
      description:
        "Query instead of Scan: `{ <partition key attribute>: <value> }` of the table (or of `index`). Items come " +
        "in ascending sort-key order, so the source is ordered.",
      example: { pk: "ORDER#42" },
    },
    consistentRead: {
      type: "boolean",
      default: false,
      description: "Strongly consistent reads (table and local indexes only; costs twice the read units).",
    },
    projection: {
      type: "string[]",
      description:
        "Attributes to read (top-level names or dotted paths). The table's key attributes and the first step of each " +
        "`sortBy` path are always added.",
    },
    pageSize: {
      type: "integer",
      minimum: 1,
      description: "Items per request (`Limit`); DynamoDB also stops a page at 1 MB.",
    },
    timeAttribute: {
      type: "string",
      description:
        "Attribute holding the event time, for `since`/`until`. Pushed into the key condition when it is the sort key " +
        "of a Query, else into a filter expression.",
      example: "createdAt",
    },
    timeFormat: {
      type: "string",
      enum: ["iso", "epoch-seconds", "epoch-millis"],
      default: "iso",
      description:
        "How `timeAttribute` is stored: ISO-8601 strings (compared as strings: give `since`/`until` in the same format) " +
        "or epoch numbers (`since`/`until` may be ISO dates or numbers).",
    },
    since: { type: "string", description: "Read items with `timeAttribute` ≥ this (inclusive)." },
    until: { type: "string", description: "Read items with `timeAttribute` < this (exclusive)." },
    sortBy: {
      type: "string[]",
      description:
        "Sort the items by these JSON paths (ties broken by the next) with the engine's bounded-memory external sort " +
        "before they leave the source; makes a Scan ordered.",
      example: ["time", "id"],
    },
    sortRunSize: {
      type: "integer",
      minimum: 1,
      default: 100_000,
      description:
        "With `sortBy`: items sorted in memory before a sorted run is spilled to a temp file. Lower it to use less memory.",
    },
    maxReadUnitsPerSecond: {
      type: "number",
      minimum: 0.1,
      description:
        "Read budget in read capacity units per second across all segments (token bucket fed by ConsumedCapacity).",
    },
    maxItemsPerSecond: {
      type: "number",
      minimum: 0.1,
      description: "Read budget in items per second across all segments.",
    },
  },
  fromUri(rest) {
    if (rest === "") throw new PluginError("give a table name: dynamodb:<table>", "dynamodb:");
    return { table: rest };
  },
  validate(config) {
    const problems: string[] = [];
    if ((config.since !== undefined || config.until !== undefined) && config.timeAttribute === undefined) {
      problems.push("since/until: set timeAttribute, the attribute they compare with");
    }
    if (config.maxReadUnitsPerSecond !== undefined && config.maxItemsPerSecond !== undefined) {
      problems.push("maxReadUnitsPerSecond/maxItemsPerSecond: give one read budget, not both");
    }
    if (config.query !== undefined && Object.keys(config.query as object).length !== 1) {
      problems.push("query: give exactly one attribute, the partition key: { <attribute>: <value> }");
    }
    for (const key of ["since", "until"] as const) {
      const value = config[key];
      if (value !== undefined && config.timeFormat !== "iso" && config.timeFormat !== undefined) {
        if (!/^\d+(\.\d+)?$/.test(String(value)) && Number.isNaN(Date.parse(String(value)))) {
          problems.push(`${key}: ${JSON.stringify(value)} is neither a date nor an epoch number`);
        }
      }
    }
    return problems;
  },
  examples: [
    ["Scan a table in 8 parallel segments", "dynamodb:orders-events"],
    [
      "Scan, sorted by time then id, one month",
      "source: { uri: dynamodb:orders-events, sortBy: [time, id], timeAttribute: time, since: '2024-05-01', until: '2024-06-01' }",
    ],
    [
      "Query one partition in sort-key order",
      "source: { uri: dynamodb:orders-events, query: { pk: ORDER#42 } }",
    ],
  ],
};
