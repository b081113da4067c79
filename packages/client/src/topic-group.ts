import type { RpcError } from '@switchboard/protocol';
import type { CallHost, ClientCall, Outcome } from './call.js';
import type { NONE } from './item-queue.js';
import type { SharedSubscription } from './topics.js';

// Loaded with the first topic subscription (topics.ts), in a chunk of its own in a browser bundle.
// It imports nothing at run time: what it needs of the entry's modules comes in a GroupKit. Were
// it to import modules the entry imports too, a bundler would move those into a chunk shared by
// both, loaded at start (docs/performance.md, "Browser bundle").

/** What a group uses of the entry's modules, handed over when it is loaded. */
export interface GroupKit {
  readonly ClientCall: typeof ClientCall;
  readonly NONE: typeof NONE;
}

/**
 * A subscriber's call host (topics.ts): it sends nothing itself (its CALL stays with the group,
 * whose one subscription goes to the server) and ignores everything until the subscriber joins
 * its group, which then takes its credit and its leaving (see {@link TopicGroup.join}).
 */
export interface SubscriberHost extends CallHost {
  grant(id: number, limit: number): void;
  cancel(id: number): void;
  finished(call: ClientCall): void;
}

/**
 * A channel's subscription, started with its first subscriber before its group has loaded
 * (topics.ts), so that its CALL goes out before the calls made after it; the group takes it over.
 */
export interface StartedSubscription {
  readonly source: ClientCall;
  /** The positions of the items it kept before the group took over, in order. */
  readonly kept: Array<string | undefined>;
  /** Subscribers still waiting for the group's code: until they joined, the group hands nothing on. */
  waiting: number;
}

/** What a group needs from the connection: a host for its one subscription, and a way to start it. */
export interface GroupConnection extends CallHost {
  start(call: ClientCall): void;
}

/**
 * Joins `view` (with its `host`) to the group of `started`, its channel's subscription, which the
 * first subscriber to join makes: what topics.ts does once this module has loaded. `groups` holds
 * the client's subscriptions by channel; the group leaves it when it closes.
 */
export function joinGroup(
  kit: GroupKit,
  connection: GroupConnection,
  groups: Map<string, SharedSubscription>,
  path: string,
  input: unknown,
  channel: string,
  started: SharedSubscription,
  view: ClientCall,
  host: SubscriberHost,
): void {
  started.waiting--;
  started.group ??= new TopicGroup(kit, connection, path, input, channel, started, () => {
    if (groups.get(channel) === started) groups.delete(channel);
  });
  started.group.join(view, host);
}

/** One local subscriber: how many items the group handed it, and how many it may hold. */
interface Member {
  readonly view: ClientCall;
  delivered: number;
  granted: number;
  /** The position of the last item handed to it. */
  position: string | undefined;
}

/** First wait before a subscription continues after UNAVAILABLE, in ms; it doubles up to the cap. */
const UNAVAILABLE_DELAY_MS = 50;
/** Longest wait before a subscription continues after UNAVAILABLE, in ms. */
const UNAVAILABLE_MAX_DELAY_MS = 5000;

/**
 * Several local subscribers of one topic channel on one client, fed by one subscription: a
 * session holds at most one subscription per channel (protocol.md 3.12), so the second
 * `client.news({ key })` joins the first one's instead of opening another.
 *
 * Each subscriber is a call of its own (its own iterator or `forEach`, signal, deadline and
 * cancel) whose credit the group keeps: the group takes an item from the subscription only when
 * every subscriber has room for it, so the server sees the pace of the slowest one and applies
 * the topic's slow-consumer policy to it, and no subscriber buffers more than the credit window.
 * A subscriber that joins later gets the items taken from then on. The subscription is cancelled
 * when its last subscriber leaves; when it ends or fails, every subscriber ends or fails alike.
 */
export class TopicGroup {
  /** The subscription; replaced by one `since` its position when the session is lost. */
  private source: ClientCall;
  // Replaced, never changed in place, so a delivery loop keeps its array when one leaves or joins.
  private members: readonly Member[] = [];
  private pumping = false;
  /** The positions of the items the subscription keeps (`takeNow` hands them in this order). */
  private kept: Array<string | undefined> = [];
  /** The position of the last item handed to the subscribers. */
  private last: string | undefined;
  /** Continuations after UNAVAILABLE since the last item: the next waits longer. */
  private unavailable = 0;
  /** No subscriber left, or the subscription ended: a new subscriber needs a new group. */
  closed = false;

  constructor(
    private readonly kit: GroupKit,
    private readonly connection: GroupConnection,
    readonly path: string,
    private readonly input: unknown,
    private readonly channel: string,
    /** The subscription the first subscriber started, which the group takes over. */
    private readonly started: StartedSubscription,
    private readonly onClosed: (group: TopicGroup) => void,
  ) {
    this.source = this.watched(started.source);
    this.kept = started.kept;
  }

  private subscription(input: unknown): ClientCall {
    return this.watched(
      new this.kit.ClientCall(this.connection, this.path, input, undefined, this.channel, {}, undefined),
    );
  }

  private watched(source: ClientCall): ClientCall {
    source.watch(
      (item) => this.offer(item, source),
      () => {
        // Called once per item the subscription keeps, and once when it settles.
        if (source === this.source && source.settled === undefined) this.kept.push(source.position);
        this.pump();
      },
    );
    return source;
  }

