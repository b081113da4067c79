import {
  type CallMetadata,
  CloseCode,
  type Codec,
  cancelMessage,
  clientOffers,
  creditMessage,
  DEFAULT_LIMITS,
  decodeServerFrame,
  errorFromMessage,
  jsonCodec,
  type Limits,
  type Message,
  MessageType,
  ProtocolViolation,
  RpcError,
  type ServerMessage,
  type TransportName,
  truncateCloseReason,
} from '@switchboard/protocol';
import { DEFAULT_CODECS } from '#codecs';
import type { CallHost, ClientCall } from './call.js';
import { CallTable } from './call-table.js';
import { type ClientProcedures, receiveServerCall } from './client-procedures.js';
import { resolveCodecs } from './codecs.js';
import { Emitter } from './emitter.js';
import { helloAuth, selectedCodec } from './handshake.js';
import {
  type ConnectionOptions,
  type ConnectionState,
  closedChange,
  DEFAULT_CONNECTION,
  openChange,
  type StateChange,
} from './options.js';
import { queueMessage } from './outgoing.js';
import { Reconnect } from './reconnect.js';
import { ClientSession, stalledError } from './session.js';
import { type ClientSocket, type ClientSocketEvents, OPEN, type OpenSocket, type SocketData } from './socket.js';
import { drainGate } from './uploads.js';
import { Watchdog } from './watchdog.js';

/**
 * The client's connection: it opens the socket, runs the handshake, keeps the session across
 * reconnects (resuming it without loss or duplicates when the server still holds it) and routes
 * what the server sends to the calls. The session's state (token, inbox, outbox) is in session.ts,
 * reconnect policy in reconnect.ts, liveness in watchdog.ts, producer backpressure in drain-gate.ts
 * (loaded with the send queue), the calls themselves in call-table.ts.
 */
