import {
  type ClientMessage,
  CloseCode,
  type Codec,
  decodeClientFrame,
  type ErrorCode,
  errorMessage,
  type HelloMessage,
  MessageType,
  msg,
  ProtocolViolation,
  RpcError,
  truncateCloseReason,
} from '@switchboard/protocol';
import { environmentOf } from './call/environment.js';
import { declareClientProcedures } from './client-of.js';
import type { ConnectionHost } from './connection-host.js';
import { dispatch } from './dispatch.js';
import { type Identity, identify, resumable } from './handshake.js';
import type { HeartbeatTarget } from './heartbeat.js';
import { EPOCH, type HelloWaiter, sinceEpoch } from './hello-deadline.js';
import { ConnectionInfo } from './hooks.js';
import type { Service } from './service.js';
import { Session } from './session.js';
import type { SessionLink } from './session-link.js';
import type { SocketLike, UpgradeRequest } from './socket.js';
import { SocketWriter } from './socket-writer.js';

export type { ConnectionHost } from './connection-host.js';

const State = { Hello: 0, Handshaking: 1, Open: 2, Closed: 3 } as const;
type State = (typeof State)[keyof typeof State];

/**
 * One WebSocket connection on the server: the protocol state machine from HELLO to close. It validates
 * every frame (violations close with their documented code), runs the handshake, dispatches messages to
 * the session's calls, answers heartbeats and applies backpressure (the {@link SocketWriter} it extends).
 */
export class Connection extends SocketWriter implements SessionLink, HeartbeatTarget, HelloWaiter {
  declare protected readonly host: ConnectionHost;
  private state: State = State.Hello;
  session: Session | undefined;
  private framesSeen = 0;
  private framesAtPing = 0;
  /** The heartbeat round of the PING not yet checked, 0 when none is. */
  private pingRound = 0;
  private finalClose = false;
  /** What the upgrade request said, until the session's context is built from it. */
  private request: UpgradeRequest | undefined;
  /** When it was accepted, in ms after EPOCH ({@link sinceEpoch}). */
  readonly opened = sinceEpoch();
  private view: ConnectionInfo | undefined;

  constructor(
    host: ConnectionHost,
    socket: SocketLike,
    readonly service: Service,
    codec: Codec,
    request: UpgradeRequest,
    readonly id = 0,
  ) {
    super(socket, codec, host);
    this.request = request;
    host.helloDeadline.add(this);
    // A hook set now may read the peer's address at the close, after the socket forgot it.
    if (host.settings.hooks.watchConnections) this.view = new ConnectionInfo(this, request.remoteAddress);
  }

  /** When it was accepted, as `Date.now()`. */
  get openedAt(): number {
    return EPOCH + this.opened;
  }

  /** What hooks see of this connection, made when first needed (none for an unobserved idle one). */
  get info(): ConnectionInfo {
    this.view ??= new ConnectionInfo(this, this.request?.remoteAddress ?? this.socket.remoteAddress);
    return this.view;
  }

  /** A frame from the client; `byteLength` is its payload's size on the wire, when known. Never throws. */
  receive(data: string | Uint8Array | ArrayBuffer, isBinary: boolean, byteLength?: number): void {
    if (this.state === State.Closed) return;
    this.framesSeen++;
    const metrics = this.host.settings.metrics;
    metrics.framesReceived++;
    metrics.bytesReceived += byteLength ?? (typeof data === 'string' ? this.codec.size(data) : data.byteLength);
    let batch: ClientMessage[];
    try {
      const limits = this.state === State.Open ? this.host.settings.limits : this.host.helloLimits;
      batch = decodeClientFrame(this.codec, data, isBinary, limits, this.host.decodeLimits);
    } catch (error) {
      this.violation(error);
      return;
    }
    if (this.state !== State.Open) {
      this.opening(batch);
      return;
    }
    // What the frame's messages produce at once (results of synchronous handlers, PONG, POS)
    // leaves as one frame when the batch is done; later output waits for the end of the turn.
    const session = this.session as Session;
    session.frames++;
    const outbox = session.outbox;
    outbox.cork();
    for (let i = 0; i < batch.length && (this.state as State) !== State.Closed; i++) {
      try {
        dispatch(session, batch[i] as ClientMessage, this.service, this.host);
      } catch (error) {
        this.violation(error);
      }
    }
    outbox.uncork();
  }

