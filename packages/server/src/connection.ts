import {
  type ClientMessage,
  CloseCode,
  type Codec,
  decodeClientFrame,
  type ErrorCode,
  errorMessage,
  type HelloFeatures,
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
import { identify } from './handshake.js';
import type { HeartbeatTarget } from './heartbeat.js';
import { ConnectionInfo } from './hooks.js';
import type { Service } from './service.js';
import { Session } from './session.js';
import type { SessionLink } from './session-link.js';
import type { SocketLike, UpgradeRequest } from './socket.js';
import { SocketWriter } from './socket-writer.js';

export type { ConnectionHost } from './connection-host.js';

const State = { Hello: 0, Handshaking: 1, Open: 2, Closed: 3 } as const;
type State = (typeof State)[keyof typeof State];

// Connections note when they opened relative to the module's load: for 12 days such a time is an
// integer V8 keeps inside the object (a Smi), where an epoch time is a 16-byte heap number each.
const EPOCH = Date.now();
function sinceEpoch(): number {
  const ms = Date.now() - EPOCH;
  // `| 0` makes the difference of two heap numbers a Smi; past 2^30 ms (12 days) it is left as is.
  return ms < 2 ** 30 ? ms | 0 : ms;
}

// The timer gets its connection as an argument: no closure per connection.
function helloTimedOut(connection: Connection): void {
  connection.close(CloseCode.HELLO_TIMEOUT, 'no HELLO in time');
}

/**
 * One WebSocket connection on the server: the protocol state machine from HELLO to close. It validates
 * every frame (violations close with their documented code), runs the handshake, dispatches messages to
 * the session's calls, answers heartbeats and applies backpressure (the {@link SocketWriter} it extends).
 */
export class Connection extends SocketWriter implements SessionLink, HeartbeatTarget {
  declare protected readonly host: ConnectionHost;
  private state: State = State.Hello;
  session: Session | undefined;
  private helloTimer: ReturnType<typeof setTimeout> | undefined;
  private framesSeen = 0;
  private framesAtPing = 0;
  /** The heartbeat round of the PING not yet checked, 0 when none is. */
  private pingRound = 0;
  private finalClose = false;
  /** What the upgrade request said, until the session's context is built from it. */
  private request: UpgradeRequest | undefined;
  /** When it was accepted, in ms after EPOCH. */
  private readonly opened = sinceEpoch();
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
    this.helloTimer = setTimeout(helloTimedOut, host.helloTimeoutMs, this);
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
    // What the frame's messages produce at once (results of synchronous handlers, PONG, POS)
    // leaves as one frame when the batch is done; later output waits for the end of the turn.
    const session = this.state === State.Open ? this.session : undefined;
    if (session) session.frames++;
    const outbox = session?.outbox;
    outbox?.cork();
    for (let i = 0; i < batch.length && (this.state as State) !== State.Closed; i++) {
      try {
        this.handle(batch[i] as ClientMessage);
      } catch (error) {
        this.violation(error);
      }
    }
    outbox?.uncork();
  }

  private handle(message: ClientMessage): void {
    if (this.state !== State.Open) {
      if (message[0] !== MessageType.HELLO)
        throw new ProtocolViolation(CloseCode.NOT_READY, 'only HELLO is allowed before WELCOME');
      if (this.state !== State.Hello) throw new ProtocolViolation(CloseCode.DUPLICATE_HELLO, 'a second HELLO');
      this.state = State.Handshaking;
      // An error the handshake did not expect (a failed write, a throwing hook) closes with 1011.
      this.hello(message[1], message[2], message[3], message[4]).catch((error: unknown) => this.violation(error));
      return;
    }
    dispatch(this.session as Session, message, this.service, this.host);
  }

  private async hello(
    auth: unknown,
    resumeToken: string | null,
    received: number,
    features: HelloFeatures | undefined,
  ): Promise<void> {
    clearTimeout(this.helloTimer);
    this.helloTimer = undefined;
    const request = this.request as UpgradeRequest;
    this.request = undefined;
    const { settings } = this.host;
    const identity = await identify(this.service, auth, request, settings);
    if (!identity.ok) {
      // A session this HELLO meant to resume stays resumable: the client may come back with
      // fresh credentials within the resume window.
      this.close(identity.closeCode, identity.reason);
      return;
    }
    if (this.state === State.Closed) return;
    const { metrics } = settings;
    let session: Session | undefined;
    if (resumeToken !== null) {
      let previous = this.host.findSession(resumeToken);
      const mover = previous ? undefined : this.host.mover;
      if (mover) {
        // Moved here from another server: claimed only for this HELLO's principal, API and codec.
        previous = await mover.claim(resumeToken, this.service, this.codec, identity.ctx, identity.principal, received);
        if ((this.state as State) === State.Closed) return void (previous && mover.moveOut(previous, false));
      }
      if (previous && !previous.belongsTo(identity.principal)) {
        // Another principal's token (stolen, or a shared device): a fresh session for this one,
        // and the other's session stays for its owner to resume.
        metrics.resumesRefused++;
      } else if (previous?.canResume(this.service, this.codec, received)) {
        session = previous;
        session.replaceContext(identity.ctx);
      } else {
        previous?.destroy();
      }
      if (session) metrics.sessionsResumed++;
      else metrics.resumesFailed++;
    }
    const resumed = session !== undefined;
    if (!session) {
      const env = environmentOf(this.service, settings);
      session = new Session(env, this.codec, identity.ctx, identity.principal);
      metrics.sessionsStarted++;
    }
    this.session = session;
    declareClientProcedures(session, features);
    session.itemsOffered = features?.items === true;
    this.state = State.Open;
    session.attach(this, this, resumed, received);
    this.host.heartbeat.start();
    if (this.view) this.view.sessionInfo = session.sessionInfo;
    const hooks = settings.hooks;
    if (resumed) hooks.sessionResumed?.(session.sessionInfo, this.info);
    else hooks.sessionStarted?.(session.sessionInfo, this.info);
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
    if (this.helloTimer) clearTimeout(this.helloTimer);
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
