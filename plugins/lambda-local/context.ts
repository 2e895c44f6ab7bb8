/**
 * A Lambda-like invocation context for handlers run in-process.
 *
 * @module
 */
import { randomBytes, randomUUID } from "node:crypto";

/** The context object the Node.js Lambda runtime passes as the handler's second argument. */
export interface LocalLambdaContext {
  functionName: string;
  functionVersion: string;
  invokedFunctionArn: string;
  memoryLimitInMB: string;
  awsRequestId: string;
  logGroupName: string;
  logStreamName: string;
  callbackWaitsForEmptyEventLoop: boolean;
  /** Milliseconds left before the configured timeout. */
  getRemainingTimeInMillis(): number;
}

/** What is fixed for every invocation of one local function. */
export interface ContextSettings {
  functionName: string;
  region: string;
  memoryMb: number;
  timeoutMs: number;
}

/** Builds a fresh context for one invocation that starts now. */
export function makeContext(settings: ContextSettings): LocalLambdaContext {
  const deadline = Date.now() + settings.timeoutMs;
  const day = new Date().toISOString().slice(0, 10).replaceAll("-", "/");
  return {
    functionName: settings.functionName,
    functionVersion: "$LATEST",
    // Account 000000000000: there is no account for a local function, and a made-up real-looking
    // one would be misleading.
    invokedFunctionArn: `arn:aws:lambda:${settings.region}:000000000000:function:${settings.functionName}`,
    memoryLimitInMB: String(settings.memoryMb),
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${settings.functionName}`,
    logStreamName: `${day}/[$LATEST]${randomBytes(16).toString("hex")}`,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
}
