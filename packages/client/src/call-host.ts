import type { CallMetadata, Message } from '@switchboard/protocol';
import type { ClientCall } from './call.js';

// What a call is given: its options (from the caller) and its host (the connection that carries it).

/** Per-call options. */
export interface CallOptions {
  /** Aborting cancels the call: the server's handler sees its signal abort; the call rejects with CANCELLED. */
  readonly signal?: AbortSignal;
  /** Rejects with DEADLINE_EXCEEDED (and cancels on the server) after this many ms. @default the client's timeoutMs */
  readonly timeoutMs?: number;
  /** Metadata of this call (protocol.md section 11), over the client's `metadata` entries. @default none */
  readonly metadata?: CallMetadata;
}

/** What a call needs from the connection that carries it. */
export interface CallHost {
  readonly creditWindow: number;
  /** Queues the call's CALL or EVENT, DATA and END. Throws RpcError PAYLOAD_TOO_LARGE or INVALID_ARGUMENT. */
  send(message: Message): void;
  /** The call of stream `id` may now receive `limit` items in all (CREDIT). */
  grant(id: number, limit: number): void;
  /** The call of stream `id` is abandoned (CANCEL); it was opened under the current session. */
  cancel(id: number): void;
  /** The call finished: forget it. */
  finished(call: ClientCall): void;
  /** Resolves when the socket has room again; undefined when it has room now. */
  writable(): Promise<void> | undefined;
  /** The client's `metadata` option, read when a call is made. */
  readonly metadata?: (() => CallMetadata | undefined) | undefined;
  /** The server's `maxMetadataBytes`: metadata is sent only when above 0. */
  readonly maxMetadataBytes?: number;
}
