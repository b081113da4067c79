import {
  type ApiId,
  CloseCode,
  CODECS,
  type Codec,
  type CodecName,
  clientOffers,
  closeAction,
  codecFor,
  DEFAULT_LIMITS,
  decodeServerFrame,
  EncodeError,
  type ErrorMessage,
  isSequenced,
  type Limits,
  type Message,
  Outbox,
  ProtocolViolation,
  parseSubprotocol,
  RpcError,
  type ServerMessage,
  truncateCloseReason,
} from '@switchboard/protocol';
import { backoffDelay, type ReconnectOptions } from './backoff.js';
import type { CallHost, ClientCall } from './call.js';
import { Emitter } from './emitter.js';
import { type ClientSocket, OPEN, type OpenSocket } from './socket.js';

/** The states of a client connection. */
export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'closed';

/** A state change, with why it happened. */
export interface StateChange {
  readonly state: ConnectionState;
  /** The close code that caused it, when a close did. */
  readonly code?: number;
  readonly reason?: string;
  /**
   * On `open` after a reconnect: whether the session resumed (nothing lost). False means a new
   * session: open calls and streams settled with SESSION_LOST and the application re-subscribes.
   */
  readonly resumed?: boolean;
  /** When the change ended the client for good: the error every call settled with. */
  readonly error?: RpcError;
}

/** Options of the client connection. */
export interface ConnectionOptions {
  /** The server's ws:// or wss:// URL. */
  readonly url: string;
  /** Codecs offered, in order of preference. @default ['msgpackr', 'msgpack', 'json'] */
  readonly codecs?: readonly CodecName[];
  /** The API id of the contract, when it has one. */
  readonly api?: ApiId | undefined;
  /** Credentials sent in HELLO: a value, or a function called on every (re)connect. @default null */
  readonly auth?: unknown | (() => unknown | Promise<unknown>);
  /** Reconnection backoff; `false` disables reconnecting. @default {} */
  readonly reconnect?: ReconnectOptions | false;
  /**
   * Default deadline, in ms, for a call's first answer: a unary result, an event's ACK, a stream's
   * first item or credit. Streams then run as long as they run; a per-call `timeoutMs` is a
   * deadline for the whole call instead. @default undefined (none)
   */
  readonly timeoutMs?: number;
  /**
   * Credit window for items the server streams to this client: how many it may send ahead of what
   * was consumed, per stream. Large enough that a fast stream does not wait for CREDIT round
   * trips; lower it for streams of large items. @default 1024
   */
  readonly creditWindow?: number;
  /** Most unacknowledged messages kept for resume. @default 10000 */
  readonly bufferMessages?: number;
  /** Most unacknowledged bytes kept for resume. @default 8388608 */
  readonly bufferBytes?: number;
  /**
   * The WebSocket class: any with the browser API, such as `ws`'s (see `wsWithOptions` in
   * `@switchboard/client/node` for headers, an agent or permessage-deflate).
   * @default the runtime's global `WebSocket`; in Node without one (before 22), `ws`'s
   */
  readonly WebSocket?: typeof WebSocket;
}

type SocketEvents = {
  state: StateChange;
};

const sessionLost = (): RpcError => new RpcError('SESSION_LOST', 'the session could not be resumed');

/**
 * The client's connection: it opens the socket, runs the handshake, keeps the session across
 * reconnects (resuming it without loss or duplicates when the server still holds it), sends
 * acknowledgements, watches heartbeats and decides from close codes whether to reconnect.
 */
