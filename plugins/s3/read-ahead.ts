/**
 * Reading a few objects ahead, bounded in bytes, with their order kept.
 *
 * Parsing is the slow part of a read (the file source's figures: ~3 µs per event), so while one
 * object is parsed the next few are already being fetched: each {@link Prefetch} pulls its
 * object's bytes into a queue until the queue holds its share of the byte budget, then waits
 * until the parser takes from it (TCP flow control holds the rest on the server). Objects are
 * handed to the parser strictly in list order, so the order is the listing's whatever finishes
 * first, and memory is at most the budget plus the chunks in hand.
 *
 * @module
 */

/** Bytes of one object, fetched ahead of the reader. */
export class Prefetch {
  private readonly queue: Uint8Array[] = [];
  private queued = 0;
  private finished = false;
  private failure: { error: unknown } | undefined;
  private cancelled = false;
  private wakeReader: (() => void) | undefined;
  private wakePump: (() => void) | undefined;
  private readonly pumping: Promise<void>;

  /** Starts pulling `source` at once, keeping at most about `limitBytes` queued. */
  constructor(
    source: AsyncIterable<Uint8Array>,
    private readonly limitBytes: number,
  ) {
    this.pumping = this.pump(source);
  }

  private async pump(source: AsyncIterable<Uint8Array>): Promise<void> {
    try {
      for await (const chunk of source) {
        if (this.cancelled) break;
        this.queue.push(chunk);
        this.queued += chunk.length;
        this.wake();
        while (this.queued >= this.limitBytes && !this.cancelled) {
          await new Promise<void>((resolve) => {
            this.wakePump = resolve;
          });
        }
        if (this.cancelled) break;
      }
    } catch (error) {
      this.failure = { error };
    } finally {
      this.finished = true;
      this.wake();
    }
  }

  private wake(): void {
    const wake = this.wakeReader;
    this.wakeReader = undefined;
    wake?.();
  }

  /** The object's bytes, in order. A failure of the fetch is thrown here, where it is read. */
  async *bytes(): AsyncGenerator<Uint8Array> {
    try {
      for (;;) {
        const chunk = this.queue.shift();
        if (chunk !== undefined) {
          this.queued -= chunk.length;
          const wake = this.wakePump;
          this.wakePump = undefined;
          wake?.();
          yield chunk;
          continue;
        }
        if (this.finished) {
          if (this.failure) throw this.failure.error;
          return;
        }
        await new Promise<void>((resolve) => {
          this.wakeReader = resolve;
        });
      }
    } finally {
      await this.cancel();
    }
  }

  /** Stops fetching (closing the HTTP stream) and drops what was queued. */
  async cancel(): Promise<void> {
    if (!this.cancelled) {
      this.cancelled = true;
      const wake = this.wakePump;
      this.wakePump = undefined;
      wake?.();
      this.queue.length = 0;
      this.queued = 0;
    }
    await this.pumping;
  }
}

/**
 * Maps `items` to prefetched values, keeping up to `ahead` started beyond the one being
 * consumed, and yields them in order. `start` begins the work for one item (an open and a
 * {@link Prefetch}); `stop` releases one that will never be consumed (when the caller stops early).
 */
export async function* inOrderAhead<I, P>(
  items: AsyncIterable<I>,
  ahead: number,
  start: (item: I) => P,
  stop: (started: P) => Promise<void>,
): AsyncGenerator<{ item: I; started: P }> {
  const window: Array<{ item: I; started: P }> = [];
  const iterator = items[Symbol.asyncIterator]();
  let exhausted = false;
  const fill = async () => {
    while (!exhausted && window.length <= ahead) {
      const next = await iterator.next();
      if (next.done) {
        exhausted = true;
        return;
      }
      window.push({ item: next.value, started: start(next.value) });
    }
  };
  try {
    for (;;) {
      await fill();
      const head = window.shift();
      if (head === undefined) return;
      yield head;
    }
  } finally {
    await Promise.allSettled(window.map((entry) => stop(entry.started)));
    if (!exhausted) await iterator.return?.();
  }
}
