/**
 * A FIFO queue with O(1) push and shift and waiters for "has items" and "has room", used
 * between the reader and each target lane. Bounded by the caller through {@link waitForRoom}.
 */
export class ItemQueue<T> {
  private items: T[] = [];
  private head = 0;
  private closed = false;
  private readonly itemWaiters: Array<() => void> = [];
  private readonly roomWaiters: Array<{ below: number; resolve: () => void }> = [];

  get length(): number {
    return this.items.length - this.head;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  push(item: T): void {
    this.items.push(item);
    this.wakeItems();
  }

  /** Takes up to `max` items (fewer when fewer are queued). */
  take(max: number): T[] {
    const end = Math.min(this.items.length, this.head + max);
    const out = this.items.slice(this.head, end);
    this.head = end;
    if (this.head > 4096 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    this.wakeRoom();
    return out;
  }

  /** Removes and returns everything queued. */
  takeAll(): T[] {
    return this.take(this.length);
  }

  /** Peeks at the item `offset` places from the head. */
  peek(offset: number): T | undefined {
    return this.items[this.head + offset];
  }

  /** No more pushes; wakes waiters. */
  close(): void {
    this.closed = true;
    this.wakeItems();
  }

  /** Resolves when at least `count` items are queued, the queue is closed, or `timeoutMs` passed. */
  waitForItems(count: number, timeoutMs?: number): Promise<void> {
    if (this.length >= count || this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const check = () => {
        if (this.length >= count || this.closed) {
          if (timer) clearTimeout(timer);
          resolve();
          return true;
        }
        return false;
      };
      const waiter = () => {
        if (!check()) this.itemWaiters.push(waiter);
      };
      this.itemWaiters.push(waiter);
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => {
          const i = this.itemWaiters.indexOf(waiter);
          if (i >= 0) this.itemWaiters.splice(i, 1);
          resolve();
        }, timeoutMs);
      }
    });
  }

  /** Resolves when fewer than `below` items are queued, or when `cancel` fires. */
  waitForRoom(below: number, cancel?: AbortSignal): Promise<void> {
    if (this.length < below || cancel?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const waiter = { below, resolve };
      this.roomWaiters.push(waiter);
      cancel?.addEventListener(
        "abort",
        () => {
          const i = this.roomWaiters.indexOf(waiter);
          if (i >= 0) this.roomWaiters.splice(i, 1);
          resolve();
        },
        { once: true },
      );
    });
  }

  private wakeItems(): void {
    const waiters = this.itemWaiters.splice(0);
    for (const waiter of waiters) waiter();
  }

  private wakeRoom(): void {
    for (let i = this.roomWaiters.length - 1; i >= 0; i--) {
      const waiter = this.roomWaiters[i]!;
      if (this.length < waiter.below) {
        this.roomWaiters.splice(i, 1);
        waiter.resolve();
      }
    }
  }
}
