import type { ConfigSpec } from "../../src/sdk/index.ts";
import { type ConnectionConfig, parseOpenSearchUri, withConnectionFields } from "./connection.ts";

/** The `opensearch` source's configuration (see docs/sources/opensearch.md). */
export interface OpenSearchSourceConfig extends ConnectionConfig {
  index: string;
  timeField: string;
  tiebreakField: string;
  query?: Record<string, unknown>;
  since?: string;
  until?: string;
  pageSize: number;
  keepAlive: string;
  slices: number;
  pushdown: boolean;
  pageAttempts: number;
}

/** The source's config spec (also its documentation in `plugins describe opensearch`). */
export const openSearchSourceSpec: ConfigSpec = withConnectionFields({
  fields: {
    index: {
      type: "string",
      required: true,
      description: "The index, alias or pattern to read (`events-*`, `a,b`).",
      example: "events-*",
    },
    timeField: {
      type: "string",
      default: "time",
      description: "The sort's first field, and the field --since/--until filter: a date or numeric field.",
    },
    tiebreakField: {
      type: "string",
      default: "id",
      description:
        "The sort's second field, unique per document, so the order is total: a keyword or numeric field with doc values. " +
        "A text field with a `.keyword` subfield is read through the subfield. Reading stops with an error when two " +
        "documents share (time, tiebreak).",
    },
    query: {
      type: "json",
      description: "An OpenSearch query (DSL) ANDed with the selection, e.g. `{ term: { tenant: acme } }`.",
      example: { term: { tenant: "acme" } },
    },
    since: {
      type: "string",
      description: "Only documents with timeField ≥ this (ISO 8601), besides --since.",
    },
    until: {
      type: "string",
      description: "Only documents with timeField < this (ISO 8601), besides --until.",
    },
    pageSize: {
      type: "integer",
      minimum: 1,
      default: 1000,
      description: "Documents per search page (per slice).",
    },
    keepAlive: {
      type: "string",
      default: "5m",
      description: "How long the Point in Time lives between two pages (renewed on every page).",
    },
    slices: {
      type: "integer",
      minimum: 1,
      default: 1,
      description:
        "Read in this many slices of one Point in Time, in parallel, merged back into one order (at most two pages per slice in " +
        "memory). With --shard, each shard reads one slice instead.",
    },
    pushdown: {
      type: "boolean",
      default: true,
      description:
        "Turn exact string values of the run's pattern (source, detail-type, ...) into server-side `terms` filters on " +
        "keyword fields. Only narrows; the pattern is still applied to every event.",
    },
    pageAttempts: {
      type: "integer",
      minimum: 1,
      default: 6,
      description:
        "Attempts for one page (transport errors, 429, 5xx, shard failures) before the read fails.",
    },
  },
  fromUri(rest) {
    const { url, index } = parseOpenSearchUri(rest, "index");
    return url ? { url, index } : { index };
  },
  validate(config) {
    const problems: string[] = [];
    for (const field of ["since", "until"] as const) {
      const value = config[field];
      if (typeof value === "string" && !Number.isFinite(Date.parse(value))) {
        problems.push(`${field}: "${value}" is not an ISO 8601 time`);
      }
    }
    if (config.timeField === config.tiebreakField) {
      problems.push("tiebreakField: must differ from timeField (a unique field makes the order total)");
    }
    return problems;
  },
  examples: [
    ["Read an index in (time, id) order", "--from opensearch:events"],
    ["A cluster in the URI, a pattern of indices", "--from opensearch:https://search.example.com/events-*"],
    [
      "Four slices merged, a query, custom sort fields",
      "source: { uri: opensearch:orders, slices: 4, query: { term: { tenant: acme } }, timeField: createdAt, tiebreakField: eventId }",
    ],
  ],
});
