import type { dataMessage, endMessage, Message, RpcError } from '@switchboard/protocol';

// Loaded with a call's first send or half-close (call.ts), in a chunk of its own in a browser
// bundle: a page that never streams to the server never fetches it. It imports nothing at run
// time; what it needs of the entry's modules comes in a SendKit. Were it to import modules the
// entry imports too, a bundler would move those into a chunk shared by both, loaded at start
// (docs/performance.md, "Browser bundle").

export { DrainGate } from './drain-gate.js';

/** Sends that may wait for the server's credit at once; awaiting each send() never reaches it. */
export const MAX_WAITING_SENDS = 1024;

/** What the queue uses of the entry's modules, handed over when it is loaded. */
export interface SendKit {
  readonly RpcError: typeof RpcError;
  readonly dataMessage: typeof dataMessage;
  readonly endMessage: typeof endMessage;
  /** The rejection of a send on a call that already ended well. */
  readonly FINISHED: RpcError;
}

interface PendingSend {
  readonly item: unknown;
  readonly resolve: () => void;
  readonly reject: (error: RpcError) => void;
}

/** What the queue reads of its call. */
export interface SendingCall {
  /** The call's stream id under the current session. */
  readonly id: number;
  /** Whether the call's opening message went out under the current session. */
  readonly opened: boolean;
  readonly done: boolean;
  /** How the call ended, once it has. */
  readonly settled: { readonly ok: true } | { readonly ok: false; readonly error: RpcError } | undefined;
}

/** What the queue needs of the connection below (a part of CallHost). */
export interface SendHost {
  /** Queues a message on the session. Throws RpcError PAYLOAD_TOO_LARGE or INVALID_ARGUMENT. */
  send(message: Message): void;
  /** Resolves when the socket has room again; undefined when it has room now. */
  writable(): Promise<void> | undefined;
}

/**
 * The sending half of a client stream or channel: items wait here until the server's CREDIT
 * admits them and the socket has room, then go out as DATA in order; END follows the last.
 */
export class SendQueue {
  private sends: PendingSend[] | undefined;
  private limit: number;
  private sent = 0;
  private endRequested = false;
  private endSent = false;
  private pumping = false;

  constructor(
    private readonly kit: SendKit,
    private readonly call: SendingCall,
    private readonly host: SendHost,
    /** The server's CREDIT the call had before the queue loaded. */
    limit = 0,
  ) {
    this.limit = limit;
  }

  /** Whether the application half-closed (no more sends). */
  get ending(): boolean {
    return this.endRequested;
  }

  /** The call opened under a new session: credit starts over. */
  restart(): void {
    this.sent = 0;
    this.limit = 0;
  }

  /** Queues an item; resolves once it went out within the server's credit. */
  push(item: unknown): Promise<void> {
    // Settled while the queue loaded (it heard no rejectAll): reject as a settled call's sends do.
    const outcome = this.call.settled;
    if (outcome !== undefined) return Promise.reject(outcome.ok ? this.kit.FINISHED : outcome.error);
    if (this.sends && this.sends.length >= MAX_WAITING_SENDS) {
      // A producer that does not await its sends would otherwise queue without bound.
      return Promise.reject(
        new this.kit.RpcError(
          'RESOURCE_EXHAUSTED',
          `more than ${MAX_WAITING_SENDS} sends are waiting for credit: await send()`,
        ),
      );
    }
    return new Promise<void>((resolve, reject) => {
      (this.sends ??= []).push({ item, resolve, reject });
      this.pump();
    });
  }

  /** Half-closes: END goes out after the items still waiting for credit. */
  end(): void {
    if (this.endRequested) return;
    this.endRequested = true;
    this.pump();
  }

  /** CREDIT from the server: the call may send items up to `limit` in all. */
  credit(limit: number): void {
    if (limit <= this.limit) return;
    this.limit = limit;
    this.pump();
  }

  /** The call settled: every waiting send rejects with `error`. */
  rejectAll(error: RpcError): void {
    const sends = this.sends;
    if (!sends) return;
    this.sends = undefined;
    for (const pending of sends) pending.reject(error);
  }

  private pump(): void {
    const { call, host } = this;
    if (this.pumping || !call.opened || call.done) return;
    this.pumping = true;
    try {
      const sends = this.sends;
      while (sends && sends.length > 0 && this.sent < this.limit) {
        const room = host.writable();
        if (room) {
          void room.then(() => {
            this.pumping = false;
            this.pump();
          });
          return;
        }
        const next = sends.shift() as PendingSend;
        try {
          host.send(this.kit.dataMessage(call.id, next.item));
          this.sent++;
          next.resolve();
        } catch (error) {
          next.reject(error as RpcError);
        }
      }
      if (this.endRequested && !this.endSent && (!sends || sends.length === 0)) {
        this.endSent = true;
        host.send(this.kit.endMessage(call.id));
      }
    } finally {
      this.pumping = false;
    }
  }
}
