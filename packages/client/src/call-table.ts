import {
  CloseCode,
  errorFromMessage,
  MessageType,
  ProtocolViolation,
  RpcError,
  type ServerMessage,
} from '@switchboard/protocol';
import type { ClientCall } from './call.js';

const sessionLost = (): RpcError => new RpcError('SESSION_LOST', 'the session could not be resumed');

/**
 * The calls of one client: those open under the current session, by stream id and by topic
 * channel (a PUB names its channel, not a stream id), and those waiting for a session to open.
 * Stream ids restart at 1 with every new session.
 */
export class CallTable {
  readonly #open = new Map<number, ClientCall>();
  /**
   * The call started while no other was open, kept apart from `open` with its stream id: one call
   * at a time (the usual case) then never fills and empties the Map, which V8 shrinks, and so
   * reallocates, every time it empties. It is older than every call in `open`.
   */
  #first: ClientCall | undefined;
  #firstId = 0;
  readonly #channels = new Map<string, ClientCall>();
  #waiting: ClientCall[] = [];
  #nextId = 1;

  /** The open call of stream `id`. */
  get(id: number): ClientCall | undefined {
    return this.#first !== undefined && this.#firstId === id ? this.#first : this.#open.get(id);
  }

  /** Forgets the open call of stream `id`. */
  #remove(id: number): void {
    if (this.#first !== undefined && this.#firstId === id) this.#first = undefined;
    else this.#open.delete(id);
  }

  /** The open calls, oldest first, forgotten. */
  #takeOpen(): ClientCall[] {
    const calls = [...this.#open.values()];
    if (this.#first !== undefined) calls.unshift(this.#first);
    this.#first = undefined;
    this.#open.clear();
    return calls;
  }

  /** The open call that receives `channel`'s PUBs. */
  ofChannel(channel: string): ClientCall | undefined {
    return this.#channels.get(channel);
  }

  /**
   * Hands a stream's message (DATA, ITEMS, CREDIT, END, ACK, ERROR, PUB, SUBSCRIBED) to its call; one for a call
   * that already settled is dropped. An ERROR UNAVAILABLE while `draining` means the server
   * refused the call before it ran: it waits to be sent to the next server. An ERROR SESSION_MOVED
   * for an acknowledged event sends it again under its key. Throws
   * ProtocolViolation (4430) for items beyond the credit granted (an ITEMS' items within it are
   * delivered first, in order, each as a DATA would be).
   */
  route(message: ServerMessage, draining: boolean): void {
    switch (message[0]) {
      case MessageType.DATA:
        if (this.get(message[1])?.item(message[2]) === false) {
          throw new ProtocolViolation(CloseCode.CREDIT_EXCEEDED, `DATA beyond credit on stream ${message[1]}`);
        }
        return;
      case MessageType.ITEMS: {
        const call = this.get(message[1]);
        const items = message[2];
        for (let i = 0; call !== undefined && i < items.length; i++) {
          if (call.item(items[i]) === false) {
            throw new ProtocolViolation(CloseCode.CREDIT_EXCEEDED, `ITEMS beyond credit on stream ${message[1]}`);
          }
        }
        return;
      }
      case MessageType.PUB: {
        const call = this.#channels.get(message[1]);
        if (call === undefined) return;
        if (message[3] !== undefined && message[3] !== null) {
          // A positioned PUB before the subscription's SUBSCRIBED crossed the CANCEL of an earlier
          // subscription of the channel (protocol.md section 12): it is not this one's.
          if (call.position === undefined) return;
          call.position = message[3];
        }
        if (call.item(message[2]) === false) {
          throw new ProtocolViolation(CloseCode.CREDIT_EXCEEDED, `PUB beyond credit on ${message[1]}`);
        }
        return;
      }
      case MessageType.SUBSCRIBED: {
        const call = this.get(message[1]);
        if (call !== undefined && !call.done) call.position = message[2];
        return;
      }
      case MessageType.CREDIT:
        this.get(message[1])?.credit(message[2]);
        return;
      case MessageType.END:
        this.get(message[1])?.end(message[2]);
        return;
      case MessageType.ACK:
        this.get(message[1])?.end(undefined);
        return;
      case MessageType.ERROR: {
        const call = this.get(message[1]);
        if (!call) return;
        const error = errorFromMessage(message);
        if (draining && error.code === 'UNAVAILABLE') {
          this.#remove(message[1]);
          call.reset();
          this.#waiting.push(call);
        } else if (error.code === 'SESSION_MOVED' && call.key !== undefined && !call.done) {
          // An acknowledged event still running when its session moved to another server goes
          // again under its key, as after a lost session: the idempotency store runs it once.
          this.#remove(message[1]);
          call.reset();
          if (draining) this.#waiting.push(call);
          else this.start(call);
        } else call.fail(error);
        return;
      }
    }
  }

  /** Opens `call` under the next stream id: its CALL or EVENT goes out. */
  start(call: ClientCall): void {
    if (call.done) return;
    const id = this.#nextId++;
    if (this.#first === undefined && this.#open.size === 0) {
      this.#first = call;
      this.#firstId = id;
    } else this.#open.set(id, call);
    if (call.channel !== undefined && !this.#channels.has(call.channel)) this.#channels.set(call.channel, call);
    call.open(id);
  }

  /** Keeps `call` until {@link CallTable.startWaiting}. */
  wait(call: ClientCall): void {
    this.#waiting.push(call);
  }

  /** Opens every waiting call, in the order they came. */
  startWaiting(): void {
    const waiting = this.#waiting;
    this.#waiting = [];
    for (const call of waiting) this.start(call);
  }

  /** `call` settled: forget it. */
  forget(call: ClientCall): void {
    if (this.get(call.id) === call) this.#remove(call.id);
    if (call.channel !== undefined && this.#channels.get(call.channel) === call) this.#channels.delete(call.channel);
    if (!call.opened) {
      const index = this.#waiting.indexOf(call);
      if (index >= 0) this.#waiting.splice(index, 1);
    }
  }

  /**
   * The session is gone: its calls settle with SESSION_LOST, except acknowledged events, which
   * wait (first, in their order) to be sent again under their idempotency key.
   */
  loseSession(): void {
    this.#nextId = 1;
    const calls = this.#takeOpen();
    this.#channels.clear();
    const retry: ClientCall[] = [];
    for (const call of calls) {
      if (call.key !== undefined && !call.done) {
        call.reset();
        retry.push(call);
      } else {
        call.fail(sessionLost());
      }
    }
    this.#waiting = [...retry, ...this.#waiting];
  }

  /** Settles every call, open or waiting, with `error`. */
  failAll(error: RpcError): void {
    const calls = [...this.#takeOpen(), ...this.#waiting];
    this.#waiting = [];
    for (const call of calls) call.fail(error);
  }
}
