import type { RetryOptions } from "../sdk/index.ts";

/**
 * Delay before retry number `attempt` (1 = first retry): exponential backoff with full jitter
 * (AWS Architecture Blog, "Exponential Backoff And Jitter"), so parallel lanes that were
 * throttled together do not retry together.
 */
export function backoffDelay(attempt: number, baseDelayMs = 100, maxDelayMs = 20_000): number {
  const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(Math.random() * ceiling);
}

/** Sleeps `ms`, resolving early when `signal` fires. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0 || signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

/** Calls `fn` until it resolves or attempts run out; see {@link RetryOptions}. */
export async function retry<T>(
  fn: (attempt: number) => Promise<T>,
  options: RetryOptions = {},
  signal?: AbortSignal,
): Promise<T> {
  const attempts = options.attempts ?? 8;
  const isRetryable = options.isRetryable ?? (() => false);
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (error) {
      if (attempt >= attempts || !isRetryable(error) || signal?.aborted) throw error;
      await sleep(backoffDelay(attempt, options.baseDelayMs, options.maxDelayMs), signal);
    }
  }
}
