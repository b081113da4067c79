import type { Schema } from '@switchboard/contract';
import { msg } from '@switchboard/protocol';
import { fastSchema } from '../compiled-schemas.js';
import { Inbound } from '../inbound.js';
import type { ServerCall } from './call.js';
import { HeldItems } from './held-items.js';
import { ItemPuller } from './item-puller.js';
import { nextTurn } from './turn.js';

export { ITEMS_PER_TURN } from './item-puller.js';

/**
 * Sends a handler's items while the client grants credit, the socket has room and a connection
 * is attached; ends the call when the source ends. The source is closed (`return()`) when the
 * call ends first. The items are taken by an {@link ItemPuller}; this loop waits where it stops.
 */
export async function pump(call: ServerCall, source: AsyncIterable<unknown> | Iterable<unknown>, schema: Schema) {
  const iterator =
    Symbol.asyncIterator in source
      ? (source as AsyncIterable<unknown>)[Symbol.asyncIterator]()
      : (source as Iterable<unknown>)[Symbol.iterator]();
  // Items are held and queued in runs: before every wait below, and when the outbox writes.
  const held = (call.held = new HeldItems(call));
  const puller = new ItemPuller(call, iterator, source, held, call.env.validateOutput ? fastSchema(schema) : undefined);
  let roomKnown = false;
  try {
    for (;;) {
      const pulling = puller.pull(roomKnown);
      if (pulling !== undefined) await pulling;
      roomKnown = false;
      if (puller.finished || call.done) return;
      if (call.sent >= call.limit) {
        held.queue();
        while (call.sent >= call.limit && !call.done) await call.waitCredit();
        continue;
      }
      const room = puller.room;
      if (room) {
        await room;
        // The turn bound is looked at next, then the items: the room is not looked at again.
        roomKnown = true;
        continue;
      }
      // Share the thread: a generator that always has an item resolves in microtasks only.
      await nextTurn();
      roomKnown = true;
    }
  } finally {
    if (!puller.finished) await iterator.return?.();
  }
}

/**
 * The client's items of a client stream or channel, as the handler's async iterable: the first
 * CREDIT grants a window, and more follows as the handler consumes. DATA in the frame that opened
 * it (before that CREDIT could reach the client) exceeds the credit: protocol.md section 5.
 */
export function openInbound(call: ServerCall, schema: Schema): Inbound<unknown> {
  const window = call.env.creditWindow;
  call.inbound = new Inbound(schema, window, call.host.frames, (limit) => {
    if (!call.done) call.host.push(msg.credit(call.id, limit));
  });
  call.host.push(msg.credit(call.id, window));
  return call.inbound;
}
