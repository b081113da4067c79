import { isRpcError, type Message, RpcError } from '@switchboard/protocol';

/** Per-call options. */
export interface CallOptions {
  /** Aborting cancels the call: the server's handler sees its signal abort; the call rejects with CANCELLED. */
  readonly signal?: AbortSignal;
  /** Rejects with DEADLINE_EXCEEDED (and cancels on the server) after this many ms. @default the client's timeoutMs */
  readonly timeoutMs?: number;
}

/** What a call needs from the connection that carries it. */
export interface CallHost {
  readonly creditWindow: number;
  /** Queues a message on the session. Throws RpcError PAYLOAD_TOO_LARGE or INVALID_ARGUMENT. */
  send(message: Message): void;
  /** The call finished: forget it. */
  finished(call: ClientCall): void;
  /** Resolves when the socket has room again; undefined when it has room now. */
  writable(): Promise<void> | undefined;
}

/** How a call ended: its result, or its error. */
export type Outcome = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: RpcError };

interface Reader {
  readonly resolve: (next: IteratorResult<unknown>) => void;
  readonly reject: (error: unknown) => void;
}

interface PendingSend {
  readonly item: unknown;
  readonly resolve: () => void;
  readonly reject: (error: RpcError) => void;
}

/** Sends that may wait for the server's credit at once; awaiting each send() never reaches it. */
export const MAX_WAITING_SENDS = 1024;

const FINISHED = new RpcError('CANCELLED', 'the stream is finished');

/** No buffered item. */
export const NONE: unique symbol = Symbol('none');

/**
 * One call on the client: what it sends (its opening message, its items under the server's
 * credit) and what it receives (a result, items it grants credit for as they are consumed).
 * It is the object behind every handle the typed client returns.
 */
export class ClientCall {
  id = 0;
  done = false;
  /** Opened under the current session (CALL/EVENT sent). */
  opened = false;
  private outcome: Outcome | undefined;
  private promise: Promise<unknown> | undefined;
  private settleResult: ((outcome: Outcome) => void) | undefined;
  private items: unknown[] | undefined;
  private head = 0;
  /** The oldest `nextItem()` waiting for an item or the end; later ones queue behind it. */
  private reader: Reader | undefined;
  private moreReaders: Reader[] | undefined;
  /** Set by {@link ClientCall.forEach}: takes every item as it arrives, instead of readers. */
  private consumer: ((item: unknown) => void) | undefined;
  /** Set by {@link ClientCall.watch}: offered each item first, told of buffered ones and the end. */
  private watcher: (() => void) | undefined;
  private offer: ((item: unknown) => boolean) | undefined;
  private received = 0;
  private consumed = 0;
  private granted: number;
  private sendLimit = 0;
  private sentCount = 0;
  private sends: PendingSend[] | undefined;
  private endRequested = false;
  private endSent = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** The client-wide default deadline covers only the wait for a first answer. */
  private readonly untilFirstAnswer: boolean;
  private readonly onAbort: (() => void) | undefined;

  constructor(
    private readonly host: CallHost,
    readonly path: string,
    readonly input: unknown,
    /** `key` is set for an acknowledged event (EVENT message), else the call opens with CALL. */
    readonly key: string | undefined,
    readonly channel: string | undefined,
    private readonly options: CallOptions,
    timeoutMs: number | undefined,
  ) {
    this.granted = host.creditWindow;
    this.untilFirstAnswer = options.timeoutMs === undefined;
    const signal = options.signal;
    if (signal) {
      if (signal.aborted) {
        this.outcome = {
          ok: false,
          error: new RpcError('CANCELLED', 'the call was aborted', { cause: signal.reason }),
        };
        this.done = true;
        return;
      }
      this.onAbort = () => this.cancel(new RpcError('CANCELLED', 'the call was aborted', { cause: signal.reason }));
      signal.addEventListener('abort', this.onAbort, { once: true });
    }
    const timeout = options.timeoutMs ?? timeoutMs;
    if (timeout !== undefined && timeout > 0 && Number.isFinite(timeout)) {
      this.timer = setTimeout(
        () => this.cancel(new RpcError('DEADLINE_EXCEEDED', `no answer within ${timeout} ms`)),
        timeout,
      );
    }
  }

  /** Sends the opening message under stream id `id` of the current session. */
  open(id: number): void {
    if (this.done) return;
    this.id = id;
    this.opened = true;
    this.received = 0;
    this.sentCount = 0;
    this.sendLimit = 0;
    this.consumed = 0;
    this.granted = this.host.creditWindow;
    try {
      if (this.key !== undefined) this.host.send([16, id, this.path, this.input ?? null, this.key]);
      else this.host.send([10, id, this.path, this.input ?? null, this.granted]);
    } catch (error) {
      this.opened = false;
      this.settle({
        ok: false,
        error: isRpcError(error) ? error : new RpcError('INTERNAL', 'the call could not be sent', { cause: error }),
      });
    }
  }

