/**
 * The event loop's turns as a server stream counts them (item-puller.ts): a number that moves on
 * once the loop has run its immediates after the number was read, and a promise of the next
 * turn. Each is one {@link afterIO} (a `setImmediate` on Node) shared by every stream, scheduled
 * only while a stream asks.
 */

/**
 * Runs `run` in a later turn of the event loop, after the I/O that is ready: `setImmediate`, or a
 * 0 ms timer in a runtime without it (an edge runtime running the transport-free core), which is
 * also after I/O and after the outbox's end-of-turn flush, a microtask there (outbox-frames.ts).
 */
export const afterIO: (run: () => void) => void =
  typeof setImmediate === 'function' ? (run) => setImmediate(run) : (run) => setTimeout(run, 0);

let number = 0;
let numbering = false;
let turn: Promise<void> | undefined;

function nextNumber(): void {
  numbering = false;
  number++;
}

function endTurn(resolve: () => void): void {
  turn = undefined;
  resolve();
}

/**
 * The current turn's number. A read schedules the immediate that moves it on unless one is
 * pending, so an immediate scheduled after a read (a handler's `await setImmediate`, the pump's
 * next turn) runs after it: code resumed from there reads another number, and a stream whose
 * handler let the loop turn on its own knows it shared the thread. Microtasks never see it move:
 * they all run before the next immediate.
 */
export function currentTurn(): number {
  if (!numbering) {
    numbering = true;
    afterIO(nextNumber);
  }
  return number;
}

/**
 * Resolves in the next turn of the event loop, after the outbox's end-of-turn flush of what the
 * stream queued (scheduled before it) and after the turn's number moved on; one promise shared
 * by every stream waiting for it.
 */
export function nextTurn(): Promise<void> {
  currentTurn();
  turn ??= new Promise((resolve) => afterIO(() => endTurn(resolve)));
  return turn;
}
