/**
 * Writes docs/pipeline.schema.json from src/config/schema.ts and the built-in plugins' config
 * specs (a test keeps them equal).
 */
import { join } from "node:path";
import { builtinPlugins } from "../plugins/index.ts";
import { pipelineSchemaWithPlugins } from "../src/config/plugin-schema.ts";

const out = join(import.meta.dir, "..", "docs", "pipeline.schema.json");
await Bun.write(out, JSON.stringify(pipelineSchemaWithPlugins(builtinPlugins), null, 2) + "\n");
console.log(`wrote ${out}`);
