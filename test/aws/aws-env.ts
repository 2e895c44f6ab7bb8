/**
 * Points the real AWS SDK clients at a loopback fake, hermetically: dummy credentials, a fixed
 * region, per-service endpoint overrides (never the global `AWS_ENDPOINT_URL`, so DynamoDB
 * tests running in the same process are unaffected), no shared config files and no instance
 * metadata lookups. Returns a function that restores the previous environment.
 *
 * @module
 */

const VARIABLES = [
  "AWS_ACCESS_KEY_ID",
  "AWS_SECRET_ACCESS_KEY",
  "AWS_SESSION_TOKEN",
  "AWS_REGION",
  "AWS_PROFILE",
  "AWS_CONFIG_FILE",
  "AWS_SHARED_CREDENTIALS_FILE",
  "AWS_EC2_METADATA_DISABLED",
  "AWS_ENDPOINT_URL_LAMBDA",
  "AWS_ENDPOINT_URL_EVENTBRIDGE",
] as const;

/** Sets the environment for SDK clients to reach `url`; call the result to undo it. */
export function useAwsFakeEnv(url: string): () => void {
  const saved = new Map(VARIABLES.map((name) => [name, process.env[name]]));
  Object.assign(process.env, {
    AWS_ACCESS_KEY_ID: "AKIDFAKEFAKEFAKE",
    AWS_SECRET_ACCESS_KEY: "fake-secret-for-tests",
    AWS_REGION: "us-east-1",
    AWS_CONFIG_FILE: "/nonexistent/rehydrate-test-aws-config",
    AWS_SHARED_CREDENTIALS_FILE: "/nonexistent/rehydrate-test-aws-credentials",
    AWS_EC2_METADATA_DISABLED: "true",
    AWS_ENDPOINT_URL_LAMBDA: url,
    AWS_ENDPOINT_URL_EVENTBRIDGE: url,
  });
  delete process.env.AWS_SESSION_TOKEN;
  delete process.env.AWS_PROFILE;
  return () => {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
}
