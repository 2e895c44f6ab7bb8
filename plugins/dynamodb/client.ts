/**
 * The DynamoDB client both plugins use, built lazily so `--help` never loads the AWS SDK.
 *
 * @module
 */
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { Host } from "../../src/sdk/index.ts";

/**
 * The slice of the SDK client the plugins use: `send` only, so a unit test can pass a stand-in
 * while integration tests use the real client.
 */
export type DynamoDbSend = Pick<DynamoDBClient, "send">;

/** The SDK module, loaded on first use (commands are classes of it). */
export type DynamoDbSdk = typeof import("@aws-sdk/client-dynamodb");

let sdk: Promise<DynamoDbSdk> | undefined;
/** Loads `@aws-sdk/client-dynamodb` once. */
export function loadSdk(): Promise<DynamoDbSdk> {
  sdk ??= import("@aws-sdk/client-dynamodb");
  return sdk;
}

/**
 * Builds a client from the host's AWS settings (region, profile) and the SDK's own chain
 * (credentials, `AWS_ENDPOINT_URL_DYNAMODB`). `endpoint` (config) overrides the URL, e.g. for
 * DynamoDB Local. `maxAttempts` stays low for writes: the engine owns retries and counts them.
 */
export async function createClient(
  host: Host,
  options: { endpoint?: string; maxAttempts?: number },
): Promise<DynamoDBClient & DynamoDbSend> {
  const { DynamoDBClient } = await loadSdk();
  const config = host.helpers.awsClientConfig(
    "dynamodb",
    options.maxAttempts === undefined ? {} : { maxAttempts: options.maxAttempts },
  );
  return new DynamoDBClient(options.endpoint ? { ...config, endpoint: options.endpoint } : config);
}
