import { dataMessage, endMessage, RpcError } from '@switchboard/protocol';
import type { Outcome } from './call.js';
import type { DrainGate } from './drain-gate.js';
import { lazyModule } from './lazy-module.js';
import type { SendHost, SendingCall, SendKit, SendQueue } from './send-queue.js';

/** The rejection of a send on a call that already ended well. */
export const FINISHED = new RpcError('CANCELLED', 'the stream is finished');

type SendQueueModule = typeof import('./send-queue.js');

/** The send queue's module, imported once; a failed load is tried again by the next call that sends. */
const { load: loadSendQueue, loaded: loadedSendQueue } = lazyModule<SendQueueModule>(() => import('./send-queue.js'));

/**
 * A connection's gate for producers waiting for room (drain-gate.ts), which comes in the send
 * queue's chunk: only a send queue asks for room, so its chunk has loaded by then. Undefined before.
 */
export function drainGate(socketBuffered: () => number | undefined): DrainGate | undefined {
  const chunk = loadedSendQueue();
  return chunk && new chunk.DrainGate(socketBuffered);
}

/** What the queue's module uses of the entry's: it imports nothing at run time (see send-queue.ts). */
const KIT: SendKit = { RpcError, dataMessage, endMessage, FINISHED };

/** What the sending half reads of its call, and how it gives up on it. */
export interface UploadingCall extends SendingCall {
  readonly settled: Outcome | undefined;
  cancel(reason: RpcError): void;
}

/**
 * The sending half of a client stream or channel as its call sees it: the send queue
 * (send-queue.ts) loads with the call's first send or half-close, through a dynamic `import()`, in
 * a chunk of its own in a browser bundle, so a page that never streams to the server never
 * fetches it. Sends and the half-close made while it loads wait for it, in order; the server's
 * credit meanwhile is kept for it. A queue that cannot be loaded cancels the call with
 * UNAVAILABLE, and its sends reject with that error.
 */
export class Uploads {
  #queue: SendQueue | undefined;
  #loading: Promise<SendQueue> | undefined;
  /** Operations made before the queue loaded and not yet handed to it. */
  #early = 0;
  /** The server's CREDIT under the current session, until the queue has loaded. */
  #limit = 0;
  /** The application half-closed: no more sends. */
  ending = false;
  readonly #call: UploadingCall;
  readonly #host: SendHost;

  constructor(call: UploadingCall, host: SendHost) {
    this.#call = call;
    this.#host = host;
  }

  /** The call opened under a new session: credit starts over. */
  restart(): void {
    this.#limit = 0;
    this.#queue?.restart();
  }

  /** CREDIT from the server: the call may send items up to `limit` in all. */
  credit(limit: number): void {
    if (limit > this.#limit) this.#limit = limit;
    this.#queue?.credit(limit);
  }

  /** Queues an item; resolves once it went out within the server's credit. */
  push(item: unknown): Promise<void> {
    return this.#run((queue) => queue.push(item));
  }

  /** Half-closes: END goes out after the items still waiting for credit. */
  end(): void {
    this.ending = true;
    this.#run((queue) => queue.end()).catch(() => undefined);
  }

  /** The call settled: every waiting send rejects with `error`. */
  rejectAll(error: RpcError): void {
    this.#queue?.rejectAll(error);
  }

  /** Runs `operation` on the queue now, or once it loaded, after the operations made before it. */
  #run(operation: (queue: SendQueue) => Promise<void> | void): Promise<void> {
    const queue = this.#queue;
    if (queue !== undefined && this.#early === 0) return Promise.resolve(operation(queue));
    this.#early++;
    this.#loading ??= loadSendQueue().then(
      (module) => (this.#queue = new module.SendQueue(KIT, this.#call, this.#host, this.#limit)),
      (error: unknown) => {
        const reason = new RpcError('UNAVAILABLE', `client streams could not be loaded: ${(error as Error)?.message}`);
        this.#call.cancel(reason);
        throw reason;
      },
    );
    return this.#loading.then((loaded) => {
      this.#early--;
      return operation(loaded);
    });
  }
}
