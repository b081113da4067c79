import {
  type ClientMessage,
  CloseCode,
  type Codec,
  decodeClientFrame,
  isRpcError,
  type Limits,
  ProtocolViolation,
  RpcError,
  truncateCloseReason,
  type WelcomeMessage,
} from '@switchboard/protocol';
import type { IdempotencyStore } from './events.js';
import type { Heartbeat, HeartbeatTarget } from './heartbeat.js';
import { emptyContext, type Service } from './service.js';
import { EMPTY_CONTEXT, Session, type SessionLink, type SessionSettings } from './session.js';
import { parseCookies, type SocketLike, type UpgradeRequest } from './socket.js';

/** What a connection needs from its server. */
export interface ConnectionHost {
  readonly settings: SessionSettings;
  readonly helloTimeoutMs: number;
  readonly highWatermark: number;
  readonly lowWatermark: number;
  readonly events: IdempotencyStore;
  readonly heartbeat: Heartbeat;
  readonly draining: boolean;
  findSession(token: string): Session | undefined;
  keepSession(session: Session): void;
  forgetSession(session: Session): void;
  connectionClosed(connection: Connection): void;
  /** A connection of a draining server has no call left. */
  connectionIdle(connection: Connection): void;
}

const State = { Hello: 0, Handshaking: 1, Open: 2, Closed: 3 } as const;
type State = (typeof State)[keyof typeof State];

// The timer gets its connection as an argument: no closure per connection.
function helloTimedOut(connection: Connection): void {
  connection.close(CloseCode.HELLO_TIMEOUT, 'no HELLO in time');
}

// A frame's bytes on the wire are at most this many per string unit (UTF-8) plus a frame header.
const MAX_BYTES_PER_UNIT = 3;
const MAX_HEADER_BYTES = 14;

/**
 * One WebSocket connection on the server: the protocol state machine from HELLO to close. It
 * validates every frame (violations close with their documented code), runs the handshake,
 * dispatches messages to the session's calls, sends heartbeats and applies socket backpressure.
 */
export class Connection implements SessionLink, HeartbeatTarget {
  private state: State = State.Hello;
  session: Session | undefined;
  private readonly limits: Limits;
  private helloTimer: ReturnType<typeof setTimeout> | undefined;
  private framesSeen = 0;
  private framesAtPing = 0;
  /** The heartbeat round of the PING not yet checked, 0 when none is. */
  private pingRound = 0;
  private lastAckSent = 0;
  private drainWaiters: Array<() => void> | undefined;
  /** Wakes producers once a frame left; made when the socket first buffers past the low watermark. */
  private onSent: (() => void) | undefined;
  private finalClose = false;
  /** What the upgrade request said, until the session's context is built from it. */
  private request: UpgradeRequest | undefined;

  constructor(
    private readonly host: ConnectionHost,
    private readonly socket: SocketLike,
    readonly service: Service,
    readonly codec: Codec,
    request: UpgradeRequest,
  ) {
    this.limits = host.settings.limits;
    this.request = request;
    this.helloTimer = setTimeout(helloTimedOut, host.helloTimeoutMs, this);
  }