  /** A frame before WELCOME: a HELLO alone (protocol.md section 2, rule 1). */
  private opening(batch: ClientMessage[]): void {
    for (let i = 0; i < batch.length && (this.state as State) !== State.Closed; i++) {
      try {
        const message = batch[i] as ClientMessage;
        if (message[0] !== MessageType.HELLO)
          throw new ProtocolViolation(CloseCode.NOT_READY, 'only HELLO is allowed before WELCOME');
        if (this.state !== State.Hello) throw new ProtocolViolation(CloseCode.DUPLICATE_HELLO, 'a second HELLO');
        this.state = State.Handshaking;
        this.hello(message, batch.length === 1);
      } catch (error) {
        // An error the handshake did not expect (a failed write, a throwing hook) closes with 1011.
        this.violation(error);
      }
    }
  }

  /**
   * Answers a HELLO in this turn when its identity is known at once (see `identify`) and nothing
   * follows it in its frame; else after a microtask, as for an asynchronous auth hook, so that a
   * message behind it closes with 4425 before any WELCOME.
   */
  private hello(message: HelloMessage, alone: boolean): void {
    this.host.helloDeadline.remove(this);
    const request = this.request as UpgradeRequest;
    this.request = undefined;
    const identity = identify(this.service, message[1], request, this.host.settings);
    const answered =
      alone && !(identity instanceof Promise)
        ? this.identified(identity, message)
        : Promise.resolve(identity).then((known) => this.identified(known, message));
    // Claiming a moved session answers later, as an asynchronous hook does: what fails then closes too.
    answered?.catch((error: unknown) => this.violation(error));
  }

  /** Resumes the session the HELLO names, or starts one; asynchronous only to claim a moved session. */
  private identified(identity: Identity, message: HelloMessage): undefined | Promise<void> {
    if (!identity.ok) {
      // A session this HELLO meant to resume stays resumable: the client may come back with
      // fresh credentials within the resume window.
      this.close(identity.closeCode, identity.reason);
      return;
    }
    if (this.state === State.Closed) return;
    const token = message[2];
    if (token === null) return void this.welcome(identity, undefined, message);
    const previous = this.host.findSession(token);
    if (!previous && this.host.mover) return this.claim(identity, token, message);
    this.welcome(identity, resumable(previous, identity, this, message[3], this.host.settings.metrics), message);
  }

  /** Resumes a session moved here from another server: claimed only for this HELLO's principal, API and codec. */
  private async claim(identity: Identity & { ok: true }, token: string, message: HelloMessage): Promise<void> {
    const mover = this.host.mover as NonNullable<ConnectionHost['mover']>;
    const moved = await mover.claim(token, this.service, this.codec, identity.ctx, identity.principal, message[3]);
    if ((this.state as State) === State.Closed) return void (moved && mover.moveOut(moved, false));
    this.welcome(identity, resumable(moved, identity, this, message[3], this.host.settings.metrics), message);
  }

  /** Attaches `resumed`, or a new session, and answers WELCOME. */
  private welcome(identity: Identity & { ok: true }, resumed: Session | undefined, message: HelloMessage): void {
    const { settings } = this.host;
    let session = resumed;
    if (!session) {
      const env = environmentOf(this.service, settings);
      session = new Session(env, this.codec, identity.ctx, identity.principal);
      settings.metrics.sessionsStarted++;
    }
    this.session = session;
    declareClientProcedures(session, message[4]);
    session.itemsOffered = message[4]?.items === true;
    this.state = State.Open;
    session.attach(this, this, resumed !== undefined, message[3]);
    this.host.heartbeat.start();
    if (this.view) this.view.sessionInfo = session.sessionInfo;
    const hooks = settings.hooks;
    if (resumed) hooks.sessionResumed?.(session.sessionInfo, this.info);
    else hooks.sessionStarted?.(session.sessionInfo, this.info);
  }

  /** No HELLO came within `helloTimeoutMs` of the accept. */
  helloTimedOut(): void {
    this.close(CloseCode.HELLO_TIMEOUT, 'no HELLO in time');
  }

  /** Another connection resumed this one's session. */
  takenOver(): void {
    this.session = undefined;
    this.close(CloseCode.SESSION_TAKEN_OVER, 'another connection resumed this session');
  }

