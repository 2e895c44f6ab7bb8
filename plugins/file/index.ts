/**
 * The `file` plugins: a source reading NDJSON/JSON-array files and a target writing NDJSON.
 * Both are named `file`; the registry tells them apart by kind.
 */
import { fileSource } from "./source-plugin.ts";
import { fileTarget } from "./target-plugin.ts";

export { encodeNdjson } from "./ndjson-encode.ts";
export { createFileSourcePlugin, fileSource } from "./source-plugin.ts";
export { fileTarget } from "./target-plugin.ts";

export default [fileSource, fileTarget];
