import type { RpcError } from '@switchboard/protocol';
import { type ArrivalValidator, checkArrival } from './arrivals.js';
import type { ClientCall } from './call.js';

/** The object behind every call a client returns; the types show each kind only its part. */
export class CallHandle {
  readonly #call: ClientCall;
  readonly #validator: ArrivalValidator | undefined;
  /** A topic subscriber's position, which its group keeps (topic-group.ts). */
  readonly #where: (() => string | undefined) | undefined;

  constructor(call: ClientCall, validator?: ArrivalValidator, where?: () => string | undefined) {
    this.#call = call;
    this.#validator = validator;
    this.#where = where;
  }
  get position(): string | undefined {
    return this.#where === undefined ? this.#call.position : this.#where();
  }
  /** The call's result, checked when the client validates arrivals. */
  #result(): Promise<unknown> {
    const validator = this.#validator;
    const result = this.#call.result();
    return validator ? result.then((value) => checkArrival(validator, this.#call.path, 'output', value)) : result;
  }
  // biome-ignore lint/suspicious/noThenProperty: a call's handle is awaitable by design (Pending<T>).
  then<A, B>(
    onFulfilled?: (value: unknown) => A | PromiseLike<A>,
    onRejected?: (reason: unknown) => B | PromiseLike<B>,
  ): Promise<A | B> {
    return this.#result().then(onFulfilled, onRejected);
  }
  catch<B>(onRejected?: (reason: unknown) => B | PromiseLike<B>): Promise<unknown> {
    return this.#result().catch(onRejected);
  }
  finally(onFinally?: () => void): Promise<unknown> {
    return this.#result().finally(onFinally);
  }
  cancel(): void {
    this.#call.cancel();
  }
  send(item: unknown): Promise<void> {
    return this.#call.send(item);
  }
  end(): this {
    this.#call.close();
    return this;
  }
  pipe(source: AsyncIterable<unknown> | Iterable<unknown>): this {
    const call = this.#call;
    void (async () => {
      try {
        for await (const item of source) {
          if (call.done) return;
          await call.send(item);
        }
        call.close();
      } catch (error) {
        if (!call.done) call.cancel(error as never);
      }
    })();
    return this;
  }
  forEach(onItem: (item: unknown) => void): Promise<void> {
    const validator = this.#validator;
    if (!validator) return this.#call.forEach(onItem);
    // What onItem throws cancels the stream and rejects forEach: so does an item that fails.
    return this.#call.forEach((item) => {
      onItem(checkArrival(validator, this.#call.path, 'item', item));
    });
  }
  [Symbol.asyncIterator](): AsyncIterator<unknown> {
    const call = this.#call;
    const validator = this.#validator;
    const checked = (next: IteratorResult<unknown>): IteratorResult<unknown> => {
      if (next.done || !validator) return next;
      try {
        return { done: false, value: checkArrival(validator, call.path, 'item', next.value) };
      } catch (error) {
        call.cancel(error as RpcError);
        throw error;
      }
    };
    return {
      next: () => (validator ? call.nextItem().then(checked) : call.nextItem()),
      return: async () => {
        call.cancel();
        return { done: true, value: undefined };
      },
    };
  }
}
