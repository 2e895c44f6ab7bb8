import type { Plugin } from "../../src/sdk/index.ts";

/**
 * The `opensearch` plugins. Not built yet: this list is empty until they land, so nothing named
 * `opensearch` is registered (`rehydrate plugins list` does not show it).
 */
const plugins: Plugin[] = [];
export default plugins;
