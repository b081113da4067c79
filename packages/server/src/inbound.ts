import { type Schema, type Validation, validate } from '@switchboard/contract';
import { RpcError } from '@switchboard/protocol';
import { AsyncSource } from './async-source.js';
import { fastSchema } from './compiled-schemas.js';

/**
 * The items a client streams to a handler, as an async iterable. It grants credit as the handler
 * consumes (a window of `window` items ahead), so a slow handler slows the client, and validates
 * each item as it is taken.
 */
export class Inbound<T> extends AsyncSource<T> {
  /** Items the client sent (DATA received). */
  received = 0;
  /** The credit limit granted so far. */
  granted: number;
  private consumed = 0;
  private readonly items: unknown[] = [];
  private head = 0;

  constructor(
    private readonly schema: Schema | undefined,
    private readonly window: number,
    /** The client frame during which the first CREDIT was granted: DATA in it came before any credit. */
    private readonly grantedInFrame: number,
    private readonly sendCredit: (limit: number) => void,
  ) {
    super();
    this.granted = window;
  }

  /**
   * Adds an item from DATA that arrived in client frame `frame`. Returns false when it exceeds the
   * granted credit (a violation), as DATA in the frame that opened the stream does: the client
   * sent it before the first CREDIT could reach it.
   */
  push(item: unknown, frame: number): boolean {
    if (this.ended) return true;
    if (frame === this.grantedInFrame || this.received >= this.granted) return false;
    this.received++;
    this.items.push(item);
    this.wake();
    return true;
  }

  protected ready(): boolean {
    return this.head < this.items.length;
  }

  protected take(): T | Promise<T> {
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
    if (!this.schema) return raw as T;
    const checked = validate(fastSchema(this.schema), raw);
    return checked instanceof Promise ? checked.then(accept<T>) : accept<T>(checked);
  }
}

function accept<T>(checked: Validation<unknown>): T {
  if (!checked.ok) throw new RpcError('INVALID_ARGUMENT', 'invalid stream item', { data: { issues: checked.issues } });
  return checked.value as T;
}