export class ClientConnection extends Emitter<SocketEvents> implements CallHost {
  state: ConnectionState = 'connecting';
  readonly creditWindow: number;
  limits: Limits = DEFAULT_LIMITS;
  private socket: ClientSocket | undefined;
  private codec: Codec;
  private outbox: Outbox;
  private readonly calls = new Map<number, ClientCall>();
  private readonly channels = new Map<string, ClientCall>();
  private waiting: ClientCall[] = [];
  private nextId = 1;
  private received = 0;
  private lastAck = 0;
  private session: { token: string; id: string } | undefined;
  private attempt = 0;
  private refreshes = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private watchdog: ReturnType<typeof setTimeout> | undefined;
  private lastSeen = 0;
  private lastError: RpcError | undefined;
  /** GOAWAY arrived: new calls wait for the next server, refused ones are sent again there. */
  private draining = false;
  private drainWaiters: Array<() => void> = [];
  private closedByUser = false;
  private readonly offers: string[];
  private readonly onOnline = (): void => this.retryNow();

  constructor(
    private readonly options: ConnectionOptions,
    private readonly openSocket: OpenSocket,
  ) {
    super();
    this.creditWindow = options.creditWindow ?? 1024;
    this.offers = clientOffers(options.codecs ?? CODECS, options.api);
    this.codec = codecFor((options.codecs ?? CODECS)[0] ?? 'json');
    this.outbox = this.newOutbox();
    (globalThis as { addEventListener?: (type: string, fn: () => void) => void }).addEventListener?.(
      'online',
      this.onOnline,
    );
    this.connect();
  }

  private newOutbox(): Outbox {
    return new Outbox({
      codec: this.codec,
      maxFrameBytes: this.limits.maxFrameBytes,
      maxBatch: this.limits.maxBatch,
      bufferMessages: this.options.bufferMessages ?? 10_000,
      bufferBytes: this.options.bufferBytes ?? 8 * 1024 * 1024,
      // Bound explicitly: browsers throw 'Illegal invocation' for a detached queueMicrotask.
      schedule: (flush) => queueMicrotask(flush),
    });
  }

  private setState(change: StateChange): void {
    this.state = change.state;
    this.emit('state', change);
  }

  private connect(): void {
    if (this.state === 'reconnecting') this.setState({ state: 'connecting' });
    let socket: ClientSocket | undefined;
    try {
      socket = this.openSocket(this.options.url, this.offers, {
        open: () => {
          if (this.socket === socket && socket) void this.opened(socket);
        },
        message: (data, isBinary) => {
          if (this.socket === socket) this.receive(data, isBinary);
        },
        close: (code, reason) => {
          if (this.socket === socket) this.dropped(code, reason);
        },
      });
    } catch (error) {
      this.terminate(new RpcError('CONNECTION_CLOSED', `cannot open ${this.options.url}: ${(error as Error).message}`));
      return;
    }
    this.socket = socket;
  }

  private async opened(socket: ClientSocket): Promise<void> {
    const protocol = parseSubprotocol(socket.protocol);
    if (!protocol) {
      // The server accepted only the fallback token: its ERROR frame explains, then 4406 follows.
      this.codec = codecFor('json');
      return;
    }
    this.codec = codecFor(protocol.codec);
    let auth: unknown;
    try {
      const source = this.options.auth;
      auth = typeof source === 'function' ? await (source as () => unknown)() : (source ?? null);
    } catch (error) {
      this.terminate(new RpcError('UNAUTHENTICATED', 'the auth function failed', { cause: error }));
      return;
    }
    if (this.socket !== socket || socket.readyState !== OPEN) return;
    const hello: Message = [1, auth ?? null, this.session?.token ?? null, this.session ? this.received : 0];
    socket.send(this.codec.frame([this.codec.encode(hello)]));
    this.touch();
  }

  private receive(data: string | ArrayBuffer | Uint8Array, isBinary: boolean): void {
    this.touch();
    let batch: ServerMessage[];
    try {
      batch = decodeServerFrame(this.codec, data, isBinary, this.limits);
    } catch (error) {
      this.violation(error);
      return;
    }
    for (const message of batch) {
      try {
        this.handle(message);
      } catch (error) {
        this.violation(error);
        return;
      }
    }
  }

