import type { Schema } from '@switchboard/contract';
import { msg } from '@switchboard/protocol';
import { fastSchema } from '../compiled-schemas.js';
import { Inbound } from '../inbound.js';
import { NOTHING, PushStream } from '../push.js';
import type { ServerCall } from './call.js';
import { HeldItems } from './held-items.js';
import { checkWith, isThenable } from './validation.js';

/**
 * Items a stream sends before it lets the event loop run other work (other connections' frames,
 * timers). A socket with room never makes a stream wait, and an async generator with an item
 * ready resolves in a microtask: without this bound one stream with a large credit would keep the
 * thread to itself. The stream yields between two runs (held-items.ts), never inside one, so a
 * turn sends fewer than `ITEMS_PER_TURN` + `RUN_ITEMS` items: a run cut at the bound would leave
 * as a short frame of its own, and the count, not reset when the handler itself waits for a turn,
 * would cut the next runs short too. Four runs a turn rather than one: each turn of a stream costs
 * an immediate, an event-loop pass and a socket write of the turn's output, and at 1,024 the
 * server's CPU per item fell by a sixth to a quarter (bench (d), docs/performance.md) while a
 * turn of one stream still lasts about a millisecond.
 */
export const ITEMS_PER_TURN = 1024;

let turn: Promise<void> | undefined;

function endTurn(resolve: () => void): void {
  turn = undefined;
  resolve();
}

/** Resolves in the next turn of the event loop; one promise shared by every stream waiting for it. */
function nextTurn(): Promise<void> {
  turn ??= new Promise((resolve) => setImmediate(endTurn, resolve));
  return turn;
}

/**
 * Sends a handler's items while the client grants credit, the socket has room and a connection
 * is attached; ends the call when the source ends. The source is closed (`return()`) when the
 * call ends first.
 */
export async function pump(call: ServerCall, source: AsyncIterable<unknown> | Iterable<unknown>, schema: Schema) {
  const iterator =
    Symbol.asyncIterator in source
      ? (source as AsyncIterable<unknown>)[Symbol.asyncIterator]()
      : (source as Iterable<unknown>)[Symbol.iterator]();
  const pushed = source instanceof PushStream ? source : undefined;
  const validateItems = call.env.validateOutput;
  const fast = fastSchema(schema);
  // Items are held and queued in runs: before every wait below, and when the outbox writes.
  const held = (call.held = new HeldItems(call));
  let finished = false;
  try {
    for (;;) {
      if (call.sent >= call.limit) {
        held.queue();
        while (call.sent >= call.limit && !call.done) await call.waitCredit();
      }
      if (call.done) return;
      // Room is looked at between runs: the items of a run are not queued (nor counted against
      // the socket's watermarks) before the run is, so within one the answer would not change.
      const room = held.length === 0 ? call.host.producerRoom() : undefined;
      if (room) {
        await room;
        if (call.done) return;
      }
      // Share the thread: a generator that always has an item resolves in microtasks only.
      // Only between runs: one cut here would leave as a short frame of its own.
      if (call.sentThisTurn >= ITEMS_PER_TURN && held.length === 0) {
        await nextTurn();
        call.sentThisTurn = 0;
        if (call.done) return;
      }
      // A push stream's queued items are taken at once; the iterator waits for the others.
      let item = pushed === undefined ? NOTHING : pushed.poll();
      if (item === NOTHING) {
        let next = iterator.next();
        if (isThenable(next)) next = await next;
        if (call.done) return;
        if (next.done) {
          finished = true;
          call.end();
          return;
        }
        item = next.value;
      }
      if (validateItems) {
        item = checkWith(fast, item, 'INTERNAL', 'stream item failed validation');
        if (isThenable(item)) item = await item;
        if (call.done) return;
      }
      call.itemSent();
      call.sentThisTurn++;
      held.add(item);
    }
  } finally {
    if (!finished) await iterator.return?.();
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
