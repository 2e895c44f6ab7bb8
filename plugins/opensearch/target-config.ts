import type { ConfigSpec } from "../../src/sdk/index.ts";
import { type ConnectionConfig, parseOpenSearchUri, withConnectionFields } from "./connection.ts";

/** The `opensearch` target's configuration (see docs/targets/opensearch.md). */
export interface OpenSearchTargetConfig extends ConnectionConfig {
  index: string;
  id: string;
  routing?: string;
  document: "event" | "detail";
  fields?: Record<string, string>;
  version?: string;
  deleteWhen?: unknown;
  tombstoneField: string;
  createIndex: boolean;
  mappings?: Record<string, unknown>;
  settings?: Record<string, unknown>;
  bulkLoad: boolean;
  refresh: boolean;
  alias?: string;
  maxItems: number;
  maxBytes: number;
  maxInFlight: number;
}

/** The target's config spec (also its documentation in `plugins describe opensearch`). */
export const openSearchTargetSpec: ConfigSpec = withConnectionFields({
  fields: {
    index: { type: "string", required: true, description: "The index to write.", example: "orders" },
    id: {
      type: "string",
      default: "$.id",
      description: "JSON path of the document id in the event. Events with the same id update one document.",
      example: "$.detail.orderId",
    },
    routing: { type: "string", description: "JSON path of a routing value (custom shard routing)." },
    document: {
      type: "string",
      enum: ["event", "detail"],
      default: "event",
      description:
        "What to store: the whole event (its original text when the source had it) or its `detail` (an object).",
    },
    fields: {
      type: "object",
      values: { type: "string", description: "A JSON path of the event." },
      description:
        "Instead of `document`: the document's fields from JSON paths of the event (missing values left out).",
      example: { status: "$.detail.status", updatedAt: "$.time" },
    },
    version: {
      type: "string",
      description:
        "Version guard: JSON path of a version (an integer, digits in a string, or an ISO time). Writes use " +
        "version_type=external_gte, so an event older than the stored document is skipped (not failed). Integers beyond " +
        "2^53 are written from the event's original text.",
      example: "$.detail.version",
    },
    deleteWhen: {
      type: "json",
      description:
        "An EventBridge event pattern: matching events delete the document. With `version`, a tombstone document is " +
        "written instead, so an older write replayed later cannot bring the document back.",
      example: { "detail-type": ["OrderDeleted"] },
    },
    tombstoneField: {
      type: "string",
      default: "deleted",
      description: "The field set to true in tombstone documents (deletes under a version guard).",
    },
    createIndex: {
      type: "boolean",
      default: true,
      description:
        "Create the index (with `mappings` and `settings`) before the first write when it does not exist. Dry runs never create it.",
    },
    mappings: {
      type: "json",
      description: "The `mappings` of an index this target creates.",
      example: { properties: { status: { type: "keyword" } } },
    },
    settings: {
      type: "json",
      description: "The `settings` of an index this target creates.",
      example: { number_of_shards: 2 },
    },
    bulkLoad: {
      type: "boolean",
      default: false,
      description:
        "For the load, set refresh_interval -1 and number_of_replicas 0; the recorded values are restored at the end, " +
        "also after errors and Ctrl-C.",
    },
    refresh: {
      type: "boolean",
      default: true,
      description:
        "Refresh the index at each durability barrier and at the end, so what was written is searchable.",
    },
    alias: {
      type: "string",
      description:
        "Blue/green rebuilds: after a run without failures, move this alias atomically to `index` (from every index " +
        "that had it).",
      example: "orders",
    },
    maxItems: {
      type: "integer",
      minimum: 1,
      default: 1000,
      description: "Most documents per _bulk request.",
    },
    maxBytes: {
      type: "integer",
      minimum: 1024,
      default: 5 * 1024 * 1024,
      description:
        "Most bytes per _bulk request (a few MiB is the usual sweet spot; some clusters cap at 10 MiB).",
    },
    maxInFlight: {
      type: "integer",
      minimum: 1,
      default: 4,
      description: "Most _bulk requests in flight (lanes per document id; one per lane).",
    },
  },
  fromUri(rest) {
    const { url, index } = parseOpenSearchUri(rest, "index");
    return url ? { url, index } : { index };
  },
  validate(config) {
    const problems: string[] = [];
    if (config.fields !== undefined && config.document === "detail") {
      problems.push("fields: give either `fields` or `document: detail`, not both");
    }
    if (
      typeof config.index === "string" &&
      (config.index !== config.index.toLowerCase() || /[*,\s]/.test(config.index))
    ) {
      problems.push(
        `index: "${config.index}" is not a valid index name to write (lowercase, no *, comma or space)`,
      );
    }
    if (config.alias !== undefined && config.alias === config.index) {
      problems.push(
        "alias: the alias must differ from the index it points to (write orders-v2, alias orders)",
      );
    }
    return problems;
  },
  examples: [
    ["Index each event by its id", "--to opensearch:events"],
    ["A cluster named in the URI", "--to opensearch:https://search.example.com:9200/events"],
    [
      "Documents from the detail, version guard, deletes as tombstones",
      "targets: [{ uri: opensearch:orders, id: $.detail.orderId, document: detail, version: $.detail.version, deleteWhen: { detail-type: [OrderDeleted] } }]",
    ],
    [
      "Blue/green rebuild with bulk-load settings",
      "targets: [{ uri: opensearch:orders-v2, alias: orders, bulkLoad: true, id: $.detail.orderId }]",
    ],
  ],
});
