/**
 * Retrying S3 requests: throttling (503 SlowDown), 5xx and network errors are retried with
 * exponential backoff and full jitter; anything else becomes a one-line {@link PluginError}.
 *
 * @module
 */
import { type Host, PluginError } from "../../src/sdk/index.ts";

/** Attempts per request (the first included) before the run stops. */
export const S3_ATTEMPTS = 8;

/** Counters of what was retried, for the debug log and the tests. */
export interface RetryCounts {
  /** Requests answered with a throttle (503 SlowDown, 429). */
  throttled: number;
  /** Other retried failures (5xx, network errors, streams broken mid-object). */
  transient: number;
}

/** Whether an error is worth another attempt; counts it in `counts`. */
export function retryableS3Error(host: Host, error: unknown, counts: RetryCounts): boolean {
  if (error instanceof PluginError) return false;
  const info = host.helpers.classifyAwsError(error);
  if (info.kind !== "retryable") return false;
  if (info.throttled || info.code === "SlowDown") counts.throttled++;
  else counts.transient++;
  return true;
}

/**
 * Runs `request` with retries. `what` names the request in the error (`ListObjectsV2
 * s3://bucket/prefix`), and `explain` may turn a known error (NoSuchBucket, 412) into a better
 * message before the generic one.
 */
export async function withRetries<T>(
  host: Host,
  counts: RetryCounts,
  what: string,
  request: () => Promise<T>,
  explain?: (error: unknown) => PluginError | undefined,
  signal?: AbortSignal,
): Promise<T> {
  try {
    return await host.retry(() => request(), {
      attempts: S3_ATTEMPTS,
      baseDelayMs: 50,
      maxDelayMs: 5000,
      // An aborted request is the run stopping, not a failure worth another attempt.
      isRetryable: (error) =>
        signal?.aborted !== true && explain?.(error) === undefined && retryableS3Error(host, error, counts),
    });
  } catch (error) {
    throw explain?.(error) ?? asPluginError(host, error, what);
  }
}

/** A one-line error naming the request and the service's code and message. */
export function asPluginError(host: Host, error: unknown, what: string): PluginError {
  if (error instanceof PluginError) return error;
  const info = host.helpers.classifyAwsError(error);
  return new PluginError(`${info.code}: ${info.message}`, what);
}
