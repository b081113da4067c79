import type { Schema } from '@switchboard/contract';
import { NOTHING, PushStream } from '../push.js';
import type { ServerCall } from './call.js';
import type { HeldItems } from './held-items.js';
import { currentTurn } from './turn.js';
import { checkItem, isThenable } from './validation.js';

/**
 * Items a stream sends before it lets the event loop run other work (other connections' frames,
 * timers). A socket with room never makes a stream wait, and an async generator with an item ready
 * resolves in a microtask: without this bound one stream with a large credit would keep the thread
 * to itself. The stream yields between two runs (held-items.ts), never inside one, so a turn sends
 * fewer than `ITEMS_PER_TURN` + `RUN_ITEMS` items: a run cut at the bound would leave as a short
 * frame of its own. The count starts again once the loop has turned (turn.ts), whether the stream
 * waited for the turn or its handler did (it awaited I/O, a timer or `setImmediate`): the thread
 * was shared either way. Counted on across the handler's turns, a handler that lets the loop turn
 * every 1,000 items (as the bench's does) made the stream take a turn of its own one run later,
 * about every second handler turn: a quarter more socket writes for the same items. Four runs a
 * turn rather than one: each turn of a stream costs an immediate, an event-loop pass and a socket
 * write of the turn's output, and at 1,024 the server's CPU per item fell by a sixth to a quarter
 * (bench (d), docs/performance.md) while a turn of one stream still lasts about a millisecond.
 */
export const ITEMS_PER_TURN = 1024;

/**
 * Takes a server stream's items from its source, checks them and holds them (held-items.ts) until
 * the stream has to wait: for credit, for room on the socket (looked at between runs), for the
 * next turn (`ITEMS_PER_TURN`), or because the call ended or the source finished; call/stream.ts
 * does the waiting. The items of an async iterator are taken through callbacks made once per
 * stream: per item that is one reaction to the `next()` promise, as an `await` was, without
 * suspending and resuming the pump's async function around it; counted with callgrind (main
 * thread), a generator stream's item fell from about 6,100 to 5,400 instructions (a push
 * stream's change was within the counts' noise).
 */
export class ItemPuller {
  /** The source ended; the call was ended with it. */
  finished = false;
  /** Set when a pull stopped because the socket has no room: resolves when it has. */
  room: Promise<void> | undefined;
  /** The room was looked at already before this pull's first item (the pump waited for it). */
  private roomKnown = false;
  /** Items taken in the turn numbered `turn` (turn.ts), the last one this stream looked at. */
  private sentThisTurn = 0;
  private turn = -1;
  private readonly pushed: PushStream<unknown> | undefined;
  private resolve: (() => void) | undefined;
  private reject: ((error: unknown) => void) | undefined;
  private readonly onNext = (next: IteratorResult<unknown>): void => {
    try {
      if (this.call.done) {
        // Cancelled while it waited: nothing more is taken.
      } else if (next.done) this.finish();
      else if (!this.accept(next.value) || this.step()) return;
    } catch (error) {
      this.onError(error);
      return;
    }
    this.stopped();
  };
  private readonly onChecked = (item: unknown): void => {
    try {
      if (!this.call.done) {
        this.hold(item);
        if (this.step()) return;
      }
    } catch (error) {
      this.onError(error);
      return;
    }
    this.stopped();
  };
  private readonly onError = (error: unknown): void => {
    const reject = this.reject;
    this.resolve = this.reject = undefined;
    reject?.(error);
  };

  constructor(
    private readonly call: ServerCall,
    private readonly iterator: AsyncIterator<unknown> | Iterator<unknown>,
    source: unknown,
    private readonly held: HeldItems,
    /** The item schema's compiled form, or undefined when items are not validated. */
    private readonly fast: Schema | undefined,
  ) {
    this.pushed = source instanceof PushStream ? source : undefined;
  }

  /**
   * Takes items until the stream has to wait. Undefined when it stopped at once; else a promise
   * that resolves when it stopped, or rejects with what the source, the validator or the codec
   * threw. `roomKnown`: the pump has just waited for room or for a turn, after looking at the room.
   */
  pull(roomKnown: boolean): Promise<void> | undefined {
    this.roomKnown = roomKnown;
    // Set again only if this pull finds the socket full: one it waited for before is spent.
    this.room = undefined;
    if (!this.step()) return undefined;
    return new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  /** Takes items while it can; true when it waits for the iterator or an asynchronous validator. */
  private step(): boolean {
    const { call, held } = this;
    for (;;) {
      if (call.done || call.sent >= call.limit) return false;
      // Room is looked at between runs: the items of a run are not queued (nor counted against the
      // socket's watermarks) before the run is, so within one the answer would not change. The
      // thread is shared between runs too: a cut inside one would leave as a short frame.
      if (held.length === 0) {
        if (!this.roomKnown) {
          this.room = call.host.producerRoom();
          if (this.room) return false;
        }
        this.roomKnown = false;
        const turn = currentTurn();
        if (turn !== this.turn) {
          this.turn = turn;
          this.sentThisTurn = 0;
        } else if (this.sentThisTurn >= ITEMS_PER_TURN) return false;
      }
      // A push stream's queued items are taken at once; the iterator waits for the others.
      let item = this.pushed === undefined ? NOTHING : this.pushed.poll();
      if (item === NOTHING) {
        const next = this.iterator.next();
        if (isThenable(next)) {
          (next instanceof Promise ? next : Promise.resolve(next)).then(this.onNext, this.onError);
          return true;
        }
        if (call.done) return false;
        if (next.done) {
          this.finish();
          return false;
        }
        item = next.value;
      }
      if (!this.accept(item)) return true;
    }
  }

  /** Checks and holds an item; false when it waits for an asynchronous validator. */
  private accept(item: unknown): boolean {
    if (this.fast !== undefined) {
      const checked = checkItem(this.fast, item);
      if (isThenable(checked)) {
        Promise.resolve(checked).then(this.onChecked, this.onError);
        return false;
      }
      item = checked;
    }
    this.hold(item);
    return true;
  }

  private hold(item: unknown): void {
    const call = this.call;
    call.itemSent();
    this.sentThisTurn++;
    this.held.add(item);
  }

  private finish(): void {
    this.finished = true;
    this.call.end();
  }

  private stopped(): void {
    const resolve = this.resolve;
    this.resolve = this.reject = undefined;
    resolve?.();
  }
}
