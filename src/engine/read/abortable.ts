/**
 * Iterates `source` until it ends or `signal` fires, whichever is first. A source waiting for
 * input that may never come (stdin with no writer, a stalled network read) would otherwise keep
 * the run from stopping on Ctrl-C: the pending `next()` is abandoned, and the source is asked
 * to `return()` (its `finally` blocks run when it next resumes).
 *
 * Memory: each `next()` races a promise of its own, whose abort listener is removed as soon as
 * the batch arrives. Racing every `next()` against one promise that stays pending for the whole
 * run would add a reaction to it per batch, each keeping that batch reachable until the run
 * ends (seen: 920 MiB for 300k events instead of 176 MiB).
 */
export async function* abortable<T>(source: AsyncIterable<T>, signal: AbortSignal): AsyncGenerator<T> {
  const iterator = source[Symbol.asyncIterator]();
  let finished = false;
  try {
    while (!signal.aborted) {
      const next = await nextOrAbort(iterator, signal);
      if (next === ABORTED) return;
      if (next.done) {
        finished = true;
        return;
      }
      yield next.value;
    }
  } finally {
    // Not awaited: a source blocked inside `next()` only runs its cleanup once that resolves.
    if (!finished) void iterator.return?.()?.catch(() => {});
  }
}

const ABORTED = Symbol("aborted");

function nextOrAbort<T>(
  iterator: AsyncIterator<T>,
  signal: AbortSignal,
): Promise<IteratorResult<T> | typeof ABORTED> {
  return new Promise((resolve, reject) => {
    const onAbort = () => resolve(ABORTED);
    signal.addEventListener("abort", onAbort, { once: true });
    iterator.next().then(
      (result) => {
        signal.removeEventListener("abort", onAbort);
        resolve(result);
      },
      (error) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}
