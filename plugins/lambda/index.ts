/**
 * `--to lambda:<function name or ARN>[:<qualifier>]`: invoke a Lambda function with each event,
 * exactly as EventBridge would deliver it to a rule target.
 *
 * @module
 */
import { defineTarget, PluginError } from "../../src/sdk/index.ts";
import { parseFunctionRef } from "./function-ref.ts";
import {
  INPUT_CONFIG_FIELDS,
  inputConfigProblems,
  type LambdaInputConfig,
  pickInputOptions,
} from "./input-options.ts";

/** Validated configuration of the `lambda` target. */
export interface LambdaConfig extends LambdaInputConfig {
  function: string;
  qualifier?: string;
  invocationType: "RequestResponse" | "Event";
  retryFunctionErrors: boolean;
  maxInFlight: number;
}

export default defineTarget<LambdaConfig>({
  kind: "target",
  name: "lambda",
  api: 2,
  summary: "Invoke an AWS Lambda function with each event, as EventBridge would deliver it",
  config: {
    fields: {
      function: {
        type: "string",
        required: true,
        description: "Function name, partial ARN or ARN (a `:<qualifier>` suffix is accepted).",
        example: "orders-projector",
      },
      qualifier: {
        type: "string",
        description: "Version or alias to invoke (`$LATEST` when absent).",
        example: "live",
      },
      invocationType: {
        type: "string",
        enum: ["RequestResponse", "Event"],
        default: "RequestResponse",
        description:
          "`RequestResponse` waits for the function, so per-key order is real and function errors are reported; `Event` queues the event with Lambda (faster, 1 MB limit, no order, errors are not seen).",
      },
      retryFunctionErrors: {
        type: "boolean",
        default: false,
        description: "Retry events whose invocation ended in a function error (the handler threw).",
      },
      maxInFlight: {
        type: "integer",
        default: 16,
        minimum: 1,
        description: "Most invocations in flight at once; never more than one per --order-key value.",
      },
      ...INPUT_CONFIG_FIELDS,
    },
    fromUri(rest) {
      if (rest.trim() === "") {
        throw new PluginError("expected lambda:<function name or ARN>[:<qualifier>]", "--to");
      }
      const ref = parseFunctionRef(rest, "--to lambda");
      return ref.qualifier === undefined
        ? { function: ref.functionName }
        : { function: ref.functionName, qualifier: ref.qualifier };
    },
    validate(config) {
      try {
        const ref = parseFunctionRef(String(config.function), "function");
        if (
          ref.qualifier !== undefined &&
          config.qualifier !== undefined &&
          ref.qualifier !== config.qualifier
        ) {
          return [`qualifier: ${config.qualifier} contradicts the qualifier ${ref.qualifier} in function`];
        }
        if (config.qualifier !== undefined) parseFunctionRef(`x:${config.qualifier}`, "qualifier");
        return inputConfigProblems(config);
      } catch (error) {
        return [error instanceof Error ? error.message : String(error)];
      }
    },
    examples: [
      ["Invoke a function by name", "lambda:orders-projector"],
      ["Invoke an alias", "lambda:orders-projector:live"],
      ["Invoke by ARN", "lambda:arn:aws:lambda:eu-west-1:123456789012:function:orders-projector"],
      [
        "Queue asynchronously and retry function errors (pipeline file)",
        'targets: [{uri: "lambda:orders-projector", invocationType: Event, retryFunctionErrors: true}]',
      ],
      [
        "Send what a rule's input transformer would send (pipeline file)",
        'targets: [{uri: "lambda:notify", inputTransformer: {inputPathsMap: {order: "$.detail.orderId"}, inputTemplate: \'{"order": <order>}\'}}]',
      ],
    ],
  },
  async create(config, host) {
    // The SDK loads here, not at import: `plugins list` and `--help` stay fast.
    const [{ LambdaClient }, { createLambdaTarget }] = await Promise.all([
      import("@aws-sdk/client-lambda"),
      import("./target.ts"),
    ]);
    const ref = parseFunctionRef(config.function, "function");
    if (config.qualifier !== undefined) ref.qualifier = config.qualifier;
    return createLambdaTarget(
      {
        fn: ref,
        invocationType: config.invocationType,
        retryFunctionErrors: config.retryFunctionErrors,
        maxInFlight: config.maxInFlight,
        input: pickInputOptions(config),
      },
      host,
      () => {
        // One attempt: the engine retries throttles with backoff and counts every retry.
        const clientConfig = host.helpers.awsClientConfig("lambda", { maxAttempts: 1 });
        if (ref.region && !host.aws.region) clientConfig.region = ref.region;
        else if (ref.region && host.aws.region !== ref.region) {
          host.log.warn(
            `function ARN is in ${ref.region} but the region is ${host.aws.region}; Invoke may fail`,
          );
        }
        return new LambdaClient(clientConfig);
      },
    );
  },
});
