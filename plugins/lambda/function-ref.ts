/**
 * Parsing `lambda:<function name or ARN>[:<qualifier>]`.
 *
 * @module
 */
import { PluginError } from "../../src/sdk/index.ts";

/** A function to invoke, split the way the Invoke API takes it. */
export interface FunctionRef {
  /** Name, partial ARN (`123456789012:function:name`) or full ARN, without the qualifier. */
  functionName: string;
  /** Version or alias (`$LATEST`, `3`, `live`), when one was given. */
  qualifier?: string;
  /** The region named by a full ARN. */
  region?: string;
}

const NAME = /^[A-Za-z0-9_-]{1,140}$/;
const QUALIFIER = /^(\$LATEST|[A-Za-z0-9$_-]{1,128})$/;

/**
 * Splits a function reference. Accepts `name`, `name:qualifier`, `account:function:name[:q]`
 * and `arn:<partition>:lambda:<region>:<account>:function:<name>[:q]`.
 * Throws a {@link PluginError} naming `where` when the text is none of these.
 */
export function parseFunctionRef(text: string, where = "function"): FunctionRef {
  const parts = text.split(":");
  let base: string[];
  let qualifier: string | undefined;
  let region: string | undefined;
  if (text.startsWith("arn:")) {
    // arn:aws:lambda:us-east-1:123456789012:function:name[:qualifier]
    if (parts.length < 7 || parts.length > 8 || parts[2] !== "lambda" || parts[5] !== "function") {
      throw new PluginError(
        `${text} is not a Lambda function ARN (arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>])`,
        where,
      );
    }
    base = parts.slice(0, 7);
    qualifier = parts[7];
    region = parts[3] || undefined;
  } else if (parts.length >= 3 && parts[1] === "function") {
    base = parts.slice(0, 3);
    qualifier = parts[3];
    if (parts.length > 4) throw new PluginError(`${text} has too many ':' parts`, where);
  } else {
    base = parts.slice(0, 1);
    qualifier = parts[1];
    if (parts.length > 2) throw new PluginError(`${text} has too many ':' parts`, where);
  }
  const name = base[base.length - 1]!;
  if (!NAME.test(name)) {
    throw new PluginError(
      `${JSON.stringify(name)} is not a valid function name (letters, digits, - and _)`,
      where,
    );
  }
  if (qualifier !== undefined && !QUALIFIER.test(qualifier)) {
    throw new PluginError(`${JSON.stringify(qualifier)} is not a valid version or alias`, where);
  }
  const ref: FunctionRef = { functionName: base.join(":") };
  if (qualifier !== undefined) ref.qualifier = qualifier;
  if (region !== undefined) ref.region = region;
  return ref;
}

/** `name` or `name:qualifier`, for messages and plans. */
export function describeFunction(ref: FunctionRef): string {
  return ref.qualifier === undefined ? ref.functionName : `${ref.functionName}:${ref.qualifier}`;
}
