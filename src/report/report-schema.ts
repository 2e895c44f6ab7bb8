/**
 * The JSON Schema of the run report, written in TypeScript against the report's types: a
 * field added to `run-report.ts` without its schema here does not compile (every key of each
 * interface must have an entry). `docs/report.schema.json` is this object, printed; a test
 * keeps the two equal and validates real reports against it.
 *
 * Regenerate the file with `bun src/report/report-schema.ts > docs/report.schema.json`.
 *
 * @module
 */
import type {
  CheckpointReport,
  FailureSample,
  LatencyPercentiles,
  MergedShardsReport,
  PlanSample,
  ResolvedEndpointReport,
  RoutesReport,
  RunReport,
  ShardMode,
  ShardReport,
  TargetReport,
} from "./run-report.ts";

/** The JSON Schema subset the report uses. */
export type JsonSchema = Record<string, unknown>;

/** An object schema that must name every key of `T`, and says which keys are required. */
type ObjectSchemaOf<T> = {
  properties: { [K in keyof T]-?: JsonSchema };
  required: Array<keyof T & string>;
  description?: string;
};

function object<T>(spec: ObjectSchemaOf<T>): JsonSchema {
  return {
    type: "object",
    ...(spec.description && { description: spec.description }),
    additionalProperties: false,
    required: spec.required,
    properties: spec.properties,
  };
}

const text = (description?: string): JsonSchema => ({ type: "string", ...(description && { description }) });
const count = (description?: string): JsonSchema => ({
  type: "integer",
  minimum: 0,
  ...(description && { description }),
});
const countsByName = (description: string): JsonSchema => ({
  type: "object",
  description,
  additionalProperties: { type: "integer", minimum: 0 },
});
const any = (description: string): JsonSchema => ({ description });

const failureSample = object<FailureSample>({
  required: ["position", "code", "message"],
  properties: {
    position: text("Where the record came from: file:line, a table key, an offset"),
    id: text("The event's id"),
    code: text("Failure code (ThrottlingException, InvalidRecord, ...)"),
    message: text(),
    attempts: count("Attempts made, the first included"),
  },
});

const planSample = object<PlanSample>({
  required: ["position", "action", "destination"],
  properties: {
    position: text(),
    action: text("upsert, delete, put, invoke, ..."),
    destination: text(),
    preview: any("What would be written"),
  },
});

const latency = object<LatencyPercentiles>({
  required: ["p50", "p90", "p99", "max", "count"],
  properties: {
    p50: { type: "number", minimum: 0 },
    p90: { type: "number", minimum: 0 },
    p99: { type: "number", minimum: 0 },
    max: { type: "number", minimum: 0 },
    count: count("Write calls measured"),
  },
});

const targetReport = object<TargetReport>({
  required: [
    "name",
    "plugin",
    "selected",
    "sent",
    "skipped",
    "failed",
    "retried",
    "throttled",
    "planned",
    "plannedActions",
    "cancelled",
    "batches",
    "order",
    "lanes",
    "orderKeyMissing",
    "failures",
    "plan",
  ],
  properties: {
    name: text(),
    plugin: text(),
    selected: count("Events this target's route selected"),
    sent: count("Events delivered"),
    skipped: count("Events the store refused as older than what it holds (version guard)"),
    failed: count("Events that finally failed (after retries)"),
    retried: count("Item retries made"),
    throttled: count("Retries whose failure was a throttle"),
    planned: count("Events a dry run planned"),
    plannedActions: countsByName("Planned actions by verb"),
    cancelled: count("Events not sent because the run stopped first"),
    batches: count("write calls made"),
    order: text("global, row key, or the order key's path"),
    lanes: { type: "integer", minimum: 1 },
    orderKeyMissing: count("Events with no value for the order key"),
    check: object<NonNullable<TargetReport["check"]>>({
      required: ["ok", "details"],
      properties: { ok: { type: "boolean" }, details: { type: "array", items: { type: "string" } } },
    }),
    failures: { type: "array", items: failureSample, description: "Bounded samples (at most 20)" },
    plan: { type: "array", items: planSample, description: "Bounded samples (at most 20)" },
    failuresByCode: countsByName("Final failures counted by code, all of them"),
    actions: countsByName("Actions of a real run by verb"),
    latencyMs: latency,
  },
});

const endpoint = object<ResolvedEndpointReport>({
  required: ["name", "plugin", "options"],
  properties: {
    name: text(),
    plugin: text(),
    options: { type: "object", description: "Validated options, secrets replaced by ***" },
  },
});

const source = object<RunReport["source"]>({
  required: ["name", "plugin", "read", "invalid", "invalidSamples"],
  properties: {
    name: text(),
    plugin: text(),
    read: count(),
    invalid: count(),
    invalidSamples: { type: "array", items: failureSample },
    lastAcknowledged: any("The cursor of the last acknowledged batch: where a resume would start"),
  },
});

