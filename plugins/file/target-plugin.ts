import { defineTarget, PluginError } from "../../src/sdk/index.ts";
import { FileTarget, type FileTargetConfig } from "./target.ts";

/** The `file` target: `--to file:<out.ndjson>`, one event per line. */
export const fileTarget = defineTarget<FileTargetConfig>({
  kind: "target",
  name: "file",
  api: 2,
  summary: "Write matched events to an NDJSON file (readable again with --from file:)",
  config: {
    fields: {
      path: {
        type: "string",
        required: true,
        description: "The NDJSON file to write, one event per line. Its folder must exist.",
        example: "out/matched.ndjson",
      },
      append: {
        type: "boolean",
        default: false,
        description: "Append to the file instead of truncating it when the run starts.",
      },
    },
    fromUri(rest) {
      if (rest === "") throw new PluginError("give the output path: file:<out.ndjson>", "file:");
      return { path: rest };
    },
    examples: [
      ["Write matched events to a file", "file:matched.ndjson"],
      ["Pipeline file: append to a file", "targets: [{ uri: file:all.ndjson, append: true }]"],
    ],
  },
  create: (config, host) => new FileTarget(config, host),
});
