import type {
  BatchPolicy,
  CheckResult,
  Envelope,
  Host,
  OutputStream,
  PlannedAction,
  Target,
  WriteResult,
} from "../../src/sdk/index.ts";
import { PluginError } from "../../src/sdk/index.ts";
import { encodeNdjsonBytes } from "../file/ndjson-encode.ts";

/** Node-style streams (process.stdout, PassThrough) also report errors such as EPIPE. */
interface ErrorEmitter {
  on(event: "error", listener: (error: Error) => void): unknown;
  removeListener(event: "error", listener: (error: Error) => void): unknown;
}

function canReportErrors(stream: OutputStream): stream is OutputStream & ErrorEmitter {
  const candidate = stream as Partial<ErrorEmitter>;
  return typeof candidate.on === "function" && typeof candidate.removeListener === "function";
}

/**
 * A target writing each event as one NDJSON line to `stream`. One write per batch; when the
 * stream's buffer is full, `write` waits for it to drain, so a slow reader slows the run.
 *
 * A closed pipe (`| head`, EPIPE) is the reader saying "enough", not a failure: the target
 * throws `host.outputClosed(...)`, so the run ends normally (exit 0) with what was not written
 * counted as cancelled. Other stream errors break the target.
 */
export function createStdoutTarget(stream: OutputStream, host?: Pick<Host, "outputClosed">): Target {
  let failed: Error | undefined;
  let wake: (() => void) | undefined;
  const onError = (error: Error) => {
    failed = error;
    wake?.();
  };
  if (canReportErrors(stream)) stream.on("error", onError);
  /** Pending while the stream's buffer is full; settles on `drain` (or on an error). */
  let draining: Promise<void> | undefined;
  const waitForDrain = () =>
    new Promise<void>((resolve) => {
      wake = resolve;
      stream.once("drain", resolve);
    }).finally(() => {
      wake = undefined;
      draining = undefined;
    });
  const broken = (error: Error) =>
    (error as NodeJS.ErrnoException).code === "EPIPE" && host
      ? host.outputClosed("the reader of stdout closed the pipe")
      : new PluginError(`cannot write: ${error.message}`, "stdout");
  const policy: BatchPolicy = { maxItems: 1000, maxInFlight: 1, lingerMs: 50 };
  return {
    policy,
    sameKey: "sequential",
    // Lines are the envelopes' texts when they have them (ndjson-encode.ts).
    writesText: true,
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
      // A closed pipe (EPIPE) or a broken stream breaks the whole target.
      if (failed) throw broken(failed);
      if (draining) await draining;
      if (failed) throw broken(failed);
      if (!stream.write(encodeNdjsonBytes(batch))) {
        draining = waitForDrain();
        await draining;
      }
      if (failed) throw broken(failed);
      return { failures: [] };
    },
    async flush(): Promise<void> {
      if (draining) await draining;
      if (failed) throw broken(failed);
    },
    async close(): Promise<void> {
      if (canReportErrors(stream)) stream.removeListener("error", onError);
    },
  };
}
