import type { ProcedureKind } from '@switchboard/contract';
import type { CallMetadata, CodecName, RpcError } from '@switchboard/protocol';
import type { SessionInfo } from './handlers.js';
import type { Service } from './service.js';

/** A connection as lifecycle hooks and the inspector see it. */
export interface ConnectionView {
  /** A number unique among the server's connections, counting from 1. */
  readonly id: number;
  /** The negotiated codec. */
  readonly codec: CodecName;
  /** The API id of the service the connection speaks (`name.version`), `''` for a contract without one. */
  readonly api: string;
  /** The transport that carries it (`'websocket'`). */
  readonly transport: string;
  /** When it was accepted, as `Date.now()`. */
  readonly openedAt: number;
  /** The peer's address, when the transport knows it. */
  readonly remoteAddress: string | undefined;
  /** The session it carries, once the handshake completed. */
  readonly sessionInfo: SessionInfo | undefined;
}

/** A call (unary, stream, channel, event or topic subscription) as lifecycle hooks see it. */
export interface CallView {
  /** Its stream id within the session. */
  readonly id: number;
  /** The procedure's dotted path, from the contract (never client input). */
  readonly path: string;
  readonly kind: ProcedureKind;
  /** The session it runs in. */
  readonly session: SessionInfo;
  /** Items sent to the client so far (DATA, or topic items). */
  readonly itemsSent: number;
  /** Items received from the client so far (DATA of a client stream or channel). */
  readonly itemsReceived: number;
  /** The CALL's or EVENT's metadata (protocol.md section 11), empty when it had none. */
  readonly metadata: CallMetadata;
  /** Items the client's credit still allows the server to send now. */
  readonly creditLeft: number;
  /** Items waiting to be sent (a topic subscription's queue under its policy). */
  readonly queued: number;
}

/** How a call ended, for {@link ServerHooks.callFinished}. */
export interface CallOutcome {
  /** `'OK'` for END or ACK; otherwise the error code sent (or, for a cancelled call, its reason's). */
  readonly code: string;
  /** From the call's start to its end, in ms. */
  readonly durationMs: number;
  /** From the call's start to its first item sent, in ms; undefined when it sent none. */
  readonly firstItemMs: number | undefined;
  readonly itemsSent: number;
  readonly itemsReceived: number;
}

/**
 * Lifecycle hooks of a server, for metrics, tracing and inspection. Each is optional; a server
 * with none set does no extra work per call. Hooks run synchronously where the event happens and
 * must not throw (a throw goes to `onError` and the server carries on).
 */
export interface ServerHooks {
  /** A connection was accepted (past negotiation, the origin check and the capacity checks). */
  readonly connectionOpened?: (connection: ConnectionView) => void;
  /** A connection closed with `code` (whichever side closed it; 1006 when it dropped). */
  readonly connectionClosed?: (connection: ConnectionView, code: number) => void;
  /** A HELLO created a session (no resume asked, or the resume failed). */
  readonly sessionStarted?: (session: SessionInfo, connection: ConnectionView) => void;
  /** A HELLO resumed a session on a new connection. */
  readonly sessionResumed?: (session: SessionInfo, connection: ConnectionView) => void;
  /** A session's connection dropped and it now waits `resumeWindowMs` for a resume. */
  readonly sessionDetached?: (session: SessionInfo) => void;
  /** A session ended for good (closed, expired, evicted, the server stopped): no resume any more. */
  readonly sessionLost?: (session: SessionInfo, reason: RpcError) => void;
  /** A CALL or EVENT opened a call (after routing, rate limits and `maxStreams`). */
  readonly callStarted?: (call: CallView) => void;
  /**
   * Runs a call's middleware and handler: call `run` once, synchronously (inside an async context
   * of your own, such as OpenTelemetry's `context.with`, so that what the handler does is
   * attributed to the call). Several are nested in the order given.
   */
  readonly aroundCall?: (call: CallView, run: () => void) => void;
  /** A call ended: END, ACK, ERROR or cancelled. */
  readonly callFinished?: (call: CallView, outcome: CallOutcome) => void;
  /** A stream, channel or subscription sent its first item, `ms` after the call started. */
  readonly firstItem?: (call: CallView, ms: number) => void;
  /** A `drop-oldest` or `latest` policy dropped or conflated an item of `call`. */
  readonly itemDropped?: (call: CallView) => void;
}

type HookName = keyof ServerHooks;
const HOOK_NAMES: readonly HookName[] = [
  'connectionOpened',
  'connectionClosed',
  'sessionStarted',
  'sessionResumed',
  'sessionDetached',
  'sessionLost',
  'callStarted',
  'aroundCall',
  'callFinished',
  'firstItem',
  'itemDropped',
];