  private handle(message: ServerMessage): void {
    if (isSequenced(message)) {
      this.received++;
      if (this.received - this.lastAck >= this.limits.ackEvery) {
        this.lastAck = this.received;
        this.outbox.push([5, this.received]);
      }
    }
    switch (message[0]) {
      case 2:
        this.welcome(message[1], message[2], message[3], message[4], message[5]);
        return;
      case 3:
        this.outbox.ack(message[1]);
        this.lastAck = this.received;
        this.outbox.push([4, this.received]);
        return;
      case 4:
      case 5:
        this.outbox.ack(message[1]);
        return;
      case 6:
        this.draining = true;
        return;
      case 11: {
        const call = this.calls.get(message[1]);
        if (call && !call.item(message[2])) {
          throw new ProtocolViolation(CloseCode.CREDIT_EXCEEDED, `DATA beyond credit on stream ${message[1]}`);
        }
        return;
      }
      case 12:
        this.calls.get(message[1])?.credit(message[2]);
        return;
      case 13:
      case 17:
        this.calls.get(message[1])?.end(message[0] === 13 ? message[2] : undefined);
        return;
      case 15: {
        const error = errorFrom(message);
        if (message[1] === 0) {
          this.lastError = error;
          return;
        }
        const call = this.calls.get(message[1]);
        if (call && this.draining && error.code === 'UNAVAILABLE') {
          // Refused because the server is draining: it never ran, so send it to the next server.
          this.calls.delete(message[1]);
          call.reset();
          this.waiting.push(call);
          return;
        }
        call?.fail(error);
        return;
      }
      case 18: {
        const call = this.channels.get(message[1]);
        if (call && !call.item(message[2])) {
          throw new ProtocolViolation(CloseCode.CREDIT_EXCEEDED, `PUB beyond credit on ${message[1]}`);
        }
        return;
      }
    }
  }

  private welcome(sessionId: string, token: string, resumed: boolean, serverReceived: number, limits: Limits): void {
    this.limits = limits;
    const previous = this.session;
    this.session = { token, id: sessionId };
    this.attempt = 0;
    this.refreshes = 0;
    this.lastError = undefined;
    const socket = this.socket as ClientSocket;
    const send = (frame: string | Uint8Array): void => socket.send(frame);
    if (resumed && previous) {
      this.outbox.attach(send);
      if (!this.outbox.retransmitFrom(serverReceived)) {
        // This side cannot fill the server's gap: end the session on both sides, start afresh.
        this.session = undefined;
        this.loseSession();
        this.outbox = this.newOutbox();
        socket.close(CloseCode.RESUME_REJECTED, 'cannot retransmit what the server missed');
        this.dropped(CloseCode.ABNORMAL, 'resume rejected');
        return;
      }
    } else {
      if (previous) this.loseSession();
      this.outbox = this.newOutbox();
      this.outbox.attach(send);
    }
    this.setState(previous ? { state: 'open', resumed } : { state: 'open' });
    this.openWaiting();
    this.armWatchdog();
  }

  /** The old session is gone: settle its calls (events are retried under their key). */
  private loseSession(): void {
    this.received = 0;
    this.lastAck = 0;
    this.nextId = 1;
    const calls = [...this.calls.values()];
    this.calls.clear();
    this.channels.clear();
    const retry: ClientCall[] = [];
    for (const call of calls) {
      if (call.key !== undefined && !call.done) {
        call.reset();
        retry.push(call);
      } else {
        call.fail(sessionLost());
      }
    }
    this.waiting = [...retry, ...this.waiting];
  }

  private openWaiting(): void {
    const waiting = this.waiting;
    this.waiting = [];
    for (const call of waiting) this.openCall(call);
  }

  private openCall(call: ClientCall): void {
    if (call.done) return;
    const id = this.nextId++;
    this.calls.set(id, call);
    if (call.channel !== undefined && !this.channels.has(call.channel)) this.channels.set(call.channel, call);
    call.open(id);
  }

