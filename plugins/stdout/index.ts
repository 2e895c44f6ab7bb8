/** The `stdout` target: `--to stdout:` writes every event as one NDJSON line. */
import { defineTarget, PluginError } from "../../src/sdk/index.ts";
import { createStdoutTarget, type OutputStream } from "./target.ts";

export { createStdoutTarget, type OutputStream } from "./target.ts";

/** Builds the `stdout` plugin writing to `stream` (process.stdout unless a test passes its own). */
export function createStdoutPlugin(stream: () => OutputStream = () => process.stdout) {
  return defineTarget<Record<string, never>>({
    kind: "target",
    name: "stdout",
    api: 1,
    summary: "Write matched events to stdout as NDJSON, one event per line",
    config: {
      fields: {},
      fromUri(rest) {
        if (rest !== "") throw new PluginError("takes no argument: write `stdout:`", `stdout:${rest}`);
        return {};
      },
      examples: [["Print matched events", "stdout:"]],
    },
    create: () => createStdoutTarget(stream()),
  });
}

/** The `stdout` target plugin. */
const stdoutTarget = createStdoutPlugin();
export default stdoutTarget;