/**
 * The hooks a server runs: every set of hooks given (`ServerOptions.hooks`,
 * `server.observe`) merged into one function per event, undefined when none listens, so the
 * server tests one field and allocates nothing for an event nobody observes.
 */
export class HookSet {
  connectionOpened: ServerHooks['connectionOpened'];
  connectionClosed: ServerHooks['connectionClosed'];
  sessionStarted: ServerHooks['sessionStarted'];
  sessionResumed: ServerHooks['sessionResumed'];
  sessionDetached: ServerHooks['sessionDetached'];
  sessionLost: ServerHooks['sessionLost'];
  callStarted: ServerHooks['callStarted'];
  aroundCall: ServerHooks['aroundCall'];
  callFinished: ServerHooks['callFinished'];
  firstItem: ServerHooks['firstItem'];
  itemDropped: ServerHooks['itemDropped'];
  private readonly sets: ServerHooks[] = [];

  /** Whether a hook that takes a {@link ConnectionView} is set: a connection then makes its view at once. */
  get watchConnections(): boolean {
    return (
      this.connectionOpened !== undefined ||
      this.connectionClosed !== undefined ||
      this.sessionStarted !== undefined ||
      this.sessionResumed !== undefined
    );
  }

  constructor(private readonly reportError: (error: unknown, where: string) => void) {}

  /** Adds a set of hooks; returns the function that removes it. */
  add(hooks: ServerHooks): () => void {
    this.sets.push(hooks);
    this.merge();
    return () => {
      const index = this.sets.indexOf(hooks);
      if (index < 0) return;
      this.sets.splice(index, 1);
      this.merge();
    };
  }

  private merge(): void {
    for (const name of HOOK_NAMES) {
      const fns = this.sets.map((set) => set[name]).filter((fn) => fn !== undefined) as Array<
        (a: unknown, b: unknown) => void
      >;
      if (fns.length === 0) (this as Record<HookName, unknown>)[name] = undefined;
      else if (name === 'aroundCall')
        this.aroundCall = this.nested(fns as Array<NonNullable<ServerHooks['aroundCall']>>);
      else (this as Record<HookName, unknown>)[name] = this.merged(name, fns);
    }
  }

  /** Nests `around` hooks, the first outermost; one that throws before running the call is skipped. */
  private nested(fns: Array<NonNullable<ServerHooks['aroundCall']>>): NonNullable<ServerHooks['aroundCall']> {
    const report = this.reportError;
    return fns.reduceRight<NonNullable<ServerHooks['aroundCall']>>(
      (inner, fn) => (call, run) => {
        let ran = false;
        const next = () => {
          if (ran) return;
          ran = true;
          inner(call, run);
        };
        try {
          fn(call, next);
        } catch (error) {
          report(error, 'hooks.aroundCall');
        }
        next();
      },
      (_call, run) => run(),
    );
  }

  /** Every hook takes at most two arguments: fixed parameters, no array per event. */
  private merged(name: string, fns: Array<(a: unknown, b: unknown) => void>): (a: unknown, b: unknown) => void {
    const report = this.reportError;
    const where = `hooks.${name}`;
    return (a, b) => {
      for (const fn of fns) {
        try {
          fn(a, b);
        } catch (error) {
          report(error, where);
        }
      }
    };
  }
}

/** What a {@link ConnectionInfo} is made from: the connection, read when a hook first needs it. */
export interface ConnectionFacts {
  readonly id: number;
  readonly codec: { readonly name: CodecName };
  readonly service: Service;
  readonly openedAt: number;
  /** The session it carries, once the handshake completed. */
  readonly session: { readonly sessionInfo: SessionInfo } | undefined;
}

/**
 * The {@link ConnectionView} of a server's connection. A connection makes it only when a hook
 * needs it (at its acceptance when a connection or session hook is set then), so an idle
 * connection of a server nobody observes holds none, nor the peer's address.
 */
export class ConnectionInfo implements ConnectionView {
  readonly id: number;
  readonly codec: CodecName;
  readonly api: string;
  readonly openedAt: number;
  readonly remoteAddress: string | undefined;
  sessionInfo: SessionInfo | undefined;

  /** @param remoteAddress The peer's address, when the transport knows it. */
  constructor(facts: ConnectionFacts, remoteAddress: string | undefined) {
    this.id = facts.id;
    this.codec = facts.codec.name;
    const api = facts.service.contract.api;
    this.api = api ? `${api.name}.${api.version}` : '';
    this.openedAt = facts.openedAt;
    this.remoteAddress = remoteAddress;
    this.sessionInfo = facts.session?.sessionInfo;
  }

  get transport(): string {
    return 'websocket';
  }
}
