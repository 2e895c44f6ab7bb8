/**
 * Sorting AWS SDK v3 errors into what a target does with them: retry the items, fail the
 * items, or stop the run because the whole target is unusable.
 *
 * Built-in AWS targets set the SDK's own `maxAttempts` low so the engine's retry (with backoff,
 * jitter and counting in the report) owns retrying; the SDK's `$retryable` flag is therefore
 * not reliable here and the classification follows the SDK's documented rules instead:
 * throttling codes and HTTP 429, then 5xx and network failures, are transient.
 *
 * @module
 */

/** What to do with a request that failed as a whole. */
export type AwsErrorKind =
  /** Throttled or transient: every item of the request may succeed on a retry. */
  | "retryable"
  /** The target cannot work at all (credentials, permissions, missing resource): stop the run. */
  | "fatal"
  /** The request was rejected for what it carried: fail its items, do not retry. */
  | "item";

import type { AwsErrorInfo as SdkAwsErrorInfo } from "../../sdk/index.ts";

/** An AWS error reduced to the facts a report needs. Never holds credentials. */
export interface AwsErrorInfo extends SdkAwsErrorInfo {
  kind: AwsErrorKind;
  /** The error code (`ThrottlingException`, `ECONNRESET`, ...). */
  code: string;
  /** The service's message, or the error's. */
  message: string;
  /** HTTP status, when there was a response. */
  status?: number;
  /** Server-suggested wait (`Retry-After`), in ms. */
  retryAfterMs?: number;
}

const THROTTLING = new Set([
  "ThrottlingException",
  "Throttling",
  "ThrottledException",
  "TooManyRequestsException",
  "RequestLimitExceeded",
  "RequestThrottled",
  "RequestThrottledException",
  "ProvisionedThroughputExceededException",
  "TransactionInProgressException",
  "LimitExceededException",
  "SlowDown",
  "BandwidthLimitExceeded",
  "EC2ThrottledException",
  "PriorRequestNotComplete",
]);

/** Codes that mean "the same request can work a moment later" (resource busy, service hiccup). */
const TRANSIENT = new Set([
  "InternalFailure",
  "InternalServerError",
  "InternalServerException",
  "ServiceException",
  "ServiceUnavailable",
  "ServiceUnavailableException",
  "ResourceConflictException",
  "ResourceNotReadyException",
  "TimeoutError",
  "RequestTimeout",
  "RequestTimeoutException",
  "ECONNRESET",
  "ECONNREFUSED",
  "EPIPE",
  "ETIMEDOUT",
  "ConnectionRefused",
  "ConnectionClosed",
  "EC2UnexpectedException",
]);

/** Codes that make every request of the target fail the same way. */
const FATAL = new Set([
  "AccessDeniedException",
  "AccessDenied",
  "UnrecognizedClientException",
  "InvalidSignatureException",
  "SignatureDoesNotMatch",
  "ExpiredTokenException",
  "ExpiredToken",
  "InvalidClientTokenId",
  "IncompleteSignature",
  "MissingAuthenticationToken",
  "NotAuthorized",
  "ResourceNotFoundException",
  "CredentialsProviderError",
  "TokenProviderError",
  "KMSAccessDeniedException",
  "KMSDisabledException",
  "KMSNotFoundException",
  "InvalidZipFileException",
  "InvalidRuntimeException",
  "InvalidSecurityGroupIDException",
  "InvalidSubnetIDException",
  "SubnetIPAddressLimitReachedException",
  "ENILimitReachedException",
  "EFSMountFailureException",
]);

/** Classifies an error thrown by an SDK v3 `send()`. */
export function classifyAwsError(error: unknown): AwsErrorInfo {
  const e = (error ?? {}) as {
    name?: string;
    code?: string;
    message?: string;
    $metadata?: { httpStatusCode?: number };
    retryAfterSeconds?: string | number;
  };
  const code = String(e.code && !e.name?.endsWith("Exception") ? e.code : (e.name ?? e.code ?? "Error"));
  const status = e.$metadata?.httpStatusCode;
  const message = redact(String(e.message ?? error));
  const info: AwsErrorInfo = { kind: "item", code, message, throttled: false };
  if (status !== undefined) info.status = status;
  const retryAfter = Number(e.retryAfterSeconds);
  if (e.retryAfterSeconds !== undefined && Number.isFinite(retryAfter)) info.retryAfterMs = retryAfter * 1000;

  if (THROTTLING.has(code) || status === 429) {
    info.kind = "retryable";
    info.throttled = true;
  } else if (FATAL.has(code) || status === 401 || status === 403) info.kind = "fatal";
  else if (TRANSIENT.has(code) || (status !== undefined && status >= 500)) info.kind = "retryable";
  else if (status === undefined && isNetworkError(error)) info.kind = "retryable";
  else if (code === "Error" && /region is missing/i.test(message)) info.kind = "fatal";
  return info;
}

/** A network failure before any HTTP answer (reset, refused, DNS, timeout). */
function isNetworkError(error: unknown): boolean {
  const e = error as { code?: string; name?: string; message?: string };
  if (e?.code && TRANSIENT.has(e.code)) return true;
  if (e?.name === "TimeoutError" || e?.name === "AbortError") return true;
  return /socket|ECONN|EPIPE|ETIMEDOUT|EAI_AGAIN|network|fetch failed/i.test(String(e?.message ?? ""));
}

/**
 * Drops anything shaped like an AWS access key id or a signature from a message. SDK messages do
 * not normally carry them, but an "invalid token" answer can echo one back.
 */
export function redact(message: string): string {
  return message
    .replace(/\b(AKIA|ASIA)[A-Z0-9]{12,}\b/g, "$1…")
    .replace(/(Signature|Credential|X-Amz-Security-Token)=[^,\s&]+/gi, "$1=…");
}