  /** Starts a call now, or when the session is ready. */
  start(call: ClientCall): void {
    if (call.done) return;
    if (this.state === 'closed') {
      call.fail(this.closedError);
      return;
    }
    if (this.state === 'open' && !this.draining) this.openCall(call);
    else this.waiting.push(call);
  }

  // ---- CallHost ----------------------------------------------------------------------------

  send(message: Message): void {
    let part: string | Uint8Array;
    try {
      part = this.codec.encode(message);
    } catch (error) {
      if (error instanceof EncodeError) throw new RpcError('INVALID_ARGUMENT', error.message, { cause: error });
      throw error;
    }
    const size = this.codec.size(part);
    if (size + 16 > this.limits.maxFrameBytes) {
      throw new RpcError(
        'PAYLOAD_TOO_LARGE',
        `message of ${size} bytes exceeds the server's ${this.limits.maxFrameBytes}`,
      );
    }
    this.outbox.pushEncoded(part, isSequenced(message), size);
  }

  finished(call: ClientCall): void {
    if (this.calls.get(call.id) === call) this.calls.delete(call.id);
    if (call.channel !== undefined && this.channels.get(call.channel) === call) this.channels.delete(call.channel);
    if (!call.opened) {
      const index = this.waiting.indexOf(call);
      if (index >= 0) this.waiting.splice(index, 1);
    }
  }

  writable(): Promise<void> | undefined {
    const socket = this.socket;
    if (!socket || this.state !== 'open') return undefined;
    if (socket.bufferedAmount + this.outbox.queuedBytes <= 1024 * 1024) return undefined;
    const promise = new Promise<void>((resolve) => this.drainWaiters.push(resolve));
    this.pollDrain();
    return promise;
  }

  private pollDrain(): void {
    // Browsers have no drain event: check the buffered amount on a short timer while producers wait.
    setTimeout(() => {
      const socket = this.socket;
      if (this.drainWaiters.length === 0) return;
      if (socket && this.state === 'open' && socket.bufferedAmount > 256 * 1024) {
        this.pollDrain();
        return;
      }
      const waiters = this.drainWaiters;
      this.drainWaiters = [];
      for (const wake of waiters) wake();
    }, 5);
  }

  // ---- liveness and reconnect ------------------------------------------------------------------

  private touch(): void {
    this.lastSeen = Date.now();
  }

  private armWatchdog(): void {
    if (this.watchdog) clearTimeout(this.watchdog);
    const { heartbeatMs, heartbeatTimeoutMs } = this.limits;
    if (heartbeatMs <= 0) return;
    const limit = heartbeatMs + heartbeatTimeoutMs;
    const check = (): void => {
      if (this.state !== 'open') return;
      const silent = Date.now() - this.lastSeen;
      if (silent >= limit) {
        const socket = this.socket;
        this.dropped(CloseCode.HEARTBEAT_TIMEOUT, 'the server stopped answering');
        socket?.close(CloseCode.HEARTBEAT_TIMEOUT, 'heartbeat timeout');
        return;
      }
      this.watchdog = setTimeout(check, limit - silent);
    };
    this.watchdog = setTimeout(check, limit);
  }

  private violation(error: unknown): void {
    const code = error instanceof ProtocolViolation ? error.closeCode : CloseCode.INVALID_MESSAGE;
    const message = error instanceof Error ? error.message : String(error);
    this.lastError = new RpcError('PROTOCOL_ERROR', `the server violated the protocol: ${message}`);
    const socket = this.socket;
    this.dropped(code, message);
    socket?.close(code, truncateCloseReason(message));
  }