/** Every status, as an object so a status added to `RunReport` without one here does not compile. */
const STATUSES: Record<RunReport["status"], true> = {
  completed: true,
  failed: true,
  stopped: true,
  interrupted: true,
  "output-closed": true,
  "preflight-failed": true,
};

const SHARD_MODES = ["split", "key-aligned", "key-hash"] satisfies ShardMode[];

const checkpoint = object<CheckpointReport>({
  description: "The run's checkpoint (--checkpoint): saves, and where a resumed run started",
  required: ["location", "saves", "savingMs", "done"],
  properties: {
    location: text(),
    saves: count(),
    savingMs: { type: "number", minimum: 0 },
    resumed: object<NonNullable<CheckpointReport["resumed"]>>({
      required: ["from", "savedAt", "firstStartedAt", "previousAttempts", "mayRepeat"],
      properties: {
        from: text("Where the read continued (the source's cursor, in words)"),
        savedAt: text(),
        firstStartedAt: text(),
        previousAttempts: count(),
        mayRepeat: count("Events read beyond the checkpoint by the interrupted run: may be delivered twice"),
      },
    }),
    done: { type: "boolean" },
  },
});

/** The run report's JSON Schema (draft 2020-12). */
export const reportSchema: JsonSchema = {
  $schema: "https://json-schema.org/draft/2020-12/schema",
  $id: "https://raw.githubusercontent.com/rehydrate-cli/rehydrate/main/docs/report.schema.json",
  title: "rehydrate run report",
  ...object<RunReport>({
    description: "Written by `rehydrate run --report`; every list is a bounded sample.",
    required: [
      "version",
      "tool",
      "dryRun",
      "startedAt",
      "finishedAt",
      "durationMs",
      "status",
      "exitCode",
      "source",
      "filter",
      "events",
      "throughput",
      "targets",
    ],
    properties: {
      version: { const: 1 },
      tool: object<RunReport["tool"]>({
        required: ["name", "version"],
        properties: { name: { const: "rehydrate" }, version: text() },
      }),
      dryRun: { type: "boolean" },
      startedAt: { type: "string", format: "date-time" },
      finishedAt: { type: "string", format: "date-time" },
      durationMs: { type: "number", minimum: 0 },
      status: { enum: Object.keys(STATUSES) },
      exitCode: { type: "integer" },
      error: text("The fatal error that stopped the run"),
      source,
      filter: object<RunReport["filter"]>({
        required: ["patterns", "matched", "unmatched", "prefiltered", "unrouted"],
        properties: {
          patterns: count(),
          matched: count(),
          unmatched: count(),
          prefiltered: count(),
          unrouted: count("Matched events no target's own pattern selected"),
        },
      }),
      events: object<RunReport["events"]>({
        required: [],
        properties: { firstId: text(), firstTime: text(), lastId: text(), lastTime: text() },
      }),
      throughput: object<RunReport["throughput"]>({
        required: ["readPerSecond", "matchedPerSecond"],
        properties: {
          readPerSecond: { type: "number", minimum: 0 },
          matchedPerSecond: { type: "number", minimum: 0 },
        },
      }),
      targets: { type: "array", items: targetReport },
      failedEventsFile: text(),
      config: object<NonNullable<RunReport["config"]>>({
        required: ["source", "targets"],
        properties: { source: endpoint, targets: { type: "array", items: endpoint } },
      }),
      checkpoint,
      shard: object<ShardReport>({
        description: "One shard of a split run (--shard i/N)",
        required: ["index", "count", "mode"],
        properties: { index: count("1-based"), count: count(), mode: { enum: SHARD_MODES } },
      }),
      routes: object<RoutesReport>({
        description: "What --rules left out: rule targets not replayed, rules skipped",
        required: ["from", "notReplayed", "skippedRules"],
        properties: {
          from: text("bus:<name> or the template's path"),
          notReplayed: {
            type: "array",
            items: {
              type: "object",
              additionalProperties: false,
              required: ["rule", "targetId", "arn", "reason"],
              properties: { rule: text(), targetId: text(), arn: text(), reason: text() },
            },
          },
          skippedRules: {
            type: "array",
            items: {
              type: "object",
              additionalProperties: false,
              required: ["rule", "reason"],
              properties: { rule: text(), reason: text() },
            },
          },
        },
      }),
      shards: object<MergedShardsReport>({
        description: "A report merged from shard reports (rehydrate report merge)",
        required: ["count", "mode", "merged", "missing", "duplicates"],
        properties: {
          count: count(),
          mode: { enum: SHARD_MODES },
          merged: { type: "array", items: count(), description: "1-based shards merged" },
          missing: { type: "array", items: count(), description: "1-based shards with no report" },
          duplicates: { type: "array", items: count(), description: "Shards given twice (latest kept)" },
        },
      }),
    },
  }),
};

if (import.meta.main) process.stdout.write(`${JSON.stringify(reportSchema, null, 2)}\n`);
