/**
 * One-line hints for the AWS set-up mistakes every new user makes, matched on the SDK's
 * messages (its error classes are not shown: "CredentialsProviderError" helps nobody).
 *
 * @module
 */

import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

/**
 * The profile names of the shared config and credentials files (`AWS_CONFIG_FILE`,
 * `AWS_SHARED_CREDENTIALS_FILE`, else `~/.aws/config` and `~/.aws/credentials`), or undefined
 * when neither file can be read. Only section headers are read, never a value.
 */
export function knownProfiles(env: Record<string, string | undefined>): Set<string> | undefined {
  const home = env.HOME ?? homedir();
  const files = [
    { path: env.AWS_CONFIG_FILE ?? join(home, ".aws", "config"), config: true },
    { path: env.AWS_SHARED_CREDENTIALS_FILE ?? join(home, ".aws", "credentials"), config: false },
  ];
  let readAny = false;
  const names = new Set<string>();
  for (const { path, config } of files) {
    let text: string;
    try {
      text = readFileSync(path, "utf8");
    } catch {
      continue;
    }
    readAny = true;
    for (const match of text.matchAll(/^\s*\[([^\]]+)\]/gm)) {
      const header = match[1]!.trim();
      if (config && header.startsWith("profile ")) names.add(header.slice("profile ".length).trim());
      else if (config && header === "default") names.add("default");
      else if (!config) names.add(header);
    }
  }
  return readAny ? names : undefined;
}

/**
 * Drops JavaScript class names the SDK puts in front of its messages
 * (`CredentialsProviderError: Could not load credentials` → `Could not load credentials`);
 * AWS error codes (`AccessDeniedException: …`) stay, they are searchable.
 */
export function withoutJsClassNames(message: string): string {
  return message.replace(/\b(?:[A-Z][A-Za-z]*ProviderError|TypeError|Error): /g, "");
}

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
  // A profile that does not exist shows up as "no region" or "no credentials": the SDK does not
  // say the profile is missing, the files can.
  if (
    /region is missing|missing region|no region|could not load credentials|credential.*(missing|not found)|no credentials/i.test(
      message,
    )
  ) {
    const profiles = chosen ? knownProfiles(env) : undefined;
    if (chosen && profiles && !profiles.has(chosen))
      return `there is no AWS profile named "${chosen}" in ~/.aws/config or ~/.aws/credentials (known: ${[...profiles].join(", ") || "none"}): check the name, or drop --profile / AWS_PROFILE`;
  }
  if (/region is missing|missing region|no region/i.test(message))
    return "no AWS region: pass --region <region>, or set AWS_REGION (AWS_DEFAULT_REGION is honoured too) or a region in your profile";
  if (/could not load credentials|credential.*(missing|not found)|no credentials/i.test(message))
    return `no AWS credentials found: run \`aws configure\` or \`aws sso login${profileFlag}\`, set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or pass --profile <name>`;
  if (/security token.*invalid|InvalidClientTokenId|UnrecognizedClient/i.test(message))
    return "AWS rejected the credentials: they may belong to another account or partition, or have been revoked";
  return undefined;
}
