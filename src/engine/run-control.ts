/** The signals a run can be interrupted by, as named in `RunIO.interrupt`'s reason. */
export type InterruptSignal = "SIGINT" | "SIGTERM" | "SIGHUP";

/**
 * The run's stop switches and the reasons it ended, shared by the stages. Three switches, from
 * gentlest to hardest:
 * - `stopReading`: the read ends (invalid input, `--limit`, an output closed); what was read
 *   before is still written.
 * - `stop`: no new work anywhere (interrupt, a broken target): lanes finish their current write,
 *   retries give up, queued events are cancelled.
 * - `deadline`: the drain deadline after a stop passed: in-flight writes are told to abort.
 */
export class RunControl {
  readonly stop = new AbortController();
  readonly stopReading = new AbortController();
  readonly deadline = new AbortController();
  interruptedBy: InterruptSignal | undefined;
  fatal: string | undefined;
  outputClosed: string | undefined;

  constructor() {
    this.stop.signal.addEventListener("abort", () => this.stopReading.abort(), { once: true });
  }

  /** Ctrl-C, SIGTERM or SIGHUP: stop reading, drain in-flight writes, report. */
  interrupt(signal: unknown): void {
    this.interruptedBy ??= signal === "SIGTERM" || signal === "SIGHUP" ? signal : "SIGINT";
    this.stop.abort();
  }

  /** Something broke: stop everything, keeping the first reason. */
  failFatal(message: string): void {
    this.fatal ??= message;
    this.stop.abort();
  }

  /** The read must end here (invalid input), but what was read is still written. */
  endRead(message: string): void {
    this.fatal ??= message;
    this.stopReading.abort();
  }

  /** A target's output went away (a closed pipe): stop reading; a normal end. */
  closeOutput(message: string): void {
    this.outputClosed ??= message;
    this.stopReading.abort();
  }
}
