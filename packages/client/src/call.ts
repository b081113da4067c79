import { type CallMetadata, callMessage, eventMessage, isRpcError, RpcError } from '@switchboard/protocol';
import type { CallHost, CallOptions } from './call-host.js';
import { ItemQueue, NONE } from './item-queue.js';
import { callMetadata, metadataFor } from './metadata.js';
import { FINISHED, Uploads } from './uploads.js';

export type { CallHost, CallOptions } from './call-host.js';

/** How a call ended: its result, or its error. */
export type Outcome = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: RpcError };

const aborted = (signal: AbortSignal): RpcError =>
  new RpcError('CANCELLED', 'the call was aborted', { cause: signal.reason });

/**
 * One call on the client: what it sends (its opening message, its items under the server's
 * credit, in uploads.ts) and what it receives (a result, items it grants credit for as they
 * are consumed, in item-queue.ts). It is the object behind every handle the typed client returns.
 */
export class ClientCall {
  id = 0;
  done = false;
  /** Opened under the current session (CALL/EVENT sent). */
  opened = false;
  /**
   * A topic subscription's place in its channel: the position of the last PUB received, or the
   * one SUBSCRIBED named before any; undefined when the server's broker keeps none.
   */
  position: string | undefined;
  readonly #host: CallHost;
  readonly #options: CallOptions;
  #outcome: Outcome | undefined;
  #promise: Promise<unknown> | undefined;
  /** The result's resolving functions, kept as they are: no closure of our own per call. */
  #resolve: ((value: unknown) => void) | undefined;
  #reject: ((error: RpcError) => void) | undefined;
  /** Items received and not yet taken; made by the first item or reader (a unary call has neither). */
  #itemQueue: ItemQueue | undefined;
  #uploads: Uploads | undefined;
  /** Set by {@link ClientCall.forEach}: takes every item as it arrives, instead of readers. */
  #consumer: ((item: unknown) => void) | undefined;
  /** Set by {@link ClientCall.watch}: offered each item first, told of buffered ones and the end. */
  #watcher: (() => void) | undefined;
  #offer: ((item: unknown) => boolean) | undefined;
  #received = 0;
  #consumed = 0;
  #granted: number;
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** The client-wide default deadline covers only the wait for a first answer. */
  readonly #untilFirstAnswer: boolean;
  readonly #onAbort: (() => void) | undefined;
  /** Captured when the call is made (the caller's trace context), sent with every CALL or EVENT of it. */
  readonly #metadata: CallMetadata | undefined;

  constructor(
    host: CallHost,
    readonly path: string,
    readonly input: unknown,
    /** `key` is set for an acknowledged event (EVENT message), else the call opens with CALL. */
    readonly key: string | undefined,
    readonly channel: string | undefined,
    options: CallOptions,
    timeoutMs: number | undefined,
  ) {
    this.#host = host;
    this.#options = options;
    this.#granted = host.creditWindow;
    this.#untilFirstAnswer = options.timeoutMs === undefined;
    if (host.metadata !== undefined || options.metadata !== undefined) {
      try {
        this.#metadata = callMetadata(host.metadata, options.metadata);
      } catch (error) {
        this.#outcome = { ok: false, error: new RpcError('INTERNAL', 'the metadata option threw', { cause: error }) };
        this.done = true;
        return;
      }
    }
    const signal = options.signal;
    if (signal) {
      if (signal.aborted) {
        this.#outcome = { ok: false, error: aborted(signal) };
        this.done = true;
        return;
      }
      this.#onAbort = () => this.cancel(aborted(signal));
      signal.addEventListener('abort', this.#onAbort, { once: true });
    }
    const timeout = options.timeoutMs ?? timeoutMs;
    if (timeout !== undefined && timeout > 0 && Number.isFinite(timeout)) {
      this.#timer = setTimeout(
        () => this.cancel(new RpcError('DEADLINE_EXCEEDED', `no answer within ${timeout} ms`)),
        timeout,
      );
    }
  }

