/**
 * The `opensearch` plugins: a source (`--from opensearch:<index or pattern>`: Point in Time +
 * `search_after` in a total sort order, slices merged back into one order, resumable, pattern
 * pushdown) and a storage target (`--to opensearch:<index>`: `_bulk` with last-write-wins per
 * document id, version guard, deletes or tombstones, bulk-load mode, alias swap).
 * See docs/sources/opensearch.md and docs/targets/opensearch.md.
 *
 * @module
 */
import { defineTarget, PLUGIN_API_VERSION, type Plugin } from "../../src/sdk/index.ts";
import { OpenSearchTarget } from "./target.ts";
import { type OpenSearchTargetConfig, openSearchTargetSpec } from "./target-config.ts";

/** `--to opensearch:<index>`. */
export const openSearchTarget = defineTarget<OpenSearchTargetConfig>({
  kind: "target",
  name: "opensearch",
  api: PLUGIN_API_VERSION,
  summary:
    "Write events to an OpenSearch index: _bulk (last write wins per id), version guard, deletes/tombstones, bulk-load mode, alias swap",
  config: openSearchTargetSpec,
  create: (config, host) => new OpenSearchTarget(config, host),
});

const plugins: Plugin[] = [openSearchTarget as Plugin];
export default plugins;
