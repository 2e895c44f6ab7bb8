/**
 * Iterates `source` until it ends or `signal` fires, whichever is first. A source waiting for
 * input that may never come (stdin with no writer, a stalled network read) would otherwise keep
 * the run from stopping on Ctrl-C: the pending `next()` is abandoned, and the source is asked
 * to `return()` (its `finally` blocks run when it next resumes).
 */
export async function* abortable<T>(source: AsyncIterable<T>, signal: AbortSignal): AsyncGenerator<T> {
  const iterator = source[Symbol.asyncIterator]();
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<"aborted">((resolve) => {
    onAbort = () => resolve("aborted");
    if (signal.aborted) resolve("aborted");
    else signal.addEventListener("abort", onAbort, { once: true });
  });
  let finished = false;
  try {
    while (true) {
      const next = await Promise.race([iterator.next(), aborted]);
      if (next === "aborted") return;
      if (next.done) {
        finished = true;
        return;
      }
      yield next.value;
      if (signal.aborted) return;
    }
  } finally {
    if (onAbort) signal.removeEventListener("abort", onAbort);
    // Not awaited: a source blocked inside `next()` only runs its cleanup once that resolves.
    if (!finished) void iterator.return?.()?.catch(() => {});
  }
}