  /** The socket closed or was declared dead: reconnect, refresh or stop, by close code. */
  private dropped(code: number, reason: string): void {
    this.socket = undefined;
    if (this.watchdog) clearTimeout(this.watchdog);
    this.outbox.detach();
    this.wakeDrain();
    if (this.closedByUser || this.state === 'closed') return;
    const reconnect = this.options.reconnect;
    const action = closeAction(code);
    const serverError = this.lastError;
    if (action === 'stop' || reconnect === false) {
      const error =
        serverError?.code === 'UNSUPPORTED_PROTOCOL' || serverError?.code === 'PROTOCOL_ERROR'
          ? serverError
          : action === 'refresh'
            ? new RpcError('UNAUTHENTICATED', reason || 'the server rejected the credentials', { data: { code } })
            : new RpcError('CONNECTION_CLOSED', `the connection closed with ${code}${reason ? `: ${reason}` : ''}`, {
                data: { code, reason },
              });
      this.terminate(error, code, reason);
      return;
    }
    if (action === 'refresh' && ++this.refreshes > 3) {
      this.terminate(
        new RpcError('UNAUTHENTICATED', reason || 'the server rejected the credentials', { data: { code } }),
        code,
        reason,
      );
      return;
    }
    if (this.draining) {
      // Drained by GOAWAY: that session is not resumable (protocol.md 3.4). Whatever is still open
      // is lost; the next connection starts a fresh session without presenting the old token.
      this.draining = false;
      if (this.session) {
        this.session = undefined;
        this.loseSession();
        this.outbox = this.newOutbox();
      }
    }
    const maxAttempts = reconnect?.maxAttempts ?? Number.POSITIVE_INFINITY;
    if (this.attempt >= maxAttempts) {
      this.terminate(
        new RpcError('CONNECTION_CLOSED', `gave up after ${this.attempt} reconnect attempts`, {
          data: { code, reason },
        }),
        code,
        reason,
      );
      return;
    }
    const delay = action === 'refresh' && this.attempt === 0 ? 0 : backoffDelay(this.attempt, reconnect ?? {});
    this.attempt++;
    this.setState({ state: 'reconnecting', code, reason });
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (this.state === 'reconnecting') this.connect();
    }, delay);
  }

  private retryNow(): void {
    if (this.state !== 'reconnecting' || !this.retryTimer) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.connect();
  }

  private wakeDrain(): void {
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const wake of waiters) wake();
  }

  /** Ends the client for good: every call, stream and event settles with `error`. */
  private terminate(error: RpcError, code?: number, reason?: string): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.watchdog) clearTimeout(this.watchdog);
    (globalThis as { removeEventListener?: (type: string, fn: () => void) => void }).removeEventListener?.(
      'online',
      this.onOnline,
    );
    this.lastError = error;
    const calls = [...this.calls.values(), ...this.waiting];
    this.calls.clear();
    this.waiting = [];
    for (const call of calls) call.fail(error);
    const change: StateChange = { state: 'closed', error };
    if (code !== undefined) Object.assign(change, { code });
    if (reason !== undefined) Object.assign(change, { reason });
    this.emit('state', change);
  }

  /** Closes the client: open calls settle with CONNECTION_CLOSED; nothing reconnects. */
  close(): void {
    if (this.state === 'closed') return;
    this.closedByUser = true;
    const socket = this.socket;
    this.socket = undefined;
    this.outbox.flush();
    socket?.close(CloseCode.NORMAL, 'client closed');
    this.terminate(new RpcError('CONNECTION_CLOSED', 'the client was closed'), CloseCode.NORMAL, 'client closed');
  }

  /** The error the client settled everything with when it closed for good. */
  get closedError(): RpcError {
    return this.lastError ?? new RpcError('CONNECTION_CLOSED', 'the client is closed');
  }

  /** The current session id, once WELCOME arrived. */
  get sessionId(): string | undefined {
    return this.session?.id;
  }
}

/** The RpcError an ERROR message describes, with `retryable` when the server overrode its default. */
function errorFrom(message: ErrorMessage): RpcError {
  const [, , code, text, data, retryable] = message;
  const options: { data?: unknown; retryable?: boolean } = {};
  if (typeof retryable === 'boolean') {
    options.retryable = retryable;
    if (data !== null && data !== undefined) options.data = data;
  } else if (message.length > 4) options.data = data;
  return new RpcError(code, text, options);
}
