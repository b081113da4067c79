import type { SlowConsumerPolicy } from '@switchboard/contract';
import { RpcError } from '@switchboard/protocol';
import { AsyncSource } from './async-source.js';
import { BoundedQueue, type Overflow } from './policy-queue.js';

/** What {@link PushStream.poll} returns when no item is queued. */
export const NOTHING: unique symbol = Symbol('switchboard.nothing');

/** What {@link PushStream.room} returns when there is room already: no promise per call. */
const ROOM: Promise<void> = Promise.resolve();

/**
 * A stream fed by pushes instead of a generator, for event sources (timers, emitters, brokers)
 * that cannot wait for the consumer. Items wait in a queue bounded by the stream's slow-consumer
 * policy; the server takes them as the client grants credit. Return it from a server-stream or
 * channel handler: `const out = push(); source.on('x', (v) => out.push(v)); return out;`. A
 * producer that can wait awaits {@link PushStream.room} instead of filling the queue.
 */
export class PushStream<T> extends AsyncSource<T> {
  private readonly queue: BoundedQueue<T>;
  /** The one pending promise of `room()`, its resolve, and the length it waits for. */
  private roomPromise: Promise<void> | undefined;
  private roomWaiter: (() => void) | undefined;
  private roomLimit = 0;

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
   * The default `limit` of {@link PushStream.room}: half the slow-consumer policy's size,
   * rounded down (512 under the default policy's 1024; 0 for `latest`).
   */
  get lowWater(): number {
    return Math.floor(this.queue.size / 2);
  }

  /**
   * Resolves when the producer may push again: at once when at most `limit` items are queued,
   * else when the client's takes bring the queue there, the way a Node stream's `'drain'` does. A
   * producer that waits for it before the queue is full never overflows a `queue` policy and never
   * loses items to a `drop-oldest` one.
   *
   * It never rejects for the stream's sake, and never hangs: it also resolves when the stream is
   * finished (ended by the producer, failed, or closed by the server because the client cancelled,
   * the call failed or the session ended; a session whose connection dropped keeps its streams
   * until it resumes or its resume window closes). After that {@link PushStream.push} returns
   * false, which is how the producer learns that it should stop. Callers waiting at once share one
   * promise, which resolves when the queue is at the lowest `limit` any of them asked for. Rejects
   * with a RangeError when `limit` is negative or not a number.
   *
   * @param limit - Queued items at or below which there is room; by default
   *   {@link PushStream.lowWater}, half the policy's size.
   * @example
   * ```ts
   * pushed: (input, { push }) => {
   *   const out = push();
   *   void (async () => {
   *     for await (const event of source) {
   *       if (!out.push(event)) return; // the stream is finished
   *       if (out.length >= 900) await out.room(); // resumes at 512 queued (of 1024)
   *     }
   *     out.end();
   *   })();
   *   return out;
   * },
   * ```
   */
  room(limit: number = this.lowWater): Promise<void> {
    if (!(limit >= 0)) return Promise.reject(new RangeError(`room(limit): limit must be 0 or more, got ${limit}`));
    if (this.ended || this.queue.length <= limit) return ROOM;
    if (this.roomPromise === undefined) {
      this.roomLimit = limit;
      this.roomPromise = new Promise((resolve) => {
        this.roomWaiter = resolve;
      });
    } else if (limit < this.roomLimit) this.roomLimit = limit;
    return this.roomPromise;
  }

  /** Ends the stream after the queued items; a producer waiting in `room()` resumes. */
  override end(): void {
    super.end();
    this.releaseRoom();
  }

  /** Fails the stream ahead of the queued items; a producer waiting in `room()` resumes. */
  override fail(error: unknown): void {
    super.fail(error);
    this.releaseRoom();
  }

  private releaseRoom(): void {
    const waiter = this.roomWaiter;
    if (waiter === undefined) return;
    this.roomWaiter = undefined;
    this.roomPromise = undefined;
    waiter();
  }

  /**
   * The next queued item at once, or {@link NOTHING} when none is queued or the stream failed:
   * the server (call/item-puller.ts) takes items this way while some wait, with no promise per
   * item, and waits through the iterator otherwise.
   */
  poll(): T | typeof NOTHING {
    if (this.failure !== undefined || this.queue.length === 0) return NOTHING;
    return this.take();
  }

  protected ready(): boolean {
    return this.queue.length > 0;
  }

  /** Takes the next queued item; a producer waiting in `room()` resumes once the queue is at its limit. */
  protected take(): T {
    const item = this.queue.shift() as T;
    if (this.roomWaiter !== undefined && this.queue.length <= this.roomLimit) this.releaseRoom();
    return item;
  }
}
