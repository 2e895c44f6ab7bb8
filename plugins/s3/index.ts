import type { Plugin } from "../../src/sdk/index.ts";

/**
 * The `s3` plugins. Not built yet: this list is empty until they land, so nothing named
 * `s3` is registered (`rehydrate plugins list` does not show it).
 */
const plugins: Plugin[] = [];
export default plugins;
