import { type ConfigSpec, PluginError } from "../../src/sdk/index.ts";

/** The `dynamodb` target's configuration (see docs/targets/dynamodb.md). */
export interface DynamoDbTargetConfig {
  table: string;
  endpoint?: string;
  key: Record<string, string>;
  attributes?: Record<string, string>;
  deleteWhen?: unknown;
  ifNewer?: string;
  maxInFlight: number;
}

/** The target's config spec (also its documentation in `plugins describe dynamodb`). */
export const dynamodbTargetSpec: ConfigSpec = {
  fields: {
    table: { type: "string", required: true, description: "The table to write.", example: "users" },
    endpoint: {
      type: "string",
      description:
        "Endpoint URL override (e.g. DynamoDB Local). Without it the SDK's chain applies, including AWS_ENDPOINT_URL_DYNAMODB.",
    },
    key: {
      type: "object",
      required: true,
      description:
        "The table's key attributes, each from a JSON path of the event: `{ <attribute>: <path> }`. Must name exactly the " +
        "table's partition key and sort key (checked).",
      example: { pk: "$.detail.userId" },
      values: { type: "string", description: "A JSON path into the event, such as $.detail.userId." },
    },
    attributes: {
      type: "object",
      description:
        "The item's attributes from JSON paths of the event: `{ <attribute>: <path> }` (a missing value leaves the " +
        "attribute out). Without it the item is the event's `detail` (which must be an object). Key attributes are added.",
      example: { name: "$.detail.name", updatedAt: "$.time" },
      values: { type: "string", description: "A JSON path into the event, such as $.detail.name." },
    },
    deleteWhen: {
      type: "json",
      description:
        "An EventBridge event pattern: events matching it delete the item with their key instead of putting one.",
      example: { "detail-type": ["UserDeleted"] },
    },
    ifNewer: {
      type: "string",
      description:
        "Version guard: the item attribute holding a version (number or ISO time); a write happens only when the stored " +
        "item is absent or has a lower version. Writes item by item (conditional PutItem/DeleteItem) instead of in batches.",
      example: "version",
    },
    maxInFlight: {
      type: "integer",
      minimum: 1,
      default: 8,
      description: "Most BatchWriteItem requests in flight (with --order-key lanes; one lane otherwise).",
    },
  },
  fromUri(rest) {
    if (rest === "") throw new PluginError("give a table name: dynamodb:<table>", "dynamodb:");
    return { table: rest };
  },
  validate(config) {
    const problems: string[] = [];
    for (const field of ["key", "attributes"] as const) {
      const value = config[field] as Record<string, unknown> | undefined;
      if (value === undefined) continue;
      for (const [attribute, path] of Object.entries(value)) {
        if (typeof path !== "string") problems.push(`${field}.${attribute}: give a JSON path string`);
      }
    }
    const key = config.key as Record<string, unknown> | undefined;
    if (key && (Object.keys(key).length < 1 || Object.keys(key).length > 2)) {
      problems.push("key: name the partition key, and the sort key if the table has one");
    }
    if (typeof config.ifNewer === "string" && key && config.ifNewer in key) {
      problems.push(
        `ifNewer: "${config.ifNewer}" is a key attribute; name the attribute that holds the version`,
      );
    }
    return problems;
  },
  examples: [
    [
      "Upsert each event's detail keyed by userId",
      "targets: [{ uri: dynamodb:users, key: { pk: $.detail.userId } }]",
    ],
    [
      "Mapped attributes, deletes and a version guard",
      "targets: [{ uri: dynamodb:users, key: { pk: $.detail.userId }, attributes: { name: $.detail.name, version: $.detail.version }, deleteWhen: { detail-type: [UserDeleted] }, ifNewer: version }]",
    ],
  ],
};