  // ---- incoming -------------------------------------------------------------------------

  /** DATA or PUB for this call. Returns false when it exceeds the credit granted (a violation). */
  item(value: unknown): boolean {
    if (this.done) return true;
    if (this.timer && this.untilFirstAnswer) this.answered();
    if (++this.received > this.granted) return false;
    if (this.consumer !== undefined) {
      this.taken();
      this.deliver(this.consumer, value);
      return true;
    }
    if (this.offer !== undefined) {
      // Taken at once when nothing waits before it and the watcher has room: no buffering.
      if (this.head === (this.items?.length ?? 0) && this.offer(value)) {
        this.taken();
        return true;
      }
      (this.items ??= []).push(value);
      this.watcher?.();
      return true;
    }
    (this.items ??= []).push(value);
    this.wakeItems();
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
    this.offer = offer;
    this.watcher = onChange;
  }

  /** The oldest buffered item, counted as consumed (credit flows back), or {@link NONE}. */
  takeNow(): unknown {
    const value = this.takeBuffered();
    if (value !== NONE) this.compactItems();
    return value;
  }

  /** Items received and not yet taken. */
  get buffered(): number {
    return (this.items?.length ?? 0) - this.head;
  }

  /** How the call ended, once it has; buffered items may remain to be taken. */
  get settled(): Outcome | undefined {
    return this.outcome;
  }

  /**
   * Hands every item to `onItem` as it arrives, synchronously: no promise and no turn per item.
   * Items that arrived before are handed over first. Resolves when the stream ends, rejects with
   * its error; an exception thrown by `onItem` cancels the call and rejects with that exception.
   */
  forEach(onItem: (item: unknown) => void): Promise<void> {
    if (this.consumer !== undefined || this.reader !== undefined) {
      return Promise.reject(new TypeError('the stream is already being read'));
    }
    this.consumer = onItem;
    // Buffered items first, even when the stream already ended; a throwing onItem empties the buffer.
    for (let next = this.takeBuffered(); next !== NONE; next = this.takeBuffered()) {
      this.deliver(onItem, next);
    }
    this.items = undefined;
    this.head = 0;
    return this.result().then(() => undefined);
  }

  private deliver(onItem: (item: unknown) => void, value: unknown): void {
    try {
      onItem(value);
    } catch (error) {
      this.cancel(error as RpcError);
    }
  }

  /** END or ACK from the server. */
  end(result: unknown): void {
    this.settle({ ok: true, value: result });
  }

  /** ERROR from the server, or a local failure (session lost, connection closed). */
  fail(error: RpcError): void {
    this.settle({ ok: false, error });
  }

  /** CREDIT from the server: items this call may send. */
  credit(limit: number): void {
    if (this.timer && this.untilFirstAnswer) this.answered();
    if (limit <= this.sendLimit) return;
    this.sendLimit = limit;
    this.pumpSends();
  }

  // ---- outgoing (client streams and channels) -----------------------------------------------

  /** Sends an item; resolves once it is queued within the server's credit. */
  send(item: unknown): Promise<void> {
    if (this.done || this.endRequested)
      return Promise.reject(this.outcome?.ok === false ? this.outcome.error : FINISHED);
    if (this.sends && this.sends.length >= MAX_WAITING_SENDS) {
      // A producer that does not await its sends would otherwise queue without bound.
      return Promise.reject(
        new RpcError('RESOURCE_EXHAUSTED', `more than ${MAX_WAITING_SENDS} sends are waiting for credit: await send()`),
      );
    }
    return new Promise<void>((resolve, reject) => {
      (this.sends ??= []).push({ item, resolve, reject });
      this.pumpSends();
    });
  }

  /** Half-closes: no more items (sent after the items still waiting for credit). */
  close(): void {
    if (this.done || this.endRequested) return;
    this.endRequested = true;
    this.pumpSends();
  }

  private pumping = false;

  private pumpSends(): void {
    if (this.pumping || !this.opened || this.done) return;
    this.pumping = true;
    try {
      const sends = this.sends;
      while (sends && sends.length > 0 && this.sentCount < this.sendLimit) {
        const room = this.host.writable();
        if (room) {
          void room.then(() => {
            this.pumping = false;
            this.pumpSends();
          });
          return;
        }
        const next = sends.shift() as PendingSend;
        try {
          this.host.send([11, this.id, next.item]);
          this.sentCount++;
          next.resolve();
        } catch (error) {
          next.reject(error as RpcError);
        }
      }
      if (this.endRequested && !this.endSent && (!sends || sends.length === 0)) {
        this.endSent = true;
        this.host.send([13, this.id]);
      }
    } finally {
      this.pumping = false;
    }
  }