  /**
   * After its session was lost, or moved to another server without it (SESSION_MOVED), or when the
   * server's live feed was interrupted (a retryable UNAVAILABLE), a subscription whose server told its position continues `since` it (on
   * whichever server the client reached), so the subscribers neither miss nor repeat an item;
   * when the history no longer reaches back that far, they fail with HISTORY_LOST, whose
   * `data.position` is where the history resumes. Without a position they fail as the
   * subscription did. After UNAVAILABLE it waits, longer each time until an item arrives.
   */
  private continued(error: RpcError): boolean {
    const since = this.source.position;
    if (since === undefined || this.members.length === 0) return false;
    // SESSION_MOVED: the session went on elsewhere without the subscription (it does not move).
    const lost = error.code === 'SESSION_LOST' || error.code === 'SESSION_MOVED';
    if (!lost && !(error.code === 'UNAVAILABLE' && error.retryable)) return false;
    const base = typeof this.input === 'object' && this.input !== null ? this.input : {};
    this.kept = [];
    const source = this.subscription({ ...base, since });
    this.source = source;
    // After this turn: the settling subscription still holds its channel until its settlement
    // finished, and a continuation started now would not be given the channel's PUBs.
    if (lost) queueMicrotask(() => this.connection.start(source));
    else {
      const delay = Math.min(UNAVAILABLE_MAX_DELAY_MS, UNAVAILABLE_DELAY_MS * 2 ** this.unavailable++);
      setTimeout(() => this.connection.start(source), delay);
    }
    return true;
  }

  /**
   * Joins `view`, a subscriber's call made on `host` (topics.ts), with its own options; the
   * subscription starts with the first. A subscriber's call talks only to the group: its CALL
   * (and an END, were it to half-close) stays here, its credit paces the group, its cancel makes
   * it leave. A view already done never joins; if no other subscriber has joined or waits to,
   * the subscription is cancelled.
   */
  join(view: ClientCall, host: SubscriberHost): void {
    if (this.closed) {
      // The subscription ended while this subscriber waited for the group: it ends alike.
      const outcome = this.source.settled as Outcome;
      if (outcome.ok) view.end(outcome.value);
      else view.fail(outcome.error);
      return;
    }
    if (view.done) {
      if (this.members.length === 0 && this.started.waiting === 0) this.leave(view, true);
      return;
    }
    // Opening grants the subscriber one credit window, as its CALL would carry.
    const member: Member = { view, delivered: 0, granted: this.connection.creditWindow, position: this.last };
    host.grant = (_id, limit) => {
      member.granted = limit;
      this.pump();
    };
    host.cancel = host.finished = () => this.leave(view);
    this.members = [...this.members, member];
    view.open(0);
    this.pump();
  }

  /**
   * Where `view` stands in the channel: the position of the last item handed to it, else the
   * one its subscription started at (SUBSCRIBED); undefined without a broker that keeps positions.
   */
  positionOf(view: ClientCall): string | undefined {
    const member = this.members.find((candidate) => candidate.view === view);
    const position = member?.position ?? this.last;
    if (position !== undefined) return position;
    return this.kept.length === 0 ? this.source.position : undefined;
  }

  /** Whether every subscriber has room for one more item. */
  private hasRoom(): boolean {
    const members = this.members;
    for (let i = 0; i < members.length; i++) {
      const member = members[i] as Member;
      if (member.delivered >= member.granted) return false;
    }
    return true;
  }

  /** Hands `item` to every subscriber; one that leaves meanwhile (its call is done) is skipped. */
  private deliver(item: unknown, position: string | undefined): void {
    this.last = position;
    this.unavailable = 0;
    const members = this.members;
    for (let i = 0; i < members.length; i++) {
      const member = members[i] as Member;
      if (member.view.done) continue;
      member.delivered++;
      member.position = position;
      member.view.item(item);
    }
  }

  /**
   * An item as it arrives, with nothing kept before it: taken when every subscriber has room,
   * else the subscription keeps it. A subscriber's delivery may re-enter `pump`, which finds
   * nothing kept and returns.
   */
  private offer(item: unknown, source: ClientCall): boolean {
    // While a subscriber waits to join, items wait too: it is owed them as the others are.
    if (source !== this.source || this.started.waiting > 0) return false;
    const members = this.members;
    if (members.length === 1) {
      // The common case, one subscriber: no loops.
      const member = members[0] as Member;
      if (member.delivered >= member.granted || this.closed) return false;
      member.delivered++;
      this.last = member.position = source.position;
      this.unavailable = 0;
      member.view.item(item);
      return true;
    }
    if (this.closed || !this.hasRoom()) return false;
    this.deliver(item, source.position);
    return true;
  }

  /** Hands kept items on while every subscriber has room, then the subscription's end; nothing while one waits to join. */
  private pump(): void {
    if (this.pumping || this.closed || this.started.waiting > 0) return;
    this.pumping = true;
    try {
      while (this.source.buffered > 0) {
        if (!this.hasRoom()) return;
        const item = this.source.takeNow();
        if (item === this.kit.NONE) break;
        this.deliver(item, this.kept.shift());
      }
      const outcome = this.source.settled;
      if (outcome === undefined) return;
      if (!outcome.ok && this.continued(outcome.error)) return;
      this.close();
      for (const { view } of this.members) {
        if (outcome.ok) view.end(outcome.value);
        else view.fail(outcome.error);
      }
    } finally {
      this.pumping = false;
    }
  }

  private leave(view: ClientCall, last = false): void {
    const members = this.members.filter((member) => member.view !== view);
    if (members.length === this.members.length && !last) return;
    this.members = members;
    if (members.length === 0 && this.started.waiting === 0) {
      this.close();
      this.source.cancel();
    } else this.pump();
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    this.onClosed(this);
  }
}
