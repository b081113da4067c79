import { type Schema, validate } from '@switchboard/contract';
import { RpcError } from '@switchboard/protocol';

/**
 * The items a client streams to a handler, as an async iterable. It grants credit as the handler
 * consumes (a window of `window` items ahead), so a slow handler slows the client, and validates
 * each item as it is taken.
 */
export class Inbound<T> implements AsyncIterable<T> {
  /** Items the client sent (DATA received). */
  received = 0;
  /** The credit limit granted so far. */
  granted: number;
  private consumed = 0;
  private readonly items: unknown[] = [];
  private head = 0;
  private ended = false;
  private failure: unknown;
  private waiter: (() => void) | undefined;

  constructor(
    private readonly schema: Schema | undefined,
    private readonly window: number,
    private readonly sendCredit: (limit: number) => void,
  ) {
    this.granted = window;
  }

  /** Adds an item from DATA. Returns false when it exceeds the granted credit (a violation). */
  push(item: unknown): boolean {
    if (this.ended) return true;
    if (this.received >= this.granted) return false;
    this.received++;
    this.items.push(item);
    this.wake();
    return true;
  }

  /** The client half-closed (END). */
  end(): void {
    this.ended = true;
    this.wake();
  }

  /** Stops the iteration with an error (cancel, session lost). */
  fail(error: unknown): void {
    if (this.failure === undefined) this.failure = error;
    this.ended = true;
    this.wake();
  }

  private wake(): void {
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.();
  }

  private async take(): Promise<IteratorResult<T>> {
    for (;;) {
      if (this.failure !== undefined) throw this.failure;
      if (this.head < this.items.length) {
        const raw = this.items[this.head];
        this.items[this.head++] = undefined;
        if (this.head > 256 && this.head * 2 > this.items.length) {
          this.items.splice(0, this.head);
          this.head = 0;
        }
        this.consumed++;
        if (this.consumed + this.window - this.granted >= this.window / 2) {
          this.granted = this.consumed + this.window;
          this.sendCredit(this.granted);
        }
        if (!this.schema) return { done: false, value: raw as T };
        let checked = validate(this.schema, raw);
        if (checked instanceof Promise) checked = await checked;
        if (!checked.ok) {
          throw new RpcError('INVALID_ARGUMENT', 'invalid stream item', { data: { issues: checked.issues } });
        }
        return { done: false, value: checked.value as T };
      }
      if (this.ended) return { done: true, value: undefined };
      await new Promise<void>((resolve) => {
        this.waiter = resolve;
      });
    }
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: () => this.take(),
      return: async () => {
        this.ended = true;
        return { done: true, value: undefined };
      },
    };
  }
}