  /** Session lost and the call is an event with a key: it will be sent again under a new id. */
  reset(): void {
    this.opened = false;
  }

  // ---- settling ---------------------------------------------------------------------------

  private answered(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /**
   * Cancels: CANCEL to the server when opened, and the call rejects with `reason`. Items received
   * but not yet taken are dropped: the iteration ends at once.
   */
  cancel(reason: RpcError = new RpcError('CANCELLED', 'the call was cancelled')): void {
    if (this.done) return;
    this.items = undefined;
    if (this.opened) {
      try {
        this.host.send([14, this.id]);
      } catch {
        // CANCEL always encodes; a failure here means the session is gone and nothing runs anyway.
      }
    }
    this.settle({ ok: false, error: reason });
  }

  private settle(outcome: Outcome): void {
    if (this.done) return;
    this.done = true;
    this.outcome = outcome;
    if (this.timer) clearTimeout(this.timer);
    if (this.onAbort) this.options.signal?.removeEventListener('abort', this.onAbort);
    const sends = this.sends;
    if (sends) {
      this.sends = undefined;
      const error = outcome.ok ? FINISHED : outcome.error;
      for (const pending of sends) pending.reject(error);
    }
    this.settleResult?.(outcome);
    this.wakeItems();
    this.watcher?.();
    this.host.finished(this);
  }

  /** The call's result (END's value, or the rejection). Created on first use. */
  result(): Promise<unknown> {
    if (!this.promise) {
      const known = this.outcome;
      this.promise = known
        ? known.ok
          ? Promise.resolve(known.value)
          : Promise.reject(known.error)
        : new Promise((resolve, reject) => {
            this.settleResult = (outcome) => (outcome.ok ? resolve(outcome.value) : reject(outcome.error));
          });
    }
    return this.promise;
  }

  /** Hands what arrived to the waiting readers, in order. */
  private wakeItems(): void {
    while (this.reader !== undefined) {
      let next: IteratorResult<unknown> | undefined;
      try {
        next = this.takeNext();
      } catch (error) {
        this.shiftReader().reject(error);
        continue;
      }
      if (next === undefined) return;
      this.shiftReader().resolve(next);
    }
  }

  private shiftReader(): Reader {
    const reader = this.reader as Reader;
    this.reader = this.moreReaders?.shift();
    return reader;
  }

  /** Counts an item as consumed, granting the server credit back once half the window is used. */
  private taken(): void {
    this.consumed++;
    const window = this.host.creditWindow;
    if (!this.done && this.consumed + window - this.granted >= window / 2) {
      this.granted = this.consumed + window;
      this.host.send([12, this.id, this.granted]);
    }
  }

  /** Drops the taken items from the buffer's front once they are most of it. */
  private compactItems(): void {
    const items = this.items;
    if (items !== undefined && this.head > 256 && this.head * 2 > items.length) {
      items.splice(0, this.head);
      this.head = 0;
    }
  }

  /** The next buffered item, counted as consumed, or {@link NONE}. */
  private takeBuffered(): unknown {
    const items = this.items;
    if (!items || this.head >= items.length) return NONE;
    const value = items[this.head];
    items[this.head++] = undefined;
    this.taken();
    return value;
  }

  /**
   * The next item, granting credit back as items are taken, or the end; undefined while neither
   * is there. Throws the call's error once its items are taken.
   */
  private takeNext(): IteratorResult<unknown> | undefined {
    const items = this.items;
    if (items && this.head < items.length) {
      const value = items[this.head];
      items[this.head++] = undefined;
      this.compactItems();
      this.taken();
      return { done: false, value };
    }
    const outcome = this.outcome;
    if (outcome) {
      if (outcome.ok) return { done: true, value: undefined };
      throw outcome.error;
    }
    return undefined;
  }

  /**
   * The next received item; credit is granted back as items are taken. An item that arrives
   * while a reader waits goes straight to it: one promise per item, no extra turn.
   */
  nextItem(): Promise<IteratorResult<unknown>> {
    if (this.consumer !== undefined) return Promise.reject(new TypeError('the stream is already being read'));
    if (this.reader === undefined) {
      let next: IteratorResult<unknown> | undefined;
      try {
        next = this.takeNext();
      } catch (error) {
        return Promise.reject(error);
      }
      if (next !== undefined) return Promise.resolve(next);
    }
    return new Promise((resolve, reject) => {
      const reader: Reader = { resolve, reject };
      if (this.reader === undefined) this.reader = reader;
      else (this.moreReaders ??= []).push(reader);
    });
  }
}
