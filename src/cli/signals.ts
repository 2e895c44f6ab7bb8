/**
 * Interrupts for a run: Ctrl-C (SIGINT), SIGTERM (a job engine stopping a pod or a container)
 * and SIGHUP (a closed terminal) all stop the read and let in-flight writes finish, then the
 * report is written; the run exits 130, 143 or 129 (128 + the signal's number). A second signal
 * exits at once with the same code.
 */
const EXIT_CODES = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 } as const;
type Signal = keyof typeof EXIT_CODES;

/** Calls `run` with an abort signal that fires (its reason the signal's name) on the first signal. */
export async function withInterrupts<T>(
  say: (line: string) => void,
  run: (interrupt: AbortSignal) => Promise<T>,
): Promise<T> {
  const interrupt = new AbortController();
  const handlers = new Map<Signal, () => void>();
  for (const signal of Object.keys(EXIT_CODES) as Signal[]) {
    const handler = () => {
      if (interrupt.signal.aborted) process.exit(EXIT_CODES[signal]);
      say(
        `\ninterrupted (${signal}): stopping the read, letting in-flight writes finish (${signal === "SIGINT" ? "Ctrl-C" : signal} again to quit now)`,
      );
      interrupt.abort(signal);
    };
    handlers.set(signal, handler);
    process.on(signal, handler);
  }
  try {
    return await run(interrupt.signal);
  } finally {
    for (const [signal, handler] of handlers) process.off(signal, handler);
  }
}
