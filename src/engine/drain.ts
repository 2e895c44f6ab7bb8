import { sleep } from "../util/backoff.ts";
import type { RunControl } from "./run-control.ts";
import type { TargetRunner } from "./target/target-runner.ts";

/**
 * Shutdown after the read ended: lanes write what is queued (or, when the run is stopping, only
 * finish the write in flight), within `deadlineMs` of the stop. When the deadline passes, the
 * writes still in flight are told to abort and their events are cancelled. Whatever is still
 * queued is cancelled. Every item ends settled: nothing is left uncounted.
 */
export async function drain(
  runners: readonly TargetRunner[],
  control: RunControl,
  deadlineMs: number,
): Promise<void> {
  const finishing = Promise.allSettled(runners.map((r) => r.finish())).then(() => true);
  const stopped = new Promise<void>((resolve) => {
    if (control.stop.signal.aborted) resolve();
    else control.stop.signal.addEventListener("abort", () => resolve(), { once: true });
  });
  const drained = await Promise.race([
    finishing,
    stopped.then(() => Promise.race([finishing, sleep(deadlineMs).then(() => false)])),
  ]);
  if (!drained) {
    control.deadline.abort();
    control.failFatal(
      `in-flight writes did not finish within ${deadlineMs} ms after the stop; they were cancelled`,
    );
    for (const runner of runners) runner.cancelInFlight();
  }
  for (const runner of runners) {
    runner.cancelQueued();
    runner.summarize();
  }
}
