import type { Message } from '@switchboard/protocol';
import { type CallHost, type CallOptions, ClientCall, NONE } from './call.js';

/** What a group needs from the connection: a host for its one subscription, and a way to start it. */
export interface GroupConnection extends CallHost {
  start(call: ClientCall): void;
}

/** One local subscriber: how many items the group handed it, and how many it may hold. */
interface Member {
  delivered: number;
  granted: number;
}

const NO_OPTIONS: CallOptions = Object.freeze({});

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
  private readonly source: ClientCall;
  private readonly members = new Map<ClientCall, Member>();
  private pumping = false;
  /** No subscriber left, or the subscription ended: a new subscriber needs a new group. */
  closed = false;

  constructor(
    private readonly connection: GroupConnection,
    readonly path: string,
    input: unknown,
    channel: string,
    private readonly onClosed: (group: TopicGroup) => void,
  ) {
    this.source = new ClientCall(connection, path, input, undefined, channel, NO_OPTIONS, undefined);
    this.source.watch(() => this.pump());
  }

  /** A new local subscriber, with its own options; the subscription starts with the first. */
  join(input: unknown, options: CallOptions, timeoutMs: number | undefined): ClientCall {
    const member: Member = { delivered: 0, granted: 0 };
    let view: ClientCall | undefined;
    const host: CallHost = {
      creditWindow: this.connection.creditWindow,
      send: (message: Message) => {
        if (message[0] === 10) member.granted = message[4] as number;
        else if (message[0] === 12) {
          member.granted = message[2] as number;
          this.pump();
        } else if (message[0] === 14 && view !== undefined) this.leave(view);
      },
      finished: (call) => this.leave(call),
      writable: () => undefined,
    };
    view = new ClientCall(host, this.path, input, undefined, undefined, options, timeoutMs);
    if (view.done) {
      // Its signal was already aborted: it never joins, and a group it would have started ends.
      if (this.members.size === 0) this.close();
      return view;
    }
    this.members.set(view, member);
    view.open(0);
    if (this.members.size === 1 && !this.source.opened && !this.source.done) this.connection.start(this.source);
    this.pump();
    return view;
  }

  /** Hands the subscription's items to every subscriber while all have room, then its end. */
  private pump(): void {
    if (this.pumping || this.closed) return;
    this.pumping = true;
    try {
      while (this.source.buffered > 0) {
        for (const member of this.members.values()) if (member.delivered >= member.granted) return;
        const value = this.source.takeNow();
        if (value === NONE) break;
        // A subscriber may leave (or another join) from inside its own delivery: Map iteration
        // skips the removed and visits the added.
        for (const [view, member] of this.members) {
          member.delivered++;
          view.item(value);
        }
      }
      const outcome = this.source.settled;
      if (outcome === undefined) return;
      this.close();
      for (const view of [...this.members.keys()]) {
        if (outcome.ok) view.end(outcome.value);
        else view.fail(outcome.error);
      }
    } finally {
      this.pumping = false;
    }
  }

  private leave(view: ClientCall): void {
    if (!this.members.delete(view)) return;
    if (this.members.size === 0) {
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
