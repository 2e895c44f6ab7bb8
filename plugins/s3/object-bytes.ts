/**
 * One S3 object as a byte stream that survives broken connections.
 *
 * GetObject is sent with `If-Match: <ETag>` once the ETag is known, so every byte comes from the
 * same version of the object. When the body stream fails (a reset, a cut connection, a body
 * shorter than its Content-Length), the next request asks for `Range: bytes=<next byte>-[<end>]`:
 * nothing is read twice or skipped, whatever the readers above have parsed. A changed object
 * (412 Precondition Failed) is refused.
 *
 * @module
 */
import type { GetObjectCommandOutput } from "@aws-sdk/client-s3";
import { type Host, PluginError } from "../../src/sdk/index.ts";
import { loadS3Sdk, type S3Send } from "./client.ts";
import { asPluginError, type RetryCounts, retryableS3Error, S3_ATTEMPTS } from "./retrying.ts";
import { objectName } from "./s3-url.ts";

/** An object to read. */
export interface ObjectToRead {
  bucket: string;
  key: string;
  /** The ETag the listing (or a checkpoint) saw; reads are refused if the object changed. */
  etag?: string;
  /** The first byte to read (a part, or a resumed cursor into a plain object). @default 0 */
  start?: number;
  /** The byte after the last one to read (a part of the object); the object's end when absent. */
  end?: number;
}

/** An opened object (or part): its ETag and its bytes from `start` to `end`. */
export interface OpenedObject {
  etag: string;
  /** Bytes from `start` to `end` (or the object's end). Iterate once. */
  bytes: AsyncIterable<Uint8Array>;
}

/**
 * Sends the first GetObject (with retries) and returns the ETag and a byte stream that resumes
 * itself with ranged GETs. `signal` aborts the request and the stream.
 */
export async function openObject(
  client: S3Send,
  host: Host,
  counts: RetryCounts,
  object: ObjectToRead,
  signal: AbortSignal,
): Promise<OpenedObject> {
  const name = objectName(object.bucket, object.key);
  const start = object.start ?? 0;
  if (object.end !== undefined && object.end <= start)
    return { etag: object.etag ?? "", bytes: emptyBytes() };
  const first = await getFrom(client, host, counts, object, object.etag, start, signal);
  if (first === "empty") return { etag: object.etag ?? "", bytes: emptyBytes() };
  const etag = first.ETag ?? object.etag ?? "";
  return { etag, bytes: resumingBody(client, host, counts, { ...object, etag }, first, start, signal, name) };
}

async function* emptyBytes(): AsyncGenerator<Uint8Array> {}

/**
 * Yields the body of `response`, and after a failure the rest of the object from the byte where
 * it broke. Consecutive failures without progress are bounded by {@link S3_ATTEMPTS}.
 */
async function* resumingBody(
  client: S3Send,
  host: Host,
  counts: RetryCounts,
  object: ObjectToRead & { etag: string },
  response: GetObjectCommandOutput,
  start: number,
  signal: AbortSignal,
  name: string,
): AsyncGenerator<Uint8Array> {
  let position = start;
  let current: GetObjectCommandOutput | "empty" = response;
  let failures = 0;
  for (;;) {
    if (current === "empty") return;
    const expected = current.ContentLength;
    const from = position;
    try {
      for await (const chunk of current.Body as AsyncIterable<Uint8Array>) {
        if (signal.aborted) return;
        position += chunk.length;
        failures = 0;
        yield chunk;
      }
      if (expected === undefined || position - from >= expected) return;
      // Ended early without an error: the connection was closed mid-body.
      throw Object.assign(new Error(`body ended after ${position - from} of ${expected} bytes`), {
        code: "ECONNRESET",
      });
    } catch (error) {
      if (signal.aborted) return;
      if (!retryableS3Error(host, error, counts) || ++failures >= S3_ATTEMPTS) {
        throw new PluginError(
          `read broke at byte ${position}: ${host.helpers.classifyAwsError(error).message}`,
          name,
        );
      }
      host.log.debug(`${name}: stream broke at byte ${position}, resuming with a ranged GET`);
      // Full jitter, 25 ms doubling: a broken connection is usually over at once.
      await host.sleep(Math.min(2000, 25 * 2 ** failures) * Math.random());
      if (object.end !== undefined && position >= object.end) return;
      current = await getFrom(client, host, counts, object, object.etag, position, signal);
    }
  }
}

/** One GetObject from byte `start` to `object.end` (with retries); `"empty"` when nothing is left to read. */
async function getFrom(
  client: S3Send,
  host: Host,
  counts: RetryCounts,
  object: ObjectToRead,
  etag: string | undefined,
  start: number,
  signal: AbortSignal,
): Promise<GetObjectCommandOutput | "empty"> {
  const { GetObjectCommand } = await loadS3Sdk();
  const name = objectName(object.bucket, object.key);
  const explain = (error: unknown): PluginError | undefined => {
    const info = host.helpers.classifyAwsError(error);
    if (info.status === 412 || info.code === "PreconditionFailed") {
      return new PluginError(
        `the object changed since it was listed or checkpointed (ETag is no longer ${etag})`,
        name,
      );
    }
    if (info.status === 404 || info.code === "NoSuchKey") return new PluginError("no such object", name);
    if (info.code === "NoSuchBucket") return new PluginError(`no such bucket "${object.bucket}"`, name);
    return undefined;
  };
  try {
    return await host.retry(
      () =>
        client.send(
          new GetObjectCommand({
            Bucket: object.bucket,
            Key: object.key,
            ...(etag ? { IfMatch: etag } : {}),
            ...(object.end !== undefined
              ? { Range: `bytes=${start}-${object.end - 1}` }
              : start > 0
                ? { Range: `bytes=${start}-` }
                : {}),
          }),
          { abortSignal: signal },
        ),
      {
        attempts: S3_ATTEMPTS,
        baseDelayMs: 50,
        maxDelayMs: 5000,
        // An aborted request is the run stopping, not a failure worth another attempt.
        isRetryable: (error) =>
          !signal.aborted &&
          !isRangeEnd(host, error) &&
          explain(error) === undefined &&
          retryableS3Error(host, error, counts),
      },
    );
  } catch (error) {
    // A range starting at the object's end: the cursor was at the last record's end.
    if (isRangeEnd(host, error)) return "empty";
    throw explain(error) ?? asPluginError(host, error, `GetObject ${name}`);
  }
}

function isRangeEnd(host: Host, error: unknown): boolean {
  const info = host.helpers.classifyAwsError(error);
  return info.status === 416 || info.code === "InvalidRange";
}
