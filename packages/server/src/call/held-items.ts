import { EncodeError, type HeldMessages, type Message, msg, RpcError } from '@switchboard/protocol';
import type { ServerCall } from './call.js';

/**
 * Items of a stream a producer sends in one turn, the most a run holds: they are encoded in one
 * pass of the codec (`Codec.encodeRun`) and kept for resume as one entry, where each item alone
 * cost a call of the encoder, a size count and an entry.
 */
export const RUN_ITEMS = 256;

/**
 * The items a server stream produced and has not queued yet, queued together as one run of DATA
 * messages: when `RUN_ITEMS` (or the session's `maxBatch`) are held, before its producer waits
 * (credit, a full socket, the next turn), before the call ends, and otherwise when the outbox asks
 * (its next write, at the end of the turn at the latest, or a change of connection), so holding
 * never delays an item past the end of the turn. Items that together outgrow a frame are sent one
 * by one from then on; an item the codec cannot carry fails the call, as it did sent alone.
 */
export class HeldItems implements HeldMessages {
  private items: unknown[] = [];
  /** Whether the outbox will ask for the items (one registration per batch). */
  private registered = false;
  /** Items too large to gain from a run: each goes alone. */
  private single = false;
  private readonly most: number;

  constructor(private readonly call: ServerCall) {
    this.most = Math.min(RUN_ITEMS, call.env.limits.maxBatch);
  }

  /** Holds an item the client's credit covers (already counted by `itemSent`). */
  add(item: unknown): void {
    const call = this.call;
    if (this.single || this.most < 2) {
      if (!call.host.push(msg.data(call.id, item))) throw new RpcError('INTERNAL', 'stream item could not be encoded');
      return;
    }
    const count = this.items.push(item);
    if (count >= this.most) this.queue();
    else if (!this.registered) {
      this.registered = true;
      call.host.outbox.hold(this);
    }
  }

  /** The outbox asks for the held items before it writes. */
  release(): void {
    this.registered = false;
    this.queue();
  }

  /** Queues the held items now, in order: one run, or one by one. */
  queue(): void {
    const items = this.items;
    if (items.length === 0) return;
    this.items = [];
    const call = this.call;
    const messages: Message[] = new Array(items.length);
    for (let i = 0; i < items.length; i++) messages[i] = msg.data(call.id, items[i]);
    try {
      if (call.host.outbox.pushRun(messages)) return;
      // Too large for one frame together: one by one, from now on.
      this.single = true;
    } catch (error) {
      if (!(error instanceof EncodeError)) throw error;
      // One of them cannot be encoded: one by one sends those before it and reports it.
    }
    for (const message of messages) {
      if (!call.host.push(message)) {
        call.fail(new RpcError('INTERNAL', 'stream item could not be encoded'));
        return;
      }
    }
  }

  /** Forgets the held items (the call was cancelled: nobody reads them). */
  clear(): void {
    this.items = [];
  }
}
