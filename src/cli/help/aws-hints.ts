/**
 * One-line hints for the AWS set-up mistakes every new user makes, matched on the SDK's
 * messages (its error classes are not shown: "CredentialsProviderError" helps nobody).
 *
 * @module
 */

/** The AWS settings the hint may name. */
export interface AwsHintContext {
  profile?: string;
  env: Record<string, string | undefined>;
}

/**
 * A hint for an AWS error message, or undefined when it is not a set-up problem. The profile
 * is the one chosen (`--profile`, else `$AWS_PROFILE`).
 */
export function awsHint(
  message: string,
  env: Record<string, string | undefined>,
  profile?: string,
): string | undefined {
  const chosen = profile ?? env.AWS_PROFILE;
  const profileFlag = chosen ? ` --profile ${chosen}` : "";
  if (/sso.*(expired|invalid)|token.*(is )?expired|ExpiredToken|refresh.*sso/i.test(message))
    return `the AWS SSO session has expired: run \`aws sso login${profileFlag}\`, then try again`;
  const unknownProfile =
    /profile[:\s]+\[?"?([\w.@+-]+)\]?"?.*(could not be found|not found|in configuration\/credentials file)/i.exec(
      message,
    );
  if (unknownProfile || /could not (be )?(found|resolve).*profile/i.test(message)) {
    const name = unknownProfile?.[1] ?? chosen;
    return `there is no AWS profile named "${name ?? "?"}" in ~/.aws/config or ~/.aws/credentials: check the name (\`aws configure list-profiles\`) or drop --profile / AWS_PROFILE`;
  }
  if (/region is missing|missing region|no region/i.test(message))
    return "no AWS region: pass --region <region>, or set AWS_REGION (AWS_DEFAULT_REGION is honoured too) or a region in your profile";
  if (/could not load credentials|credential.*(missing|not found)|no credentials/i.test(message))
    return `no AWS credentials found: run \`aws configure\` or \`aws sso login${profileFlag}\`, set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or pass --profile <name>`;
  if (/security token.*invalid|InvalidClientTokenId|UnrecognizedClient/i.test(message))
    return "AWS rejected the credentials: they may belong to another account or partition, or have been revoked";
  return undefined;
}
