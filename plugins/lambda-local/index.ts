/**
 * `--to lambda-local:<handler file>[#<export>]`: call a Lambda handler module in-process with
 * each event and a Lambda-like context, for offline development and tests without AWS.
 *
 * @module
 */
import { basename, extname } from "node:path";
import { defineTarget, PluginError } from "../../src/sdk/index.ts";
import {
  INPUT_CONFIG_FIELDS,
  inputConfigProblems,
  type LambdaInputConfig,
  pickInputOptions,
} from "../lambda/input-options.ts";

/** Validated configuration of the `lambda-local` target. */
export interface LocalLambdaConfig extends LambdaInputConfig {
  handler: string;
  export: string;
  functionName?: string;
  timeoutSeconds: number;
  memoryMb: number;
  retryFunctionErrors: boolean;
  maxInFlight: number;
}

export default defineTarget<LocalLambdaConfig>({
  kind: "target",
  name: "lambda-local",
  api: 2,
  summary: "Call a local Lambda handler module (TS or JS) with each event, without AWS",
  config: {
    fields: {
      handler: {
        type: "string",
        required: true,
        description: "Path of the handler module (TypeScript or JavaScript), relative to the pipeline file.",
        example: "src/handlers/project-order.ts",
      },
      export: {
        type: "string",
        default: "handler",
        description: "The exported handler function's name.",
      },
      functionName: {
        type: "string",
        description: "The function name in the context (default: the file name without extension).",
      },
      timeoutSeconds: {
        type: "number",
        default: 3,
        minimum: 0.001,
        description:
          "Lambda's timeout: an invocation running longer fails with Sandbox.Timedout (default 3, Lambda's default).",
      },
      memoryMb: {
        type: "integer",
        default: 128,
        minimum: 128,
        description: "Reported as context.memoryLimitInMB; not enforced.",
      },
      retryFunctionErrors: {
        type: "boolean",
        default: false,
        description: "Retry events whose handler threw or timed out.",
      },
      maxInFlight: {
        type: "integer",
        default: 16,
        minimum: 1,
        description: "Most handler calls in flight at once; never more than one per --order-key value.",
      },
      ...INPUT_CONFIG_FIELDS,
    },
    fromUri(rest) {
      const hash = rest.lastIndexOf("#");
      const file = hash >= 0 ? rest.slice(0, hash) : rest;
      if (file === "") throw new PluginError("expected lambda-local:<handler file>[#<export>]", "--to");
      return hash >= 0 && hash < rest.length - 1
        ? { handler: file, export: rest.slice(hash + 1) }
        : { handler: file };
    },
    validate(config) {
      const problems = /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(String(config.export ?? "handler"))
        ? []
        : [`export: ${JSON.stringify(config.export)} is not a JavaScript export name`];
      return [...problems, ...inputConfigProblems(config)];
    },
    examples: [
      ["Call the `handler` export of a TS module", "lambda-local:src/project-order.ts"],
      ["Call another export", "lambda-local:dist/index.js#onOrderEvent"],
    ],
  },
  async create(config, host) {
    const { createLocalLambdaTarget } = await import("./target.ts");
    const path = host.resolvePath(config.handler);
    return createLocalLambdaTarget(
      {
        path,
        exportName: config.export,
        functionName: config.functionName ?? basename(path, extname(path)),
        region: host.aws.region ?? process.env.AWS_REGION ?? "us-east-1",
        memoryMb: config.memoryMb,
        timeoutMs: Math.round(config.timeoutSeconds * 1000),
        retryFunctionErrors: config.retryFunctionErrors,
        maxInFlight: config.maxInFlight,
        input: pickInputOptions(config),
      },
      host,
    );
  },
});
