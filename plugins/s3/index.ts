/**
 * The `s3` plugins: a source reading event archives in S3 (`--from s3://bucket/prefix/…`, globs,
 * NDJSON/JSON arrays, gzip, key order, read-ahead, ranged resume) and DynamoDB table exports
 * stored in S3. See docs/sources/s3.md.
 *
 * @module
 */
import type { Plugin } from "../../src/sdk/index.ts";
import { s3Source } from "./source-plugin.ts";

export { s3Source } from "./source-plugin.ts";

const plugins: Plugin[] = [s3Source as Plugin];
export default plugins;
