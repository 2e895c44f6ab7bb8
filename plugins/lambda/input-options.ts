/**
 * The target input options `lambda` and `lambda-local` share: what EventBridge would send a rule
 * target instead of the event (`Input`, `InputPath`, `InputTransformer`), and the rule's name and
 * ARN for the reserved template variables. The semantics live in `src/routes/input-transformer.ts`.
 *
 * @module
 */
import { targetInputProblems } from "../../src/routes/input-transformer.ts";
import type { ConfigField } from "../../src/sdk/index.ts";

/** The input options as validated config. */
export interface LambdaInputConfig {
  input?: unknown;
  inputPath?: string;
  inputTransformer?: { inputPathsMap?: Record<string, string>; inputTemplate: string };
  ruleArn?: string;
  ruleName?: string;
}

/** Config fields for a target's input, declared with nested specs for `plugins describe`. */
export const INPUT_CONFIG_FIELDS: Record<string, ConfigField> = {
  input: {
    type: "json",
    description:
      "Send this constant instead of the event (EventBridge's `Input`): JSON text, or a JSON value written inline.",
    example: '{"action": "rebuild"}',
  },
  inputPath: {
    type: "string",
    description:
      "Send only the part of the event this JSON path selects (EventBridge's `InputPath`; dot notation, [n], *).",
    example: "$.detail",
  },
  inputTransformer: {
    type: "object",
    description:
      "Send a template filled from the event (EventBridge's `InputTransformer`), with AWS's quoting rules.",
    fields: {
      inputPathsMap: {
        type: "object",
        description: "Variable name → JSON path into the event (at most 100).",
        values: { type: "string", description: "A JSON path such as $.detail.orderId." },
        example: { order: "$.detail.orderId" },
      },
      inputTemplate: {
        type: "string",
        required: true,
        description:
          "The template: JSON, or a JSON string, using <variable> and the reserved <aws.events.*> variables.",
        example: '{"order": <order>, "rule": <aws.events.rule-name>}',
      },
    },
  },
  ruleArn: {
    type: "string",
    description: "The rule's ARN, for <aws.events.rule-arn> in inputTransformer.",
    example: "arn:aws:events:eu-west-1:123456789012:rule/orders/project-orders",
  },
  ruleName: {
    type: "string",
    description: "The rule's name, for <aws.events.rule-name> in inputTransformer.",
    example: "project-orders",
  },
};

/** The input problems of a validated config, each naming its field. */
export function inputConfigProblems(config: Record<string, unknown>): string[] {
  return targetInputProblems(config as LambdaInputConfig);
}

/** The input options of a config, or `undefined` when the target sends the event itself. */
export function pickInputOptions(config: LambdaInputConfig): LambdaInputConfig | undefined {
  if (config.input === undefined && config.inputPath === undefined && config.inputTransformer === undefined) {
    return undefined;
  }
  const { input, inputPath, inputTransformer, ruleArn, ruleName } = config;
  return { input, inputPath, inputTransformer, ruleArn, ruleName };
}