  /** The queue of received items, made on first use with the callbacks it needs. */
  get #queue(): ItemQueue {
    this.#itemQueue ??= new ItemQueue(
      () => this.#taken(),
      () => this.#outcome,
    );
    return this.#itemQueue;
  }

  /** Sends the opening message under stream id `id` of the current session. */
  open(id: number): void {
    if (this.done) return;
    this.id = id;
    this.opened = true;
    this.#received = 0;
    this.#uploads?.restart();
    this.#consumed = 0;
    this.#granted = this.#host.creditWindow;
    try {
      const input = this.input ?? null;
      const metadata = metadataFor(this.#metadata, this.#host.maxMetadataBytes ?? 0);
      if (this.key !== undefined) this.#host.send(eventMessage(id, this.path, input, this.key, metadata));
      else this.#host.send(callMessage(id, this.path, input, this.#granted, metadata));
    } catch (error) {
      this.opened = false;
      this.#settle({
        ok: false,
        error: isRpcError(error) ? error : new RpcError('INTERNAL', 'the call could not be sent', { cause: error }),
      });
    }
  }

  // ---- incoming -------------------------------------------------------------------------

  /** DATA or PUB for this call. Returns false when it exceeds the credit granted (a violation). */
  item(value: unknown): boolean {
    if (this.done) return true;
    if (this.#timer && this.#untilFirstAnswer) this.#answered();
    if (++this.#received > this.#granted) return false;
    if (this.#consumer !== undefined) {
      this.#taken();
      this.#deliver(this.#consumer, value);
    } else if (this.#offer !== undefined && (this.#itemQueue?.size ?? 0) === 0 && this.#offer(value)) {
      // Taken at once when nothing waits before it and the watcher has room: no buffering.
      this.#taken();
    } else {
      this.#queue.push(value);
      this.#watcher?.();
    }
    return true;
  }

  /**
   * Hands each arriving item to `offer` first, synchronously; an item it refuses (it has no room)
   * is buffered, and `onChange` is called then and when the call settles, for the watcher to take
   * buffered items with {@link ClientCall.takeNow} once it has room. Credit goes back to the
   * server only as fast as the watcher takes. Used by {@link TopicGroup} to feed several local
   * subscribers from one subscription.
   */
  watch(offer: (item: unknown) => boolean, onChange: () => void): void {
    this.#offer = offer;
    this.#watcher = onChange;
  }

  /** The oldest buffered item, counted as consumed (credit flows back), or {@link NONE}. */
  takeNow(): unknown {
    return this.#itemQueue === undefined ? NONE : this.#itemQueue.take();
  }

  /** Items received and not yet taken. */
  get buffered(): number {
    return this.#itemQueue?.size ?? 0;
  }

  /** How the call ended, once it has; buffered items may remain to be taken. */
  get settled(): Outcome | undefined {
    return this.#outcome;
  }

  /**
   * Hands every item to `onItem` as it arrives, synchronously: no promise and no turn per item.
   * Items that arrived before are handed over first. Resolves when the stream ends, rejects with
   * its error; an exception thrown by `onItem` cancels the call and rejects with that exception.
   */
  forEach(onItem: (item: unknown) => void): Promise<void> {
    if (this.#consumer !== undefined || this.#itemQueue?.reading === true) {
      return Promise.reject(new TypeError('the stream is already being read'));
    }
    this.#consumer = onItem;
    // Buffered items first, even when the stream already ended; a throwing onItem empties the buffer.
    const buffered = this.#itemQueue;
    if (buffered !== undefined) {
      for (let next = buffered.take(); next !== NONE; next = buffered.take()) this.#deliver(onItem, next);
      buffered.clear();
    }
    return this.result().then(() => undefined);
  }

  /**
   * The next received item; credit is granted back as items are taken. An item that arrives
   * while a reader waits goes straight to it: one promise per item, no extra turn.
   */
  nextItem(): Promise<IteratorResult<unknown>> {
    if (this.#consumer !== undefined) return Promise.reject(new TypeError('the stream is already being read'));
    return this.#queue.next();
  }

  #deliver(onItem: (item: unknown) => void, value: unknown): void {
    try {
      onItem(value);
    } catch (error) {
      this.cancel(error as RpcError);
    }
  }

  /** END or ACK from the server. */
  end(result: unknown): void {
    this.#settle({ ok: true, value: result });
  }

  /** ERROR from the server, or a local failure (session lost, connection closed). */
  fail(error: RpcError): void {
    this.#settle({ ok: false, error });
  }

  /** CREDIT from the server: items this call may send. */
  credit(limit: number): void {
    if (this.#timer && this.#untilFirstAnswer) this.#answered();
    this.#sending().credit(limit);
  }

  /**
   * Counts an item as consumed, granting credit back once a quarter of the window is used: a fast
   * stream keeps three quarters to send while the CREDIT travels (at half it stalled on a loaded
   * machine, and 2,048 granted at half cost the server 8% more CPU per item than 4,096 at a
   * quarter). By default a CREDIT goes every 1,024 items, in the frame of `ackItems`'s POS.
   */
  #taken(): void {
    this.#consumed++;
    const window = this.#host.creditWindow;
    if (!this.done && this.#consumed + window - this.#granted >= window / 4) {
      this.#granted = this.#consumed + window;
      this.#host.grant(this.id, this.#granted);
    }
  }

  // ---- outgoing (client streams and channels) -----------------------------------------------

  #sending(): Uploads {
    this.#uploads ??= new Uploads(this, this.#host);
    return this.#uploads;
  }

  /** Sends an item; resolves once it is queued within the server's credit. */
  send(item: unknown): Promise<void> {
    if (this.done || this.#uploads?.ending)
      return Promise.reject(this.#outcome?.ok === false ? this.#outcome.error : FINISHED);
    return this.#sending().push(item);
  }

  /** Half-closes: no more items (sent after the items still waiting for credit). */
  close(): void {
    if (!this.done) this.#sending().end();
  }

  /** Session lost and the call is an event with a key: it will be sent again under a new id. */
  reset(): void {
    this.opened = false;
  }

  // ---- settling ---------------------------------------------------------------------------

  #answered(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /**
   * Cancels: CANCEL to the server when opened, and the call rejects with `reason`. Items received
   * but not yet taken are dropped: the iteration ends at once.
   */
  cancel(reason: RpcError = new RpcError('CANCELLED', 'the call was cancelled')): void {
    if (this.done) return;
    this.#itemQueue?.clear();
    if (this.opened) {
      try {
        this.#host.cancel(this.id);
      } catch {
        // CANCEL always encodes; a failure here means the session is gone and nothing runs anyway.
      }
    }
    this.#settle({ ok: false, error: reason });
  }

  #settle(outcome: Outcome): void {
    if (this.done) return;
    this.done = true;
    this.#outcome = outcome;
    if (this.#timer) clearTimeout(this.#timer);
    if (this.#onAbort) this.#options.signal?.removeEventListener('abort', this.#onAbort);
    this.#uploads?.rejectAll(outcome.ok ? FINISHED : outcome.error);
    if (outcome.ok) this.#resolve?.(outcome.value);
    else this.#reject?.(outcome.error);
    this.#itemQueue?.wake();
    this.#watcher?.();
    this.#host.finished(this);
  }

  /** The call's result (END's value, or the rejection). Created on first use. */
  result(): Promise<unknown> {
    if (!this.#promise) {
      const known = this.#outcome;
      this.#promise = known
        ? known.ok
          ? Promise.resolve(known.value)
          : Promise.reject(known.error)
        : new Promise((resolve, reject) => {
            this.#resolve = resolve;
            this.#reject = reject;
          });
    }
    return this.#promise;
  }
}