  /**
   * The server's heartbeat ticked: PING (protocol and WebSocket). The frame count is noted at the
   * oldest PING not yet checked, so a grace longer than the interval still measures from it.
   */
  ping(round: number): void {
    const session = this.session;
    if (this.state !== State.Open || !session) return;
    if (this.pingRound === 0) {
      this.pingRound = round;
      this.framesAtPing = this.framesSeen;
    }
    session.push(msg.ping(session.inbox.received));
    this.socket.ping?.();
  }

  /**
   * heartbeatTimeoutMs after round `round`'s PING: a client that completed no message since is
   * dead (4000). WebSocket pongs do not count, so a peer cannot hold an unfinished fragmented
   * message (buffered by the transport) open for longer than a heartbeat round or two.
   */
  checkPong(round: number): void {
    if (this.pingRound !== round) return;
    this.pingRound = 0;
    if (this.state !== State.Open || this.framesSeen !== this.framesAtPing) return;
    this.close(CloseCode.HEARTBEAT_TIMEOUT, 'no answer to heartbeat');
    this.socket.terminate();
  }

  writable(): Promise<void> | undefined {
    if (this.state !== State.Open) return undefined;
    return this.room(this.session?.outbox.queuedBytes ?? 0);
  }

  /** Closes with 4002 and ends the session: resuming would only replay the backlog it could not take. */
  closeSlowConsumer(): void {
    this.finalClose = true;
    this.close(CloseCode.SLOW_CONSUMER, 'the client did not keep up with a stream');
  }

  callFinished(): void {
    if (this.host.draining && !this.busy) this.host.connectionIdle(this);
  }

  /** Sends GOAWAY: the client starts nothing new here. */
  goaway(message: string): void {
    if (this.state === State.Open) this.session?.push(msg.goaway(message));
  }

  private violation(error: unknown): void {
    if (error instanceof ProtocolViolation) {
      this.host.settings.metrics.violations++;
      this.close(error.closeCode, error.message, error.errorCode);
      return;
    }
    this.host.settings.reportError(error, 'connection');
    this.close(CloseCode.INTERNAL_ERROR, 'internal error');
  }

  /**
   * Closes the connection with `code`. For violations the full message first goes out as ERROR on
   * stream 0 with `explainAs` (final: not retryable), because a close reason holds only 123 bytes.
   */
  close(code: number, reason: string, explainAs?: ErrorCode): void {
    if (this.state === State.Closed) return;
    if (explainAs !== undefined) {
      try {
        const explanation = errorMessage(0, new RpcError(explainAs, reason, { retryable: false }));
        this.socket.send(this.codec.frame([this.codec.encode(explanation)]));
      } catch {
        // The socket is already failing; the close code still tells the client why.
      }
    }
    this.session?.outbox.flush();
    this.socket.close(code, truncateCloseReason(reason));
    this.closed(code);
  }

  /**
   * The transport closed the socket for a WebSocket-level violation (1002, 1007, 1008, 1009) and is
   * finishing the closing handshake itself: counted as a violation, and the session ends.
   */
  transportViolation(code: number): void {
    if (this.state === State.Closed) return;
    this.host.settings.metrics.violations++;
    this.finalClose = true;
    this.closed(code);
  }

  /** The socket closed (by either side). The session is kept for resume unless the close was final. */
  closed(code: number): void {
    if (this.state === State.Closed) return;
    this.state = State.Closed;
    this.host.settings.metrics.closed(code);
    this.host.helloDeadline.remove(this);
    this.socketClosed();
    this.host.connectionClosed(this);
    this.host.settings.hooks.connectionClosed?.(this.info, code);
    // 1000 and 1001 from a client mean it is done (1001: a browser tab closed); 4400-4999 are final
    // (the 44xx violations and the application range, protocol.md section 4).
    const final =
      this.finalClose ||
      code === CloseCode.NORMAL ||
      code === CloseCode.GOING_AWAY ||
      (code >= 4400 && code < 5000) ||
      // A draining server with a handover keeps the session to offer it.
      (this.host.draining && !this.host.mover);
    this.session?.detach(this, final);
  }

  /** Whether calls are still running (topic subscriptions do not count: they never finish). */
  get busy(): boolean {
    return this.session?.busy ?? false;
  }
}
