/** Writes docs/pipeline.schema.json from src/config/schema.ts (a test keeps them equal). */
import { join } from "node:path";
import { pipelineSchema } from "../src/config/schema.ts";

const out = join(import.meta.dir, "..", "docs", "pipeline.schema.json");
await Bun.write(out, JSON.stringify(pipelineSchema, null, 2) + "\n");
console.log(`wrote ${out}`);
