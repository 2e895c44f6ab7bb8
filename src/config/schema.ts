/**
 * The JSON Schema of a pipeline file. It is the single description of the top-level keys:
 * the loader rejects keys it does not list, and `scripts/gen-schema.ts` publishes it as
 * `docs/pipeline.schema.json` (a test keeps the two equal). Plugin options inside `source`
 * and `targets` entries are validated by each plugin's own config spec at load time.
 */
const endpoint = (what: string) => ({
  description: `A ${what}: a URI string (\`sqlite:out.db#users\`, \`file:events/*.ndjson\`, \`-\`) or an object with \`uri\` (or \`plugin\`) plus that plugin's options.`,
  oneOf: [
    { type: "string" },
    {
      type: "object",
      properties: {
        uri: { type: "string", description: "The plugin URI, e.g. `sqlite:out.db#users`." },
        plugin: { type: "string", description: "The plugin name, when no URI is given." },
        name: { type: "string", description: "A name for this endpoint in the report." },
      },
      additionalProperties: true,
    },
  ],
});

export const pipelineSchema = {
  $schema: "https://json-schema.org/draft/2020-12/schema",
  $id: "https://github.com/rehydrate-cli/rehydrate/blob/main/docs/pipeline.schema.json",
  title: "rehydrate pipeline",
  description: "A rehydrate run: where events come from, which ones to keep, and where they go.",
  type: "object",
  additionalProperties: false,
  properties: {
    $schema: { type: "string", description: "Path or URL of this schema, for editors." },
    source: endpoint("source"),
    targets: {
      type: "array",
      minItems: 1,
      items: endpoint("target"),
      description: "Where matched events go.",
    },
    pattern: {
      description:
        "EventBridge event pattern(s): an object, a JSON string, `@file`, or a list of those (ORed).",
      oneOf: [
        { type: "object" },
        { type: "string" },
        { type: "array", items: { oneOf: [{ type: "object" }, { type: "string" }] } },
      ],
    },
    rule: {
      type: "string",
      description:
        "A deployed EventBridge rule (name or ARN) whose pattern is ORed with `pattern` (DescribeRule).",
    },
    bus: { type: "string", description: "The event bus of `rule` (name or ARN)." },
    template: {
      type: "string",
      description: "`<file>#<LogicalId>` of a CloudFormation/SAM rule whose pattern is ORed with `pattern`.",
    },
    rules: {
      type: "object",
      additionalProperties: false,
      description:
        "Routes from a deployed bus's rules (`bus`) or a CloudFormation/SAM template's rules (`template`): each rule's Lambda targets receive its events, transformed as EventBridge would. See docs/routes.md.",
      properties: {
        bus: { type: "string", description: "Event bus name or ARN (ListRules, ListTargetsByRule)." },
        template: { type: "string", description: "A CloudFormation/SAM template file." },
        functions: {
          type: "object",
          additionalProperties: { type: "string" },
          description: "For a template: function logical id → function name or ARN.",
        },
        stack: {
          type: "string",
          description: "For a template: a deployed stack to resolve functions with (DescribeStackResources).",
        },
        map: {
          type: "object",
          additionalProperties: { oneOf: [{ type: "string" }, { type: "object" }, { type: "null" }] },
          description:
            "Rule target (ARN, Id, rule/Id, or a template's logical id) → target URI or spec to send its events to instead; null leaves it out.",
        },
      },
    },
    envelope: {
      description:
        "How records that are not EventBridge events become one: `preset: putEvents` or JSON paths per field (`id`, `time`, `source`, `detail-type`, `detail`, `account`, `region`, `resources`, `version`); `{const: value}` for a constant.",
      type: "object",
    },
    orderKey: {
      type: "string",
      description: "JSON path of the ordering key (`detail.orderId`): per-key order, parallel lanes.",
    },
    order: {
      type: "string",
      description:
        "`key` (the default): a storage target is ordered per row key in parallel lanes (the final state is that of applying events one by one), others keep read order; `global`: read order everywhere, one write in flight; or a JSON path: per-key order by that path (same as `orderKey`).",
    },
    since: {
      type: "string",
      description: "Only events whose `time` is at or after this instant (ISO 8601) match.",
    },
    until: {
      type: "string",
      description: "Only events whose `time` is before this instant (ISO 8601) match.",
    },
    concurrency: {
      type: "integer",
      minimum: 1,
      description:
        "Most parallel lanes per keyed target (default: as many writes as the target allows in flight).",
    },
    limit: { type: "integer", minimum: 0, description: "Stop after this many matched events." },
    dryRun: {
      type: "boolean",
      description: "Read and filter for real; targets only check and plan.",
      default: false,
    },
    skipInvalid: {
      type: "boolean",
      description: "Record malformed records and go on instead of stopping.",
      default: false,
    },
    report: { type: "string", description: "Write the JSON run report to this file." },
    failed: { type: "string", description: "Write failed events (NDJSON, a valid source) to this file." },
    pluginDir: { type: "string", description: "A folder of runtime plugins (`*.ts`, `*.js`)." },
    progress: {
      type: "boolean",
      description: "Force the progress line on or off (default: on when stderr is a TTY).",
    },
    retry: {
      type: "object",
      additionalProperties: false,
      description:
        "Retries of retryable item failures (throttles, 5xx): exponential backoff with full jitter.",
      properties: {
        maxAttempts: {
          type: "integer",
          minimum: 1,
          default: 8,
          description: "Most attempts per event, the first included.",
        },
        baseDelayMs: {
          type: "integer",
          minimum: 0,
          default: 200,
          description: "First backoff delay; doubles each attempt.",
        },
        maxDelayMs: { type: "integer", minimum: 0, default: 20000, description: "Largest backoff delay." },
      },
    },
    aws: {
      type: "object",
      additionalProperties: false,
      properties: { region: { type: "string" }, profile: { type: "string" } },
      description: "AWS region and profile for AWS plugins (the SDK's standard chain otherwise).",
    },
    checkpoint: {
      description:
        "Keep a resume checkpoint (docs/resume.md): a file path or `dynamodb://<table>/<id>`, or `{location, intervalSeconds}`. `{shard}` in it becomes the shard's `i-of-N`.",
      oneOf: [
        { type: "string" },
        {
          type: "object",
          additionalProperties: false,
          required: ["location"],
          properties: {
            location: { type: "string", description: "A file path or `dynamodb://<table>/<id>`." },
            intervalSeconds: {
              type: "number",
              exclusiveMinimum: 0,
              default: 5,
              description: "Seconds between two saves.",
            },
          },
        },
      ],
    },
    resume: {
      description:
        "`true`: continue from the checkpoint (an error if there is none); `auto`: continue when there is one, else start.",
      oneOf: [{ type: "boolean" }, { const: "auto" }],
    },
    shard: {
      type: "string",
      description:
        "Run one part of a split run (docs/shards.md): `i/N` (1-based), or `auto` (JOB_COMPLETION_INDEX, AWS_BATCH_JOB_ARRAY_INDEX or REHYDRATE_SHARD_INDEX, 0-based).",
    },
    shardCount: { type: "integer", minimum: 1, description: "The number of shards, with `shard: auto`." },
    shardMode: {
      enum: ["split", "key-aligned", "key-hash"],
      description:
        "How a split run divides its events: the source's own split, or `key-hash` (every shard reads everything and keeps its keys' events).",
    },
  },
} as const;

/** The top-level keys a pipeline file may have. */
export const PIPELINE_KEYS: readonly string[] = Object.keys(pipelineSchema.properties);
