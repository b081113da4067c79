import { topicChannel } from '@switchboard/contract';
import { RpcError } from '@switchboard/protocol';
import { BoundedQueue } from '../policy-queue.js';
import type { Delivery, TopicSink } from '../topics.js';
import type { ServerCall } from './call.js';

function itemOf(delivery: Delivery): unknown {
  return delivery.item;
}

/**
 * A topic subscription of a session: published items go out while the client's credit and the
 * socket allow, and otherwise wait in a queue bounded by the topic's slow-consumer policy, whose
 * overflow ends the subscription (SLOW_CONSUMER) or the connection (4002) as configured.
 */
export class Subscription implements TopicSink {
  private readonly queue: BoundedQueue<Delivery>;
  private unsubscribe: (() => void) | undefined;
  private draining = false;

  constructor(private readonly call: ServerCall) {
    const proc = call.bound.proc;
    const env = call.env;
    this.queue = new BoundedQueue<Delivery>(proc.kind === 'topic' ? proc.policy : undefined, itemOf, () =>
      env.countDrop(call),
    );
  }

  /** Items waiting for credit or for the socket. */
  get queued(): number {
    return this.queue.length;
  }

  /** Items dropped or conflated under the policy. */
  get dropped(): number {
    return this.queue.dropped;
  }

  /** Starts receiving the channel's items; false when the session already subscribes to it. */
  listen(channel: string): boolean {
    this.unsubscribe = this.call.host.subscribeTopic(channel, this);
    return this.unsubscribe !== undefined;
  }

  /** The call ended: receive nothing more. */
  end(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  /** A topic item: sent at once when credit and the socket allow, else queued by policy. */
  deliver(delivery: Delivery): void {
    const call = this.call;
    if (call.done) return;
    const queue = this.queue;
    if (queue.length === 0 && call.sent < call.limit && call.host.writable() === undefined) {
      call.itemSent();
      call.host.pushDelivery(delivery);
      return;
    }
    const overflow = queue.add(delivery);
    if (overflow) call.env.countSlowConsumer();
    if (overflow === 'error') call.fail(new RpcError('SLOW_CONSUMER', 'the subscription queue overflowed'));
    else if (overflow === 'close') call.host.closeSlowConsumer();
    else if (queue.length === 1) this.scheduleDrain();
  }

  private scheduleDrain(): void {
    if (this.draining) return;
    const room = this.call.host.writable();
    if (!room) return;
    this.draining = true;
    void room.then(() => {
      this.draining = false;
      this.drain();
    });
  }

  /** Sends queued items while credit and the socket allow (more credit arrived, or the socket drained). */
  drain(): void {
    const call = this.call;
    const queue = this.queue;
    while (!call.done && queue.length > 0 && call.sent < call.limit) {
      if (call.host.writable() !== undefined) {
        this.scheduleDrain();
        return;
      }
      const delivery = queue.shift() as Delivery;
      call.itemSent();
      call.host.pushDelivery(delivery);
    }
  }
}

/** Subscribes a topic call to its channel (the path, and the input's key if any). */
export function subscribe(call: ServerCall, input: { key?: unknown }): void {
  if (typeof input !== 'object' || input === null || (input.key !== undefined && typeof input.key !== 'string')) {
    throw new RpcError('INVALID_ARGUMENT', 'topic input must be { key?: string }');
  }
  const subscription = new Subscription(call);
  call.subscription = subscription;
  if (!subscription.listen(topicChannel(call.bound.path, input.key))) {
    call.subscription = undefined;
    throw new RpcError('FAILED_PRECONDITION', 'this channel is already subscribed in this session');
  }
}
