import type { Plugin } from "../src/sdk/index.ts";

/**
 * The built-in plugins. A static list (not a directory scan) so `bun build --compile` sees
 * every import and bundles it into the binary.
 */
export const builtinPlugins: readonly Plugin[] = [];
