import type { SlowConsumerPolicy } from '@switchboard/contract';
import { RpcError } from '@switchboard/protocol';
import { AsyncSource } from './async-source.js';
import { BoundedQueue, type Overflow } from './policy-queue.js';

/** What {@link PushStream.poll} returns when no item is queued. */
export const NOTHING: unique symbol = Symbol('switchboard.nothing');

/**
 * A stream fed by pushes instead of a generator, for event sources (timers, emitters, brokers)
 * that cannot wait for the consumer. Items wait in a queue bounded by the stream's slow-consumer
 * policy; the server takes them as the client grants credit. Return it from a server-stream or
 * channel handler: `const out = push(); source.on('x', (v) => out.push(v)); return out;`.
 */
export class PushStream<T> extends AsyncSource<T> {
  private readonly queue: BoundedQueue<T>;

  constructor(
    policy: SlowConsumerPolicy | undefined,
    private readonly onOverflow: (action: Overflow) => void = () => undefined,
    onDrop?: () => void,
  ) {
    super();
    this.queue = new BoundedQueue<T>(policy, undefined, onDrop);
  }

  /** Items dropped or conflated by the policy so far. */
  get dropped(): number {
    return this.queue.dropped;
  }

  /** Items waiting for the consumer. */
  get length(): number {
    return this.queue.length;
  }

  /**
   * Adds an item. Returns false when the stream is finished or a `queue` policy overflowed (the
   * stream then fails with SLOW_CONSUMER, or the connection closes with 4002, as configured).
   */
  push(item: T): boolean {
    if (this.ended) return false;
    const overflow = this.queue.add(item);
    if (overflow) {
      this.fail(new RpcError('SLOW_CONSUMER', 'the client did not keep up with this stream'));
      this.onOverflow(overflow);
      return false;
    }
    this.wake();
    return true;
  }

  /**
   * The next queued item at once, or {@link NOTHING} when none is queued or the stream failed:
   * the server's pump takes items this way while some wait, with no promise per item, and waits
   * through the iterator otherwise.
   */
  poll(): T | typeof NOTHING {
    if (this.failure !== undefined || this.queue.length === 0) return NOTHING;
    return this.queue.shift() as T;
  }

  protected ready(): boolean {
    return this.queue.length > 0;
  }

  protected take(): T {
    return this.queue.shift() as T;
  }
}
