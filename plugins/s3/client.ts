/**
 * The S3 client, built lazily so `--help` never loads the AWS SDK.
 *
 * @module
 */
import type { S3Client } from "@aws-sdk/client-s3";
import type { Host } from "../../src/sdk/index.ts";

/** The slice of the SDK client the source uses, so a unit test can pass a stand-in. */
export type S3Send = Pick<S3Client, "send">;

/** The SDK module, loaded on first use. */
export type S3Sdk = typeof import("@aws-sdk/client-s3");

let sdk: Promise<S3Sdk> | undefined;
/** Loads `@aws-sdk/client-s3` once. */
export function loadS3Sdk(): Promise<S3Sdk> {
  sdk ??= import("@aws-sdk/client-s3");
  return sdk;
}

/**
 * Builds a client from the host's AWS settings and the SDK's chain (credentials, region,
 * `AWS_ENDPOINT_URL_S3` / `AWS_ENDPOINT_URL`). With a custom endpoint (config or environment)
 * the client uses path-style addressing (`http://host/bucket/key`), which S3-compatible servers
 * expect. The SDK makes one attempt per request: the source retries itself, so that a stream
 * broken halfway resumes at its byte offset instead of starting the object over.
 */
export async function createS3Client(host: Host, endpoint: string | undefined): Promise<S3Client> {
  const { S3Client } = await loadS3Sdk();
  const config = host.helpers.awsClientConfig("s3", { maxAttempts: 1 });
  const custom = endpoint ?? process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL;
  return new S3Client({
    ...config,
    ...(endpoint ? { endpoint } : {}),
    ...(custom ? { forcePathStyle: true } : {}),
  });
}
