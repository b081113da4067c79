import { dataMessage, endMessage, RpcError } from '@switchboard/protocol';
import type { Outcome } from './call.js';
import { lazyModule } from './lazy-module.js';
import type { SendHost, SendingCall, SendKit, SendQueue } from './send-queue.js';

/** The rejection of a send on a call that already ended well. */
export const FINISHED = new RpcError('CANCELLED', 'the stream is finished');

type SendQueueModule = typeof import('./send-queue.js');

/** The send queue's module, imported once; a failed load is tried again by the next call that sends. */
const { load: loadSendQueue } = lazyModule<SendQueueModule>(() => import('./send-queue.js'));

/** What the queue's module uses of the entry's: it imports nothing at run time (see send-queue.ts). */
const KIT: SendKit = { RpcError, dataMessage, endMessage };

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
  private queue: SendQueue | undefined;
  private loaded: Promise<SendQueue> | undefined;
  /** Operations made before the queue loaded and not yet handed to it. */
  private early = 0;
  /** The server's CREDIT under the current session. */
  private limit = 0;
  /** The application half-closed: no more sends. */
  ending = false;

  constructor(
    private readonly call: UploadingCall,
    private readonly host: SendHost,
  ) {}

  /** The call opened under a new session: credit starts over. */
  restart(): void {
    this.limit = 0;
    this.queue?.restart();
  }

  /** CREDIT from the server: the call may send items up to `limit` in all. */
  credit(limit: number): void {
    if (limit > this.limit) this.limit = limit;
    this.queue?.credit(limit);
  }

  /** Queues an item; resolves once it went out within the server's credit. */
  push(item: unknown): Promise<void> {
    return this.withQueue((queue) => queue.push(item));
  }

  /** Half-closes: END goes out after the items still waiting for credit. */
  end(): void {
    this.ending = true;
    this.withQueue((queue) => queue.end()).catch(() => undefined);
  }

  /** The call settled: every waiting send rejects with `error`. */
  rejectAll(error: RpcError): void {
    this.queue?.rejectAll(error);
  }

  /** Runs `operation` on the queue now, or once it loaded, after the operations made before it. */
  private withQueue<T>(operation: (queue: SendQueue) => T | Promise<T>): Promise<T> {
    const queue = this.queue;
    if (queue !== undefined && this.early === 0) return Promise.resolve(operation(queue));
    this.early++;
    return this.load().then((loaded) => {
      this.early--;
      // Settled while the queue loaded: reject as the queue does once its call settled.
      const outcome = this.call.settled;
      if (outcome !== undefined) return Promise.reject(outcome.ok ? FINISHED : outcome.error);
      return operation(loaded);
    });
  }

  private load(): Promise<SendQueue> {
    this.loaded ??= loadSendQueue().then(
      (module) => {
        const queue = new module.SendQueue(KIT, this.call, this.host);
        queue.credit(this.limit);
        this.queue = queue;
        return queue;
      },
      (error: unknown) => {
        const reason = new RpcError('UNAVAILABLE', `client streams could not be loaded: ${(error as Error)?.message}`);
        this.call.cancel(reason);
        throw reason;
      },
    );
    return this.loaded;
  }
}