  /** A frame arrived from the client. Never throws: violations close the connection. */
  /** A frame from the client; `byteLength` is its payload's size on the wire, when known. */
  receive(data: string | Uint8Array | ArrayBuffer, isBinary: boolean, byteLength?: number): void {
    if (this.state === State.Closed) return;
    this.framesSeen++;
    const metrics = this.host.settings.metrics;
    metrics.framesReceived++;
    metrics.bytesReceived += byteLength ?? (typeof data === 'string' ? this.codec.size(data) : data.byteLength);
    let batch: ClientMessage[];
    try {
      batch = decodeClientFrame(this.codec, data, isBinary, this.limits);
    } catch (error) {
      this.violation(error);
      return;
    }
    // What the frame's messages produce at once (results of synchronous handlers, PONG, POS)
    // leaves as one frame when the batch is done; later output waits for the end of the turn.
    const outbox = this.state === State.Open ? this.session?.outbox : undefined;
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

  /** The transport saw a WebSocket pong. */
  pong(): void {
    this.framesSeen++;
  }

  private handle(message: ClientMessage): void {
    if (this.state !== State.Open) {
      if (message[0] !== 1) throw new ProtocolViolation(CloseCode.NOT_READY, 'only HELLO is allowed before WELCOME');
      if (this.state !== State.Hello) throw new ProtocolViolation(CloseCode.DUPLICATE_HELLO, 'a second HELLO');
      this.state = State.Handshaking;
      void this.hello(message[1], message[2], message[3]);
      return;
    }
    const session = this.session as Session;
    switch (message[0]) {
      case 1:
        throw new ProtocolViolation(CloseCode.DUPLICATE_HELLO, 'a second HELLO');
      case 3:
        session.outbox.ack(message[1]);
        session.push([4, session.received]);
        this.lastAckSent = session.received;
        return;
      case 4:
      case 5:
        session.outbox.ack(message[1]);
        return;
    }
    session.received++;
    switch (message[0]) {
      case 10: {
        this.checkId(session, message[1]);
        if (this.host.draining) {
          session.push([15, message[1], 'UNAVAILABLE', 'the server is draining']);
          break;
        }
        const call = session.open(message[1], this.service.procedures.get(message[2]), message[4] ?? 0, message[2]);
        if (call) void call.run(message[3]);
        break;
      }
      case 11: {
        const call = session.call(message[1]);
        if (call?.inbound && !call.inbound.push(message[2])) {
          throw new ProtocolViolation(CloseCode.CREDIT_EXCEEDED, `DATA beyond credit on stream ${message[1]}`);
        }
        break;
      }
      case 12:
        session.call(message[1])?.grant(message[2]);
        break;
      case 13:
        session.call(message[1])?.inbound?.end();
        break;
      case 14:
        session.call(message[1])?.cancel();
        break;
      case 16:
        this.checkId(session, message[1]);
        this.event(session, message[1], message[2], message[3], message[4]);
        break;
    }
    if (session.received - this.lastAckSent >= this.limits.ackEvery) {
      this.lastAckSent = session.received;
      session.push([5, session.received]);
    }
  }

  private checkId(session: Session, id: number): void {
    if (id <= session.lastId) {
      throw new ProtocolViolation(CloseCode.STREAM_ID_REUSED, `stream id ${id} is not greater than ${session.lastId}`);
    }
    session.lastId = id;
  }

  private event(session: Session, id: number, path: string, payload: unknown, key: string): void {
    const bound = this.service.procedures.get(path);
    if (this.host.draining) {
      session.push([15, id, 'UNAVAILABLE', 'the server is draining']);
      return;
    }
    const call = session.open(id, bound?.proc.kind === 'event' ? bound : undefined, 0, path);
    if (!call) return;
    void this.host.events
      .run(`${path}\u0000${key}`, () => call.runCaptured(payload, key))
      .then(
        (outcome) => call.settleEvent(outcome),
        // The store could not be reached. A store rejects before running the handler (the Redis one
        // does without a claim), so the event fails with a retryable error.
        (error: unknown) =>
          call.settleEvent({
            ok: false,
            error: new RpcError('UNAVAILABLE', 'the idempotency store did not answer', { cause: error }),
          }),
      );
  }

  private async hello(auth: unknown, resumeToken: string | null, received: number): Promise<void> {
    clearTimeout(this.helloTimer);
    this.helloTimer = undefined;
    const request = this.request as UpgradeRequest;
    this.request = undefined;
    // Every HELLO is authenticated, a resuming one too: its credentials may have expired or been
    // revoked since the session started. A service without a context option gets no handshake
    // built (its sessions make the empty context when a call first reads it); the await stays, so
    // WELCOME leaves at the same point.
    const { context } = this.service;
    let ctx: unknown;
    let principal: string | undefined;
    try {
      ctx = await (context === emptyContext
        ? EMPTY_CONTEXT
        : context({
            auth,
            headers: request.headers,
            cookies: parseCookies(request.headers.cookie),
            url: request.url,
            get remoteAddress() {
              return request.remoteAddress;
            },
          }));
      principal = this.service.principalOf(ctx === EMPTY_CONTEXT ? {} : ctx);
    } catch (error) {
      // A session this HELLO meant to resume stays resumable: the client may come back with
      // fresh credentials within the resume window.
      const code = isRpcError(error) ? error.code : 'INTERNAL';
      if (code === 'UNAUTHENTICATED')
        this.close(CloseCode.UNAUTHENTICATED, isRpcError(error) ? error.message : 'unauthenticated');
      else if (code === 'PERMISSION_DENIED')
        this.close(CloseCode.FORBIDDEN, isRpcError(error) ? error.message : 'forbidden');
      else {
        this.host.settings.reportError(error, 'context');
        this.close(CloseCode.INTERNAL_ERROR, 'could not build the session context');
      }
      return;
    }
    if (this.state === State.Closed) return;
    let session: Session | undefined;
    let resumed = false;
    if (resumeToken !== null) {
      const previous = this.host.findSession(resumeToken);
      if (previous && !previous.belongsTo(principal)) {
        // Another principal's token (stolen, or a shared device): a fresh session for this one,
        // and the other's session stays for its owner to resume.
        this.host.settings.metrics.resumesRefused++;
      } else if (
        previous &&
        !previous.destroyed &&
        previous.service === this.service &&
        previous.codec === this.codec &&
        previous.outbox.canResumeFrom(received)
      ) {
        session = previous;
        resumed = true;
        // Calls opened from now on see the context of these credentials; running ones keep theirs.
        if (ctx !== EMPTY_CONTEXT) session.ctx = ctx;
      } else if (previous) {
        previous.destroy();
        this.host.forgetSession(previous);
      }
      if (resumed) this.host.settings.metrics.sessionsResumed++;
      else this.host.settings.metrics.resumesFailed++;
    }
    if (!session) {
      session = new Session(this.service, this.codec, ctx, this.host.settings, principal);
      this.host.settings.metrics.sessionsStarted++;
    }
    this.attach(session, resumed, received);
  }

  private attach(session: Session, resumed: boolean, clientReceived: number): void {
    if (session.link && session.link !== this) (session.link as Connection).takenOver();
    if (session.expiry) clearTimeout(session.expiry);
    session.expiry = undefined;
    this.session = session;
    this.state = State.Open;
    session.outbox.attach((frame) => this.write(frame));
    session.attachLink(this);
    const welcome: WelcomeMessage = [2, session.id, session.resumeToken, resumed, session.received, this.limits];
    session.outbox.push(welcome);
    session.outbox.flush();
    if (resumed) session.outbox.retransmitFrom(clientReceived);
    this.host.keepSession(session);
    this.lastAckSent = session.received;
    this.host.heartbeat.start();
  }

  private takenOver(): void {
    this.session = undefined;
    this.close(CloseCode.SESSION_TAKEN_OVER, 'another connection resumed this session');
  }

  /**
   * PING every heartbeatMs; a client that sent nothing within heartbeatTimeoutMs of a PING is
   * dead (4000). The next PING follows heartbeatMs after the previous one, so the client, which
   * allows heartbeatMs + heartbeatTimeoutMs of silence, never mistakes an idle server for a dead one.
   */
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
    session.push([3, session.received]);
    this.socket.ping?.();
  }

