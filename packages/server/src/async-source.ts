/**
 * The consumer side shared by the server's queued streams (a client's items for a handler, a
 * push stream for the client): an async iterable that waits for items, ends after the queued
 * ones, or fails at once.
 */
export abstract class AsyncSource<T> implements AsyncIterable<T> {
  protected ended = false;
  protected failure: unknown;
  private waiter: (() => void) | undefined;

  /** Whether an item is queued. */
  protected abstract ready(): boolean;

  /** Takes the next queued item (validated, when the source validates). */
  protected abstract take(): T | Promise<T>;

  /** Ends the iteration after the queued items. */
  end(): void {
    this.ended = true;
    this.wake();
  }

  /** Stops the iteration with an error, ahead of any queued item. */
  fail(error: unknown): void {
    if (this.failure === undefined) this.failure = error;
    this.ended = true;
    this.wake();
  }

  protected wake(): void {
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.();
  }

  private async next(): Promise<IteratorResult<T>> {
    for (;;) {
      if (this.failure !== undefined) throw this.failure;
      if (this.ready()) return { done: false, value: await this.take() };
      if (this.ended) return { done: true, value: undefined };
      await new Promise<void>((resolve) => {
        this.waiter = resolve;
      });
    }
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: () => this.next(),
      return: async () => {
        this.end();
        return { done: true, value: undefined };
      },
    };
  }
}