export class ClientConnection extends Emitter<{ state: StateChange }> implements CallHost {
  state: ConnectionState = 'connecting';
  /** The transport of the current session's connection, once WELCOME arrived on one that tells. */
  transport: TransportName | undefined;
  readonly creditWindow: number;
  limits: Limits = DEFAULT_LIMITS;
  readonly metadata: (() => CallMetadata | undefined) | undefined;
  #socket: ClientSocket | undefined;
  #codec: Codec;
  /** The codecs offered, in order of preference. */
  readonly #codecs: readonly Codec[];
  readonly #session: ClientSession;
  readonly #calls = new CallTable();
  #lastError: RpcError | undefined;
  /** GOAWAY arrived: new calls wait for the next server, refused ones are sent again there. */
  #draining = false;
  #closedByUser = false;
  readonly #offers: string[];
  readonly #reconnect: Reconnect;
  readonly #watchdog = new Watchdog(() => {
    if (this.state !== 'open') return;
    const socket = this.#socket;
    this.#dropped(CloseCode.HEARTBEAT_TIMEOUT, 'the server stopped answering');
    socket?.close(CloseCode.HEARTBEAT_TIMEOUT, 'heartbeat timeout');
  });
  #drain: ReturnType<typeof drainGate>; // made when a send queue first asks for room (uploads.ts)

  /** One socket's events, heard while it is the connection's socket (those of one it dropped are not). */
  static readonly #Listener = class implements ClientSocketEvents {
    socket: ClientSocket | undefined;
    constructor(readonly connection: ClientConnection) {}
    open(): void {
      if (this.connection.#socket === this.socket && this.socket) void this.connection.#opened(this.socket);
    }
    message(data: SocketData, isBinary: boolean): void {
      if (this.connection.#socket === this.socket) this.connection.#receive(data, isBinary);
    }
    close(code: number, reason: string): void {
      if (this.connection.#socket === this.socket) this.connection.#dropped(code, reason);
    }
  };

  constructor(
    private readonly options: ConnectionOptions,
    private readonly openSocket: OpenSocket,
    /** Runs the server's calls of client procedures (client-procedures.ts), when the client has handlers. */
    private readonly clientProcedures?: ClientProcedures,
  ) {
    super();
    this.creditWindow = options.creditWindow ?? DEFAULT_CONNECTION.creditWindow;
    this.metadata = options.metadata;
    this.#codecs = options.codecs ? resolveCodecs(options.codecs) : DEFAULT_CODECS;
    const names = this.#codecs.map((codec) => codec.name);
    this.#offers = clientOffers(names, options.api);
    this.#codec = this.#codecs[0] ?? jsonCodec;
    this.#session = new ClientSession(options, this.#codec, this.limits);
    this.#reconnect = new Reconnect(options.reconnect, () => {
      if (this.state === 'reconnecting') this.#connect();
    });
    this.#connect();
  }

  #setState(change: StateChange): void {
    this.state = change.state;
    this.emit('state', change);
  }

  #connect(): void {
    if (this.state === 'reconnecting') this.#setState({ state: 'connecting' });
    const listener = new ClientConnection.#Listener(this);
    try {
      listener.socket = this.openSocket(this.options.url, this.#offers, listener);
      this.#socket = listener.socket;
    } catch (error) {
      const message = `cannot open ${this.options.url}: ${(error as Error).message}`;
      this.#terminate(new RpcError('CONNECTION_CLOSED', message));
    }
  }

  /** The upgrade succeeded: send HELLO, presenting the session to resume if there is one. */
  async #opened(socket: ClientSocket): Promise<void> {
    let auth: unknown;
    try {
      const codec = selectedCodec(this.#codecs, socket.protocol);
      this.#codec = codec ?? jsonCodec;
      if (!codec) return; // the fallback token alone: the server's ERROR explains, then 4406
      auth = await helloAuth(this.options.auth);
    } catch (error) {
      // A codec this client did not offer is the server's violation; a failing auth ends the client.
      return error instanceof RpcError ? this.#terminate(error) : this.#violation(error);
    }
    const unready = await this.clientProcedures?.ready(); // HELLO declares handlers once their runner loaded
    if (this.#socket !== socket || socket.readyState !== OPEN) return;
    if (unready !== undefined) {
      this.#dropped(CloseCode.ABNORMAL, unready);
      return socket.close(CloseCode.NORMAL, 'handlers not loaded');
    }
    socket.send(this.#codec.frame([this.#codec.encode(this.#session.hello(auth, this.clientProcedures?.features()))]));
    this.#watchdog.touch();
  }

  #receive(data: SocketData, isBinary: boolean): void {
    this.#watchdog.touch();
    try {
      // A frame that does not decode, or a message the protocol forbids, ends the connection.
      for (const message of decodeServerFrame(this.#codec, data, isBinary, this.limits)) this.#handle(message);
    } catch (error) {
      this.#violation(error);
    }
  }

  #handle(message: ServerMessage): void {
    if (this.#session.receive(message)) return;
    switch (message[0]) {
      case MessageType.WELCOME:
        this.#welcome(message[1], message[2], message[3], message[4], message[5]);
        return;
      case MessageType.GOAWAY:
        this.#draining = true;
        return;
      case MessageType.ERROR:
        if (message[1] === 0) this.#lastError = errorFromMessage(message);
        else this.#calls.route(message, this.#draining);
        return;
      case MessageType.INVOKE:
      case MessageType.ABORT:
        receiveServerCall(this.clientProcedures, message, this);
        return;
      default:
        this.#calls.route(message, this.#draining);
    }
  }

  /** WELCOME: the session is new, or resumed with `serverReceived` of ours seen by the server. */
  #welcome(sessionId: string, token: string, resumed: boolean, serverReceived: number, limits: Limits): void {
    this.limits = limits;
    const session = this.#session;
    ({ ackEvery: session.inbox.ackEvery, ackItems: session.inbox.ackItems } = limits);
    const previous = session.current;
    session.current = { token, id: sessionId };
    this.#reconnect.succeeded();
    this.#lastError = undefined;
    const socket = this.#socket as ClientSocket;
    const send = (frame: string | Uint8Array): void => socket.send(frame);
    if (resumed && previous) {
      if (!session.resumeOn(send, serverReceived)) {
        // This side cannot fill the server's gap: end the session on both sides, start afresh.
        this.#loseSession();
        socket.close(CloseCode.RESUME_REJECTED, 'cannot retransmit what the server missed');
        this.#dropped(CloseCode.ABNORMAL, 'resume rejected');
        return;
      }
    } else {
      // A fresh outbox either way: the codec and limits are this server's.
      if (previous) this.#loseSession();
      else session.renew(this.#codec, this.limits);
      session.startOn(send);
    }
    this.transport = socket.transport;
    this.#setState(openChange(previous ? resumed : undefined, this.transport));
    this.#calls.startWaiting();
    this.#watchdog.arm(this.limits);
  }

  /** The session is gone: its calls settle (events wait to be retried under their key), counts restart. */
  #loseSession(): void {
    this.#calls.loseSession();
    this.clientProcedures?.lost();
    this.#session.reset(this.#codec, this.limits);
  }

  /**
   * Starts a call now, or when the session is ready. A call started while the connection is
   * dropping (its socket gone, its state not yet moved on) waits too: it belongs to the next session.
   */
  start(call: ClientCall): void {
    if (call.done) return;
    if (this.state === 'closed') call.fail(this.closedError);
    else if (this.state === 'open' && !this.#draining && this.#socket !== undefined) this.#calls.start(call);
    else this.#calls.wait(call);
  }

  send(message: Message): void {
    queueMessage(this.#session.outbox, this.#codec, this.limits.maxFrameBytes, message);
  }

  grant(id: number, limit: number): void {
    this.send(creditMessage(id, limit));
  }

  cancel(id: number): void {
    this.send(cancelMessage(id));
  }

  finished(call: ClientCall): void {
    this.#calls.forget(call);
  }

  writable(): Promise<void> | undefined {
    this.#drain ??= drainGate(() => (this.#socket && this.state === 'open' ? this.#socket.bufferedAmount : undefined));
    return this.#drain?.wait(this.#session.outbox.queuedBytes);
  }

  #violation(error: unknown): void {
    const code = error instanceof ProtocolViolation ? error.closeCode : CloseCode.INVALID_MESSAGE;
    const message = error instanceof Error ? error.message : String(error);
    this.#lastError = new RpcError('PROTOCOL_ERROR', `the server violated the protocol: ${message}`);
    const socket = this.#socket;
    this.#dropped(code, message);
    socket?.close(code, truncateCloseReason(message));
  }

  /** The socket closed or was declared dead: reconnect, refresh or stop, by close code. */
  #dropped(code: number, reason: string): void {
    this.#socket = undefined;
    this.#watchdog.stop();
    this.#session.outbox.detach();
    this.#drain?.wake();
    if (this.#closedByUser || this.state === 'closed') return;
    const stalled = stalledError(this.#session.connectionEnded(), this.options.maxStalledResumes, code, reason);
    const stop = this.#reconnect.stopFor(code, reason, this.#lastError) ?? stalled;
    if (stop) {
      this.#terminate(stop, code, reason);
      return;
    }
    // Drained by GOAWAY: the next connection presents the session anyway. A server with a handover
    // resumes it (protocol.md 3.4); one without answers with a new session, and what was open is lost.
    this.#draining = false;
    const gaveUp = this.#reconnect.schedule(code, reason);
    if (gaveUp) this.#terminate(gaveUp, code, reason);
    else this.#setState({ state: 'reconnecting', code, reason });
  }

  /** Ends the client for good: every call, stream and event settles with `error`. */
  #terminate(error: RpcError, code?: number, reason?: string): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.#reconnect.stop();
    this.#watchdog.stop();
    this.#lastError = error;
    this.#calls.failAll(error);
    this.clientProcedures?.lost();
    this.emit('state', closedChange(error, code, reason));
  }

  /** Closes the client: open calls settle with CONNECTION_CLOSED; nothing reconnects. */
  close(): void {
    if (this.state === 'closed') return;
    this.#closedByUser = true;
    const socket = this.#socket;
    this.#socket = undefined;
    this.#session.outbox.flush();
    socket?.close(CloseCode.NORMAL, 'client closed');
    this.#terminate(new RpcError('CONNECTION_CLOSED', 'the client was closed'), CloseCode.NORMAL, 'client closed');
  }

  /** The server's `maxMetadataBytes` (0 from a server that predates call metadata). */
  get maxMetadataBytes(): number {
    return this.limits.maxMetadataBytes;
  }

  /** The error the client settled everything with when it closed for good. */
  get closedError(): RpcError {
    return this.#lastError ?? new RpcError('CONNECTION_CLOSED', 'the client is closed');
  }

  /** The current session id, once WELCOME arrived. */
  get sessionId(): string | undefined {
    return this.#session.current?.id;
  }
}
