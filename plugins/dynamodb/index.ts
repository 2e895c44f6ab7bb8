/**
 * The `dynamodb` plugins: a source (`--from dynamodb:<table>`: Scan in parallel segments or
 * Query, exact numbers, read budget, optional sort) and a storage target (`--to
 * dynamodb:<table>`: BatchWriteItem with last-write-wins per key, deletes, version guard).
 * See docs/sources/dynamodb.md and docs/targets/dynamodb.md.
 *
 * @module
 */
import { defineSource, defineTarget, PLUGIN_API_VERSION, type Plugin } from "../../src/sdk/index.ts";
import { DynamoDbSource } from "./source.ts";
import { type DynamoDbSourceConfig, dynamodbSourceSpec } from "./source-config.ts";
import { DynamoDbTarget } from "./target.ts";
import { type DynamoDbTargetConfig, dynamodbTargetSpec } from "./target-config.ts";

/** `--from dynamodb:<table>`. */
export const dynamodbSource = defineSource<DynamoDbSourceConfig>({
  kind: "source",
  name: "dynamodb",
  api: PLUGIN_API_VERSION,
  summary: "Read items from a DynamoDB table: parallel Scan (optionally sorted) or Query, with a read budget",
  config: dynamodbSourceSpec,
  create: (config, host) => new DynamoDbSource(config, host),
});

/** `--to dynamodb:<table>`. */
export const dynamodbTarget = defineTarget<DynamoDbTargetConfig>({
  kind: "target",
  name: "dynamodb",
  api: PLUGIN_API_VERSION,
  summary:
    "Write events to a DynamoDB table: BatchWriteItem (last write wins per key), deletes, version guard",
  config: dynamodbTargetSpec,
  create: (config, host) => new DynamoDbTarget(config, host),
});

const plugins: Plugin[] = [dynamodbSource as Plugin, dynamodbTarget as Plugin];
export default plugins;
