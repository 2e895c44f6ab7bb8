/**
 * The running `lambda-local` target: calls an in-process handler per event.
 *
 * @module
 */

import type { TargetInputOptions } from "../../src/routes/input-transformer.ts";
import type {
  CheckResult,
  Envelope,
  Host,
  ItemFailure,
  PlannedAction,
  Target,
  WriteResult,
} from "../../src/sdk/index.ts";
import { payloadBuilder, previewOf } from "../lambda/payload.ts";
import { makeContext } from "./context.ts";
import { callHandler, type Handler, loadHandler } from "./load-handler.ts";

/** What the target needs. */
export interface LocalLambdaOptions {
  /** Absolute path of the handler module. */
  path: string;
  exportName: string;
  functionName: string;
  region: string;
  memoryMb: number;
  timeoutMs: number;
  retryFunctionErrors: boolean;
  maxInFlight: number;
  /** What to send instead of the event (EventBridge's Input, InputPath, InputTransformer). */
  input?: TargetInputOptions;
}

/** Creates the target. The module is imported in `open`/`check`, not here. */
export function createLocalLambdaTarget(options: LocalLambdaOptions, host: Host): Target {
  let loading: Promise<Handler> | undefined;
  const load = () => {
    loading ??= loadHandler(options.path, options.exportName);
    return loading;
  };
  const label = `${options.path}#${options.exportName}`;
  const payloadOf = payloadBuilder(options.input ?? {}, `lambda-local ${label}`);

  async function invokeOne(
    handler: Handler,
    envelope: Envelope,
    index: number,
  ): Promise<ItemFailure | undefined> {
    const rendered = payloadOf(envelope);
    if (!rendered.ok) {
      return {
        index,
        retryable: false,
        code: rendered.code,
        message: `event ${JSON.stringify(envelope.event.id)} at ${envelope.position}: ${rendered.reason}`,
      };
    }
    // A fresh parse per call, as Lambda deserialises the payload: the handler may mutate its
    // event without touching the envelope shared with other targets.
    const event = JSON.parse(rendered.text);
    const context = makeContext(options);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), options.timeoutMs);
    });
    try {
      const outcome = await Promise.race([
        withoutProcessExit(() => callHandler(handler, event, context)),
        timeout,
      ]);
      if (outcome === "timeout") {
        // The handler keeps running in this process (a promise cannot be cancelled); its
        // invocation is reported as Lambda would report it.
        return {
          index,
          retryable: options.retryFunctionErrors,
          code: "FunctionError",
          message: `${label}: Sandbox.Timedout: Task timed out after ${(options.timeoutMs / 1000).toFixed(2)} seconds`,
        };
      }
      return undefined;
    } catch (error) {
      const name = error instanceof Error ? error.name : "Error";
      const message = error instanceof Error ? error.message : String(error);
      return {
        index,
        retryable: options.retryFunctionErrors,
        code: "FunctionError",
        message: `${label} threw ${name}: ${message}`,
      };
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    policy: { maxItems: 1, maxInFlight: options.maxInFlight },

    async open(): Promise<void> {
      await load();
    },

    async check(): Promise<CheckResult> {
      try {
        await load();
        return { ok: true, details: [`handler ${label} loaded (function name ${options.functionName})`] };
      } catch (error) {
        return { ok: false, details: [error instanceof Error ? error.message : String(error)] };
      }
    },

    async plan(batch: readonly Envelope[]): Promise<PlannedAction[]> {
      return batch.map((envelope, index) => ({
        index,
        action: "invoke",
        destination: `local function ${options.functionName} (${label})`,
        preview: options.input ? previewOf(payloadOf(envelope)) : envelope.event,
      }));
    },

    async write(batch: readonly Envelope[]): Promise<WriteResult> {
      const handler = await load();
      // One invoke after another, so order within a batch holds (maxItems is 1 for `lambda`).
      const failures = await host.helpers.writeOneByOne(batch, (envelope, index) =>
        invokeOne(handler, envelope, index),
      );
      if (failures.length > 0) host.log.debug(`${label}: ${failures.length} of ${batch.length} failed`);
      return { failures };
    },
  };
}

/** Thrown in place of `process.exit` while a local handler runs. */
class HandlerExitError extends Error {
  constructor(code: unknown) {
    super(
      `called process.exit(${code === undefined ? "" : String(code)}); a Lambda handler must return or throw`,
    );
    this.name = "ProcessExit";
  }
}

/**
 * Runs a local handler with `process.exit` turned into an error: the handler shares this
 * process, and a handler that exits would end the run with no drain and no report. Lambda
 * would end that invocation as a failure, and so does this.
 */
async function withoutProcessExit<T>(call: () => Promise<T>): Promise<T> {
  // Several lanes may run handlers at once: the real exit is put back when the last one ends.
  if (running++ === 0) {
    realExit = process.exit;
    process.exit = ((code?: unknown) => {
      throw new HandlerExitError(code);
    }) as typeof process.exit;
  }
  try {
    return await call();
  } finally {
    if (--running === 0 && realExit) process.exit = realExit;
  }
}

let running = 0;
let realExit: typeof process.exit | undefined;
