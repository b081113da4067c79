import { topicChannel } from '@switchboard/contract';
import { msg, RpcError } from '@switchboard/protocol';
import type { HistoryItem, HistoryRead } from '../broker.js';
import { BoundedQueue } from '../policy-queue.js';
import type { Position } from '../position.js';
import { parsePosition } from '../position.js';
import { Delivery, type TopicSink } from '../topics.js';
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
  /** Live items that arrive while the history is read: delivered after it, without duplicates. */
  private held: Delivery[] | undefined;
  /**
   * After the history: the last position it delivered. Live items up to it are dropped (the
   * history read may answer before pub/sub brings the same items), until one beyond it arrives.
   */
  private floor: Position | undefined;
  /** The history's items not yet sent: they go before anything queued. */
  private backlog: { readonly channel: string; readonly items: readonly HistoryItem[]; next: number } | undefined;

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

  /**
   * Starts receiving the channel's items; false when the session already subscribes to it. When
   * the broker keeps positions, the live items wait until its history after `since` is read:
   * SUBSCRIBED goes first, then the missed items, then the live ones the history did not hold.
   */
  listen(channel: string, since: string | undefined): boolean {
    const hub = this.call.env.hub;
    if (since !== undefined && !hub.keepsHistory)
      throw new RpcError('FAILED_PRECONDITION', "this server's broker keeps no topic history: since is not supported");
    this.unsubscribe = this.call.host.subscribeTopic(channel, this);
    if (this.unsubscribe === undefined) return false;
    if (!hub.keepsHistory) return true;
    this.held = [];
    let read: HistoryRead | Promise<HistoryRead> | undefined;
    try {
      read = hub.history(channel, since);
    } catch (error) {
      this.end();
      throw error;
    }
    if (read instanceof Promise)
      read.then(
        (history) => this.start(channel, history),
        (error: unknown) => this.call.fail(error),
      );
    else if (read !== undefined) this.start(channel, read);
    return true;
  }

  /** The history is read: SUBSCRIBED, the missed items, then the live items held meanwhile. */
  private start(channel: string, history: HistoryRead): void {
    const held = this.held ?? [];
    this.held = undefined;
    const call = this.call;
    if (call.done) return;
    call.host.push(msg.subscribed(call.id, history.position));
    const items = history.items;
    const last = items[items.length - 1];
    this.floor = parsePosition(last === undefined ? history.position : last.position);
    // The missed items go out as credit allows, ahead of the live ones (which queue by policy
    // meanwhile): a long history is neither held twice nor counted against the queue's bound.
    if (last !== undefined) {
      this.backlog = { channel, items, next: 0 };
      this.drain();
    }
    for (const delivery of held) this.deliver(delivery);
  }

  interrupt(error: RpcError): void {
    this.call.fail(error);
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
    if (this.held !== undefined) {
      this.held.push(delivery);
      return;
    }
    const floor = this.floor;
    if (floor !== undefined) {
      // An item the history already delivered, or one from before the position the
      // subscription starts at, is not delivered twice.
      const at = delivery.at;
      if (at !== null && at.epoch === floor.epoch && at.offset <= floor.offset) return;
      this.floor = undefined;
    }
    this.send(delivery);
  }

  /** Sends `delivery` at once when credit and the socket allow, else queues it by policy. */
  private send(delivery: Delivery): void {
    const call = this.call;
    const queue = this.queue;
    if (
      queue.length === 0 &&
      this.backlog === undefined &&
      call.sent < call.limit &&
      call.host.writable() === undefined
    ) {
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

  /**
   * Sends the history's items, then queued ones, while credit and the socket allow (more credit
   * arrived, or the socket drained).
   */
  drain(): void {
    const call = this.call;
    const queue = this.queue;
    while (!call.done && (this.backlog !== undefined || queue.length > 0) && call.sent < call.limit) {
      if (call.host.writable() !== undefined) {
        this.scheduleDrain();
        return;
      }
      call.itemSent();
      call.host.pushDelivery(this.backlog === undefined ? (queue.shift() as Delivery) : this.nextMissed(this.backlog));
    }
  }

  private nextMissed(backlog: {
    readonly channel: string;
    readonly items: readonly HistoryItem[];
    next: number;
  }): Delivery {
    const { item, position } = backlog.items[backlog.next++] as HistoryItem;
    if (backlog.next === backlog.items.length) this.backlog = undefined;
    return new Delivery(backlog.channel, item, position);
  }
}

/** What a topic subscription's CALL carries. */
export interface TopicCallInput {
  readonly key?: unknown;
  readonly since?: unknown;
}

/**
 * Subscribes a topic call to its channel (the path, and the input's key if any), continuing
 * after the input's `since` when it names one.
 */
export function subscribe(call: ServerCall, input: TopicCallInput): void {
  if (
    typeof input !== 'object' ||
    input === null ||
    (input.key !== undefined && typeof input.key !== 'string') ||
    (input.since !== undefined && input.since !== null && typeof input.since !== 'string')
  ) {
    throw new RpcError('INVALID_ARGUMENT', 'topic input must be { key?: string, since?: string }');
  }
  const subscription = new Subscription(call);
  call.subscription = subscription;
  const since = typeof input.since === 'string' ? input.since : undefined;
  if (!subscription.listen(topicChannel(call.bound.path, input.key), since)) {
    call.subscription = undefined;
    throw new RpcError('FAILED_PRECONDITION', 'this channel is already subscribed in this session');
  }
}
