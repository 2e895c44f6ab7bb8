/**
 * `--to eventbridge:<bus name or ARN>`: replay events onto an EventBridge bus with PutEvents,
 * so every rule on the bus sees them again.
 *
 * @module
 */
import { defineTarget, PluginError } from "../../src/sdk/index.ts";
import { parseArn } from "../aws/arn.ts";

/** Validated configuration of the `eventbridge` target. */
export interface EventBridgeConfig {
  bus: string;
  markReplay?: string;
  markReplayIn: "detail" | "resources";
  sourcePrefix?: string;
  maxRequestBytes: number;
  maxInFlight: number;
}

/** The default request size cap: the historical 256 KB limit, safe on every account. */
export const DEFAULT_MAX_REQUEST_BYTES = 256 * 1024;

export default defineTarget<EventBridgeConfig>({
  kind: "target",
  name: "eventbridge",
  api: 2,
  summary: "Replay events onto an Amazon EventBridge bus (PutEvents, 10 per request)",
  config: {
    fields: {
      bus: {
        type: "string",
        required: true,
        description: "The event bus name or ARN (`default` for the account's default bus).",
        example: "orders-bus",
      },
      markReplay: {
        type: "string",
        description:
          'A replay name to mark replayed events with, so live rules can tell them apart: added to `detail` as `"rehydrate-replay": "<name>"` (or to `resources`, see markReplayIn).',
        example: "rebuild-2024-06",
      },
      markReplayIn: {
        type: "string",
        enum: ["detail", "resources"],
        default: "detail",
        description:
          'Where markReplay goes: `detail` (rules exclude replays with `{"detail":{"rehydrate-replay":[{"exists":false}]}}`) or `resources` (adds `rehydrate:replay/<name>`, leaving detail untouched).',
      },
      sourcePrefix: {
        type: "string",
        description:
          "Prepended to every event's `source` (`replay.` turns `orders` into `replay.orders`); also the way to replay `aws.*` events, which PutEvents refuses.",
        example: "replay.",
      },
      maxRequestBytes: {
        type: "integer",
        default: DEFAULT_MAX_REQUEST_BYTES,
        minimum: 1024,
        description:
          "Largest PutEvents request (and largest single entry), counted as EventBridge does. An event bigger on its own fails with EntryTooLarge.",
      },
      maxInFlight: {
        type: "integer",
        default: 4,
        minimum: 1,
        description: "Most PutEvents requests in flight at once (across --order-key lanes).",
      },
    },
    fromUri(rest) {
      if (rest.trim() === "") {
        throw new PluginError("expected eventbridge:<bus name or ARN>, e.g. eventbridge:default", "--to");
      }
      return { bus: rest };
    },
    validate(config) {
      const problems: string[] = [];
      const bus = String(config.bus ?? "");
      const arn = parseArn(bus);
      if (arn && (arn.service !== "events" || !arn.resource.startsWith("event-bus/"))) {
        problems.push(
          `bus: ${bus} is not an event bus ARN (arn:aws:events:<region>:<account>:event-bus/<name>)`,
        );
      } else if (!arn && !/^[A-Za-z0-9._\-/]{1,256}$/.test(bus)) {
        problems.push(`bus: ${JSON.stringify(bus)} is not a valid event bus name (letters, digits, . _ - /)`);
      }
      if (config.markReplay !== undefined && String(config.markReplay) === "") {
        problems.push("markReplay: must not be empty");
      }
      return problems;
    },
    examples: [
      ["Replay onto the default bus", "eventbridge:default"],
      ["Replay onto a bus by ARN", "eventbridge:arn:aws:events:eu-west-1:123456789012:event-bus/orders"],
      [
        "Mark replays and prefix their source (pipeline file)",
        'targets: [{uri: "eventbridge:orders", markReplay: rebuild-1, sourcePrefix: "replay."}]',
      ],
    ],
  },
  async create(config, host) {
    // The SDK loads here, not at import: `plugins list` and `--help` stay fast.
    const [{ EventBridgeClient }, { createEventBridgeTarget }] = await Promise.all([
      import("@aws-sdk/client-eventbridge"),
      import("./target.ts"),
    ]);
    const arn = parseArn(config.bus);
    return createEventBridgeTarget(
      {
        bus: config.bus,
        maxRequestBytes: config.maxRequestBytes,
        maxInFlight: config.maxInFlight,
        isolation: {
          markReplay: config.markReplay,
          markReplayIn: config.markReplayIn,
          sourcePrefix: config.sourcePrefix,
        },
      },
      host,
      () => {
        const clientConfig = host.helpers.awsClientConfig("eventbridge", { maxAttempts: 1 });
        // A bus ARN names its region; use it unless the user chose one explicitly.
        if (arn?.region && !host.aws.region) clientConfig.region = arn.region;
        else if (arn?.region && host.aws.region !== arn.region) {
          host.log.warn(
            `bus ARN is in ${arn.region} but the region is ${host.aws.region}; PutEvents may fail`,
          );
        }
        return new EventBridgeClient(clientConfig);
      },
    );
  },
});
