import type { Plugin } from "../src/sdk/index.ts";
import dynamodb from "./dynamodb/index.ts";
import eventbridge from "./eventbridge/index.ts";
import file from "./file/index.ts";
import lambda from "./lambda/index.ts";
import lambdaLocal from "./lambda-local/index.ts";
import opensearch from "./opensearch/index.ts";
import postgres from "./postgres/index.ts";
import s3 from "./s3/index.ts";
import sqlite from "./sqlite/index.ts";
import sqlserver from "./sqlserver/index.ts";
import stdout from "./stdout/index.ts";

/**
 * The built-in plugins. A static list (not a directory scan) so `bun build --compile` sees
 * every import and bundles it into the binary. Plugins import their SDKs lazily, so listing
 * them here costs little at start-up.
 */
export const builtinPlugins: readonly Plugin[] = [
  ...file,
  sqlite,
  stdout,
  eventbridge,
  lambda,
  lambdaLocal,
  ...dynamodb,
  ...opensearch,
  ...postgres,
  ...sqlserver,
  ...s3,
] as Plugin[];
