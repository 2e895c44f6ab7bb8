import type { Writable } from "node:stream";
import type {
  BatchPolicy,
  CheckResult,
  Envelope,
  PlannedAction,
  Target,
  WriteResult,
} from "../../src/sdk/index.ts";
import { PluginError } from "../../src/sdk/index.ts";
import { encodeNdjson } from "../file/ndjson-encode.ts";

/** Where the target writes: process.stdout, or a PassThrough in tests. */
export type OutputStream = Writable;

/**
 * A target writing each event as one NDJSON line to `stream`. One write per batch; when the
 * stream's buffer is full, `write` waits for it to drain, so a slow reader slows the run.
 */
export function createStdoutTarget(stream: OutputStream): Target {
  let failed: Error | undefined;
  const onError = (error: Error) => {
    failed = error;
  };
  stream.once("error", onError);
  const waitForDrain = () =>
    new Promise<void>((resolve, reject) => {
      const done = () => {
        stream.removeListener("error", fail);
        resolve();
      };
      const fail = (error: Error) => {
        stream.removeListener("drain", done);
        reject(error);
      };
      stream.once("drain", done);
      stream.once("error", fail);
    });
  const policy: BatchPolicy = { maxItems: 1000, maxInFlight: 1, lingerMs: 50 };
  return {
    policy,
    async check(): Promise<CheckResult> {
      return { ok: true, details: ["events are written to stdout as NDJSON"] };
    },
    async plan(batch: readonly Envelope[]): Promise<PlannedAction[]> {
      return batch.map((envelope, index) => ({
        index,
        action: "write",
        destination: "stdout",
        preview: envelope.event,
      }));
    },
    async write(batch: readonly Envelope[]): Promise<WriteResult> {
      if (failed) throw new PluginError(`cannot write: ${failed.message}`, "stdout");
      try {
        if (!stream.write(encodeNdjson(batch))) await waitForDrain();
      } catch (error) {
        // A closed pipe (EPIPE) or a broken stream breaks the whole target.
        throw new PluginError(`cannot write: ${(error as Error).message}`, "stdout");
      }
      return { failures: [] };
    },
    async flush(): Promise<void> {
      // Resolves once everything written so far has left the stream's buffer.
      await new Promise<void>((resolve, reject) =>
        stream.write("", (error) =>
          error ? reject(new PluginError(`cannot write: ${error.message}`, "stdout")) : resolve(),
        ),
      );
    },
    async close(): Promise<void> {
      stream.removeListener("error", onError);
    },
  };
}