  /** heartbeatTimeoutMs after round `round`'s PING: a client that sent nothing since is dead (4000). */
  checkPong(round: number): void {
    if (this.pingRound !== round) return;
    this.pingRound = 0;
    if (this.state !== State.Open || this.framesSeen !== this.framesAtPing) return;
    this.close(CloseCode.HEARTBEAT_TIMEOUT, 'no answer to heartbeat');
    this.socket.terminate();
  }

  writable(): Promise<void> | undefined {
    if (this.state !== State.Open) return undefined;
    const buffered = this.socket.bufferedAmount + (this.session?.outbox.queuedBytes ?? 0);
    if (buffered <= this.host.highWatermark) return undefined;
    return new Promise((resolve) => (this.drainWaiters ??= []).push(resolve));
  }

  /**
   * The outbox's sink. A frame asks to be told when it left only if the socket may then buffer
   * more than the low watermark, or producers wait: a frame that leaves the buffer below it cannot
   * be the one a paused producer waits for, and an idle connection keeps no callback.
   */
  private write(frame: string | Uint8Array): void {
    const socket = this.socket;
    const metrics = this.host.settings.metrics;
    metrics.framesSent++;
    metrics.bytesSent += typeof frame === 'string' ? this.codec.size(frame) : frame.byteLength;
    const bound = typeof frame === 'string' ? frame.length * MAX_BYTES_PER_UNIT : frame.byteLength;
    if (this.drainWaiters === undefined && socket.bufferedAmount + bound + MAX_HEADER_BYTES <= this.host.lowWatermark) {
      socket.send(frame);
      return;
    }
    socket.send(frame, this.onSent ?? this.sentCallback());
  }

