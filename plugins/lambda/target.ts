/**
 * The running `lambda` target: one Invoke per event, function errors and throttles mapped to
 * item failures the engine can count and retry.
 *
 * @module
 */
import { InvokeCommand, type InvokeCommandOutput, type LambdaClient } from "@aws-sdk/client-lambda";
import type { TargetInputOptions } from "../../src/routes/input-transformer.ts";
import {
  type CheckResult,
  type Envelope,
  type Host,
  type ItemFailure,
  type PlannedAction,
  PluginError,
  type Target,
  type WriteResult,
} from "../../src/sdk/index.ts";
import { describeFunction, type FunctionRef } from "./function-ref.ts";
import { payloadBuilder, previewOf } from "./payload.ts";

/** Lambda's payload limits: 6 MB for synchronous invokes, 1 MB for asynchronous (`Event`). */
export const PAYLOAD_LIMITS = { RequestResponse: 6 * 1024 * 1024, Event: 1024 * 1024 } as const;

/** What the target needs besides a client. */
export interface LambdaTargetOptions {
  fn: FunctionRef;
  invocationType: "RequestResponse" | "Event";
  /** Whether a function error (the handler threw) is worth retrying. */
  retryFunctionErrors: boolean;
  maxInFlight: number;
  /** What to send instead of the event (EventBridge's Input, InputPath, InputTransformer). */
  input?: TargetInputOptions;
}

/** The slice of the SDK client the target uses. */
export type InvokeClient = Pick<LambdaClient, "send" | "destroy">;

/** Creates the target. `makeClient` runs on first use so `create` does no I/O. */
export function createLambdaTarget(
  options: LambdaTargetOptions,
  host: Host,
  makeClient: () => InvokeClient,
): Target {
  let client: InvokeClient | undefined;
  const getClient = () => {
    client ??= makeClient();
    return client;
  };
  const label = describeFunction(options.fn);
  const encoder = new TextEncoder();
  const limit = PAYLOAD_LIMITS[options.invocationType];
  const payloadOf = payloadBuilder(options.input ?? {}, `lambda function ${label}`);

  async function invokeOne(envelope: Envelope, index: number): Promise<ItemFailure | undefined> {
    const rendered = payloadOf(envelope);
    if (!rendered.ok) {
      // What EventBridge would send is not a valid Lambda payload: no retry can change that.
      return {
        index,
        retryable: false,
        code: rendered.code,
        message: `event ${JSON.stringify(envelope.event.id)} at ${envelope.position}: ${rendered.reason}`,
      };
    }
    const payload = encoder.encode(rendered.text);
    if (payload.byteLength > limit) {
      return {
        index,
        retryable: false,
        code: "RequestTooLargeException",
        message:
          `event ${JSON.stringify(envelope.event.id)} at ${envelope.position} is ${payload.byteLength} bytes, ` +
          `over Lambda's ${limit}-byte limit for ${options.invocationType} invocations`,
      };
    }
    let answer: InvokeCommandOutput;
    try {
      answer = await getClient().send(
        new InvokeCommand({
          FunctionName: options.fn.functionName,
          Qualifier: options.fn.qualifier,
          InvocationType: options.invocationType,
          Payload: payload,
        }),
      );
    } catch (error) {
      const info = host.helpers.classifyAwsError(error);
      if (info.kind === "fatal") {
        throw new PluginError(`Invoke failed: ${info.code}: ${info.message}`, `lambda function ${label}`);
      }
      const failure: ItemFailure = {
        index,
        retryable: info.kind === "retryable",
        throttled: info.throttled,
        code: info.code,
        message: `Invoke of ${label} failed: ${info.message}`,
      };
      if (info.retryAfterMs !== undefined) failure.retryAfterMs = info.retryAfterMs;
      return failure;
    }
    if (answer.FunctionError) {
      // HTTP 200 with X-Amz-Function-Error: the handler failed; the SDK does not throw.
      const { errorType, errorMessage } = functionErrorOf(answer.Payload);
      return {
        index,
        retryable: options.retryFunctionErrors,
        code: "FunctionError",
        message: `${label} returned a function error (${answer.FunctionError}): ${errorType}: ${errorMessage}`,
      };
    }
    return undefined;
  }

  return {
    policy: { maxItems: 1, maxInFlight: options.maxInFlight },

    async check(): Promise<CheckResult> {
      try {
        await getClient().send(
          new InvokeCommand({
            FunctionName: options.fn.functionName,
            Qualifier: options.fn.qualifier,
            InvocationType: "DryRun",
          }),
        );
        return {
          ok: true,
          details: [
            `function ${label} exists and may be invoked (DryRun)`,
            `invocation type ${options.invocationType}` +
              (options.invocationType === "Event"
                ? ": Lambda queues events, so the function may run them out of order"
                : ": one invoke per ordering key in flight, so per-key order holds"),
          ],
        };
      } catch (error) {
        const info = host.helpers.classifyAwsError(error);
        return { ok: false, details: [`cannot invoke function ${label}: ${info.code}: ${info.message}`] };
      }
    },

    async plan(batch: readonly Envelope[]): Promise<PlannedAction[]> {
      return batch.map((envelope, index) => ({
        index,
        action: "invoke",
        destination: `function ${label}`,
        preview: options.input ? previewOf(payloadOf(envelope)) : envelope.event,
      }));
    },

    async write(batch: readonly Envelope[]): Promise<WriteResult> {
      // One invoke after another, so order within a batch holds (maxItems is 1 for `lambda`).
      const failures = await host.helpers.writeOneByOne(batch, (envelope, index) =>
        invokeOne(envelope, index),
      );
      if (failures.length > 0)
        host.log.debug(`Invoke ${label}: ${failures.length} of ${batch.length} failed`);
      return { failures };
    },

    async close(): Promise<void> {
      client?.destroy();
      client = undefined;
    },
  };
}

/** Reads `errorType`/`errorMessage` from a function error payload, tolerating odd bodies. */
export function functionErrorOf(payload: Uint8Array | undefined): {
  errorType: string;
  errorMessage: string;
} {
  const text = payload ? new TextDecoder().decode(payload) : "";
  try {
    const body = JSON.parse(text) as { errorType?: unknown; errorMessage?: unknown };
    return {
      errorType: String(body.errorType ?? "Error"),
      errorMessage: truncate(String(body.errorMessage ?? text)),
    };
  } catch {
    return { errorType: "Error", errorMessage: truncate(text) };
  }
}

function truncate(text: string, max = 1000): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
