import { DEFAULT_OUTBOX, EncodeError, type HeldMessages, type Message, msg, RpcError } from '@switchboard/protocol';
import type { ServerCall } from './call.js';

/**
 * Items of a stream a producer sends in one turn, the most a run or an ITEMS message holds: they
 * are encoded in one pass of the codec and kept for resume as one entry, where each item alone
 * cost a call of the encoder, a size count and an entry.
 */
export const RUN_ITEMS = 256;

const unencodable = (): RpcError => new RpcError('INTERNAL', 'stream item could not be encoded');

/**
 * The items a server stream produced and has not queued yet, queued together: as one ITEMS
 * message when the client offered it in HELLO (protocol.md section 3.13), else as one run of DATA
 * messages. They are queued when `RUN_ITEMS` (or the session's `maxBatch`) are held, before its
 * producer waits (credit, a full socket, the next turn), before the call ends, and otherwise when
 * the outbox asks (its next write, at the end of the turn at the latest, or a change of
 * connection), so holding never delays an item past the end of the turn. Items that together
 * outgrow a frame are split (ITEMS) or sent one by one from then on (DATA); an item the codec
 * cannot carry fails the call after the items before it, as it did sent alone.
 */
export class HeldItems implements HeldMessages {
  private items: unknown[] = [];
  /** Whether the outbox will ask for the items (one registration per batch). */
  private registered = false;
  /** Items too large to gain from a run: each goes alone. */
  private single = false;
  /** Most items held; lowered when that many outgrow a frame in one ITEMS. */
  private most: number;
  /** The outbox's frame size, which an ITEMS message stays within when it can. */
  private readonly frameBytes: number;

  constructor(private readonly call: ServerCall) {
    const { limits } = call.env;
    this.most = Math.min(RUN_ITEMS, limits.maxBatch);
    this.frameBytes = Math.min(DEFAULT_OUTBOX.frameBytes, limits.maxFrameBytes);
  }

  /** Items held now. */
  get length(): number {
    return this.items.length;
  }

  /** Holds an item the client's credit covers (already counted by `itemSent`). */
  add(item: unknown): void {
    const call = this.call;
    if (this.single || this.most < 2) {
      if (!call.host.push(msg.data(call.id, item))) throw unencodable();
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

  /** Queues the held items now, in order: one ITEMS, one run, or one by one. */
  queue(): void {
    const items = this.items;
    if (items.length === 0) return;
    this.items = [];
    if (items.length > 1 && this.call.host.itemsOffered) this.queueItems(items);
    else this.queueRun(items);
  }

  /** Forgets the held items (the call was cancelled: nobody reads them). */
  clear(): void {
    this.items = [];
  }

  /** One ITEMS message (at least two items); items that together outgrow a frame go in parts. */
  private queueItems(items: unknown[]): void {
    const { host, id } = this.call;
    let part: string | Uint8Array;
    try {
      part = host.codec.encode(msg.items(id, items));
    } catch (error) {
      if (!(error instanceof EncodeError)) throw error;
      // One of them cannot be encoded: one by one sends those before it and reports it.
      this.oneByOne(items);
      return;
    }
    const size = host.codec.size(part);
    if (size <= this.frameBytes) {
      host.outbox.pushEncoded(part, true, size);
      return;
    }
    // Parts of about a frame each, and no more held at once from now on: a frame that large
    // delays what follows it and a resume's progress (protocol.md section 4).
    const each = Math.max(1, Math.floor((items.length * this.frameBytes) / size));
    this.most = Math.min(this.most, each);
    for (let start = 0; start < items.length && !this.call.done; start += each) {
      const slice = items.slice(start, start + each);
      if (slice.length > 1) this.queueItems(slice);
      else this.oneByOne(slice);
    }
  }

  /** One run of DATA messages, or one by one when they outgrow a frame together. */
  private queueRun(items: unknown[]): void {
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
    this.oneByOne(items);
  }

  /** Each item as its own DATA; the first the codec cannot carry fails the call. */
  private oneByOne(items: readonly unknown[]): void {
    const call = this.call;
    for (const item of items) {
      if (!call.host.push(msg.data(call.id, item))) {
        call.fail(unencodable());
        return;
      }
    }
  }
}