  private sentCallback(): () => void {
    this.onSent = () => this.checkDrain();
    return this.onSent;
  }

  private checkDrain(): void {
    const waiters = this.drainWaiters;
    if (!waiters) return;
    if (this.state === State.Open && this.socket.bufferedAmount > this.host.lowWatermark) return;
    this.drainWaiters = undefined;
    for (const wake of waiters) wake();
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
    if (this.state === State.Open) this.session?.push([6, message]);
  }

  private violation(error: unknown): void {
    if (error instanceof ProtocolViolation) {
      this.host.settings.metrics.violations++;
      this.close(error.closeCode, error.message, true);
      return;
    }
    this.host.settings.reportError(error, 'connection');
    this.close(CloseCode.INTERNAL_ERROR, 'internal error');
  }

  /**
   * Closes the connection with `code`. For violations the full message first goes out as ERROR on
   * stream 0, because a close reason holds only 123 bytes.
   */
  close(code: number, reason: string, explain = false): void {
    if (this.state === State.Closed) return;
    if (explain) {
      try {
        this.socket.send(this.codec.frame([this.codec.encode([15, 0, 'PROTOCOL_ERROR', reason])]));
      } catch {
        // The socket is already failing; the close code still tells the client why.
      }
    }
    this.session?.outbox.flush();
    this.socket.close(code, truncateCloseReason(reason));
    this.closed(code);
  }

  /** The socket closed (by either side). The session is kept for resume unless the close was final. */
  closed(code: number): void {
    if (this.state === State.Closed) return;
    const wasOpen = this.state === State.Open;
    this.state = State.Closed;
    this.host.settings.metrics.closed(code);
    if (this.helloTimer) clearTimeout(this.helloTimer);
    this.checkDrain();
    const session = this.session;
    this.host.connectionClosed(this);
    if (!session || !wasOpen || session.link !== this) return;
    session.link = undefined;
    session.outbox.detach();
    // 1000 and 1001 from a client mean it is done (1001: a browser tab closed); 44xx are final.
    const final =
      this.finalClose ||
      code === CloseCode.NORMAL ||
      code === CloseCode.GOING_AWAY ||
      (code >= 4400 && code < 5000) ||
      this.host.draining;
    if (final || this.limits.resumeWindowMs <= 0) {
      session.destroy();
      this.host.forgetSession(session);
      return;
    }
    session.expiry = setTimeout(() => {
      session.destroy(new RpcError('UNAVAILABLE', 'the session expired'));
      this.host.forgetSession(session);
    }, this.limits.resumeWindowMs);
    session.expiry.unref?.();
  }

  /** Whether calls are still running (topic subscriptions do not count: they never finish). */
  get busy(): boolean {
    return this.session?.busy ?? false;
  }
}
