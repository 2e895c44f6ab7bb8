/**
 * The one place AWS SDK v3 clients of rehydrate's built-in plugins get their settings.
 *
 * Credentials, region fallbacks, SSO, shared config files and the `AWS_ENDPOINT_URL` /
 * `AWS_ENDPOINT_URL_<SERVICE>` overrides are all resolved by the SDK's own provider chain:
 * this helper only passes on what the user chose explicitly (`--region`, `--profile`, through
 * `host.aws`) and never reads, builds or logs a credential.
 *
 * @module
 */
import type { AwsClientConfig, Host } from "../../sdk/index.ts";
import { redactUri } from "./redact.ts";

/** The AWS services built-in plugins talk to. */
export type AwsService = string;

/** Extra settings a plugin may ask for on top of the user's choices. */
export interface AwsClientOptions {
  /**
   * Most attempts the SDK makes per request (its own retry strategy). Plugins whose failures
   * the engine retries and counts set this low (1 or 2) so retries are not hidden in the SDK.
   * Absent means the SDK default (3).
   */
  maxAttempts?: number;
}

export type { AwsClientConfig };

/**
 * Builds the constructor config for an SDK v3 client of `service`, honouring
 * `host.aws.region` and `host.aws.profile`. Logs (at debug level) which region and profile
 * were chosen, never a credential.
 *
 * @example
 * const client = new LambdaClient(awsClientConfig(host, "lambda", { maxAttempts: 1 }));
 */
export function awsClientConfig(
  host: Host,
  service: AwsService,
  options: AwsClientOptions = {},
): AwsClientConfig {
  const config: AwsClientConfig = { customUserAgent: `rehydrate/${host.version}` };
  // Only set what was chosen: an explicit `undefined` region would still be "set" for some
  // SDK config resolvers and hide the environment's AWS_REGION.
  if (host.aws.region) config.region = host.aws.region;
  if (host.aws.profile) config.profile = host.aws.profile;
  if (options.maxAttempts !== undefined) config.maxAttempts = options.maxAttempts;
  host.log.debug(
    `${service} client: region ${config.region ?? "(from the SDK chain)"}, profile ${
      config.profile ?? "(from the SDK chain)"
    }${endpointNote(service)}`,
  );
  return config;
}

/** The name of the per-service endpoint override variable, as the SDK reads it. */
export function endpointEnvName(service: AwsService): string {
  return `AWS_ENDPOINT_URL_${service.toUpperCase()}`;
}

/**
 * Mentions an endpoint override in the debug line, so a user who wonders why requests do not
 * reach AWS can see it. A `user:password@` part, should a URL carry one, is dropped.
 */
function endpointNote(service: AwsService): string {
  const specific = process.env[endpointEnvName(service)];
  if (specific) return `, endpoint ${redactUri(specific)} (${endpointEnvName(service)})`;
  const general = process.env.AWS_ENDPOINT_URL;
  if (general) return `, endpoint ${redactUri(general)} (AWS_ENDPOINT_URL)`;
  return "";
}
