/**
 * The `opensearch` plugins: a source (`--from opensearch:<index or pattern>`: Point in Time +
 * `search_after` in a total sort order, slices merged back into one order, resumable, pattern
 * pushdown) and a storage target (`--to opensearch:<index>`: `_bulk` with last-write-wins per
 * document id, version guard, deletes or tombstones, bulk-load mode, alias swap).
 * See docs/sources/opensearch.md and docs/targets/opensearch.md.
 *
 * @module
 */
import { defineSource, defineTarget, PLUGIN_API_VERSION, type Plugin } from "../../src/sdk/index.ts";
import { OpenSearchSource } from "./source.ts";
import { type OpenSearchSourceConfig, openSearchSourceSpec } from "./source-config.ts";
import { OpenSearchTarget } from "./target.ts";
import { type OpenSearchTargetConfig, openSearchTargetSpec } from "./target-config.ts";

/** `--from opensearch:<index or pattern>`. */
export const openSearchSource = defineSource<OpenSearchSourceConfig>({
  kind: "source",
  name: "opensearch",
  api: PLUGIN_API_VERSION,
  summary:
    "Read documents of an OpenSearch index in (time, id) order: Point in Time + search_after, slices merged, resumable, pattern pushdown",
  config: openSearchSourceSpec,
  create: (config, host) => new OpenSearchSource(config, host),
});

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

const plugins: Plugin[] = [openSearchSource as Plugin, openSearchTarget as Plugin];
export default plugins;
