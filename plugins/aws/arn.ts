/**
 * Minimal ARN parsing for the built-in AWS plugins.
 *
 * @module
 */

/** The parts of `arn:<partition>:<service>:<region>:<account>:<resource>`. */
export interface Arn {
  partition: string;
  service: string;
  region: string;
  account: string;
  /** Everything after the account, colons included (`function:name:qualifier`). */
  resource: string;
}

/** Parses an ARN, or returns `undefined` when `text` is not one. */
export function parseArn(text: string): Arn | undefined {
  if (!text.startsWith("arn:")) return undefined;
  const parts = text.split(":");
  if (parts.length < 6) return undefined;
  const [, partition, service, region, account] = parts as [string, string, string, string, string];
  return { partition, service, region, account, resource: parts.slice(5).join(":") };
}
