/** The `stdout` target: `--to stdout:` writes every event as one NDJSON line. */

import type { OutputStream } from "../../src/sdk/index.ts";
import { defineTarget, PluginError } from "../../src/sdk/index.ts";
import { createStdoutTarget } from "./target.ts";

export { createStdoutTarget } from "./target.ts";

/** Builds the `stdout` plugin writing to the host's `stdio.stdout`, or to `stream` (tests). */
export function createStdoutPlugin(stream?: () => OutputStream) {
  return defineTarget<Record<string, never>>({
    kind: "target",
    name: "stdout",
    api: 2,
    summary: "Write matched events to stdout as NDJSON, one event per line",
    config: {
      fields: {},
      fromUri(rest) {
        if (rest !== "") throw new PluginError("takes no argument: write `stdout:`", `stdout:${rest}`);
        return {};
      },
      examples: [["Print matched events", "stdout:"]],
    },
    create: (_config, host) => createStdoutTarget(stream?.() ?? host.stdio.stdout, host),
  });
}

/** The `stdout` target plugin. */
const stdoutTarget = createStdoutPlugin();
export default stdoutTarget;
