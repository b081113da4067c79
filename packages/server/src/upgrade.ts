import {
  type ApiId,
  CloseCode,
  type CodecName,
  FALLBACK_TOKEN,
  msg,
  negotiateSubprotocol,
  supportedSubprotocols,
} from '@switchboard/protocol';
import { DEFAULT_SHEDDING } from './defaults.js';
import type { RefusalReason } from './metrics.js';
import type { Service } from './service.js';
import type { Pressure } from './shedding.js';
import type { UpgradeRequest } from './socket.js';

// biome-ignore lint/suspicious/noExplicitAny: a server holds services of any contract and context.
type AnyService = Service<any, any>;

/** An upgrade refused in HTTP, before any WebSocket exists; the transport writes it and closes. */
export interface UpgradeRefusal {
  readonly ok: false;
  readonly status: number;
  /** Response headers besides the framing ones the transport adds (Connection, Content-Length). */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  /** What the refusal is counted as in `ServerMetrics.refused`. */
  readonly reason: RefusalReason;
}

/** An upgrade to complete, selecting `acceptance.token` as the subprotocol. */
export interface UpgradeAcceptance {
  readonly ok: true;
  readonly acceptance: Acceptance;
}

/** What the core answers an upgrade request: a refusal to write, or an acceptance to complete. */
export type UpgradeDecision = UpgradeRefusal | UpgradeAcceptance;

/**
 * What happens once the WebSocket is open: a connection served by `service` over `codec`, or a
 * close with `code` right after the upgrade. The latter is for refusals a client must read as a
 * close code (protocol.md section 6): a fallback-only offer (4406, after one UNSUPPORTED_PROTOCOL
 * frame), a full server (4001), a draining one (1012) and, for a browser, one shedding load (1013).
 */
export type Acceptance =
  | { readonly ok: true; readonly token: string; readonly service: Service; readonly codec: CodecName }
  | {
      readonly ok: false;
      readonly token: string;
      readonly reason: RefusalReason;
      readonly code: number;
      readonly message: string;
      /** A frame sent before the close, in JSON: it says what the client offered and what is served. */
      readonly frame: string | undefined;
    };

/** Origins allowed to connect: a list, or a function deciding per origin. */
export type AllowedOrigins = ReadonlyArray<string> | ((origin: string) => boolean);

/** What an upgrade is decided against: the server's state at the moment of the request. */
export interface UpgradeState {
  /** The path this transport serves; the query string of a request is ignored. */
  readonly path: string;
  readonly negotiator: Negotiator;
  readonly allowedOrigins: AllowedOrigins | undefined;
  readonly draining: boolean;
  readonly connectionCount: number;
  readonly maxConnections: number;
  /** Why the server sheds load now (see `LoadShedder`); undefined or absent: it does not. */
  readonly pressure?: Pressure | undefined;
  /** The `Retry-After` of a refusal under pressure, in seconds. @default 5 */
  readonly retryAfterSeconds?: number;
}

const TEXT_PLAIN = Object.freeze({ 'content-type': 'text/plain; charset=utf-8' });

function refusal(status: number, reason: RefusalReason, body: string): UpgradeRefusal {
  return { ok: false, status, headers: TEXT_PLAIN, body, reason };
}

/** The tokens of a Sec-WebSocket-Protocol header, in the client's order. */
function offersOf(header: string | string[] | undefined): string[] {
  if (header === undefined) return [];
  const text = Array.isArray(header) ? header.join(',') : header;
  const offers: string[] = [];
  for (const token of text.split(',')) {
    const trimmed = token.trim();
    if (trimmed) offers.push(trimmed);
  }
  return offers;
}

/** Whether a browser origin may connect; requests without an Origin header are not browsers'. */
export function originAllowed(origin: string | string[] | undefined, allowed: AllowedOrigins | undefined): boolean {
  if (origin === undefined || allowed === undefined) return true;
  if (Array.isArray(origin)) return origin.every((one) => originAllowed(one, allowed));
  return typeof allowed === 'function' ? allowed(origin) : allowed.includes(origin);
}

/**
 * Decides an upgrade, in this order: the path (HTTP 404), the origin (HTTP 403), the subprotocol
 * (HTTP 400 naming the supported tokens, unless the client offers the fallback token: then 4406
 * after the upgrade), draining (1012 after the upgrade), load (HTTP 503 with Retry-After; 1013
 * after the upgrade for a browser, which cannot read a status) and capacity (4001 after the
 * upgrade). Pure: it counts nothing and touches no socket.
 */
export function decideUpgrade(request: UpgradeRequest, state: UpgradeState): UpgradeDecision {
  const query = request.url.indexOf('?');
  const pathname = query === -1 ? request.url : request.url.slice(0, query);
  if (pathname !== state.path) return refusal(404, 'path', `no WebSocket endpoint at ${pathname}`);
  if (!originAllowed(request.headers.origin, state.allowedOrigins)) return refusal(403, 'origin', 'origin not allowed');
  const negotiated = state.negotiator.negotiateHeader(request.headers['sec-websocket-protocol']);
  if (!negotiated.ok && negotiated.token === undefined) return refusal(400, 'subprotocol', negotiated.message);
  if (negotiated.ok && !state.draining && state.pressure !== undefined && request.headers.origin === undefined) {
    return overloaded(state.pressure, state.retryAfterSeconds ?? DEFAULT_SHEDDING.retryAfterSeconds);
  }
  return { ok: true, acceptance: admit(negotiated, state) };
}

/** HTTP 503 with Retry-After: the cheapest refusal, before any WebSocket exists. */
function overloaded(pressure: Pressure, retryAfterSeconds: number): UpgradeRefusal {
  return {
    ok: false,
    status: 503,
    headers: { ...TEXT_PLAIN, 'retry-after': String(retryAfterSeconds) },
    body: `the server is overloaded (${pressure}); retry after ${retryAfterSeconds} s`,
    reason: pressure,
  };
}

/** An acceptance that closes right after the upgrade with `code`, explaining nothing in a frame. */
function closing(token: string, reason: RefusalReason, code: number, message: string): Acceptance {
  return { ok: false, token, reason, code, message, frame: undefined };
}

function admit(negotiated: Negotiated, state: UpgradeState): Acceptance {
  if (!negotiated.ok) {
    const data = { offered: negotiated.offered, supported: negotiated.supported };
    return {
      ok: false,
      token: FALLBACK_TOKEN,
      reason: 'subprotocol',
      code: CloseCode.SUBPROTOCOL_NOT_ACCEPTABLE,
      message: 'subprotocol not acceptable',
      frame: JSON.stringify([msg.error(0, 'UNSUPPORTED_PROTOCOL', negotiated.message, data)]),
    };
  }
  if (state.draining) return closing(negotiated.token, 'draining', CloseCode.SERVICE_RESTART, 'the server is draining');
  if (state.pressure !== undefined) {
    const message = `the server is overloaded (${state.pressure}); try again later`;
    return closing(negotiated.token, state.pressure, CloseCode.TRY_AGAIN_LATER, message);
  }
  if (state.connectionCount >= state.maxConnections) {
    return closing(negotiated.token, 'capacity', CloseCode.OVERLOADED, 'too many connections');
  }
  return negotiated;
}

/** The outcome of negotiating a subprotocol among a client's offers. */
export type Negotiated =
  | { readonly ok: true; readonly token: string; readonly service: Service; readonly codec: CodecName }
  | {
      readonly ok: false;
      /** The fallback token when the client offered it (the failure is then explained after the upgrade). */
      readonly token: string | undefined;
      readonly message: string;
      readonly offered: string[];
      readonly supported: string[];
    };

/**
 * Distinct Sec-WebSocket-Protocol headers whose acceptance a {@link Negotiator} keeps. Clients of
 * one application send one or a few headers; the bound keeps headers made up by peers from
 * growing the cache.
 */
const ACCEPTED_HEADERS = 32;

/** Chooses a service and codec among a client's offered subprotocols (protocol.md 1.2). */
export class Negotiator {
  private readonly apis: Array<ApiId | undefined>;
  private readonly supported: string[];
  /**
   * Each served token as one string: the transport keeps the selected token for the life of the
   * connection, and an offered one is a slice of that request's header.
   */
  private readonly tokens: Map<string, string>;

  private readonly services: ReadonlyArray<Service>;
  /** Acceptances by the header they answered, so that a repeated header is not parsed again. */
  private readonly accepted = new Map<string, Negotiated>();

  constructor(
    services: ReadonlyArray<AnyService>,
    private readonly codecs: readonly CodecName[],
  ) {
    this.services = services as ReadonlyArray<Service>;
    this.apis = services.map((service) => service.contract.api);
    this.supported = supportedSubprotocols({ apis: this.apis, codecs });
    this.tokens = new Map(this.supported.map((token) => [token, token]));
  }

  /**
   * Negotiates the offers of a Sec-WebSocket-Protocol header. An accepted header's outcome is
   * kept (it depends on nothing but the header) and the same frozen object is returned for it,
   * sparing every later upgrade with that header its split and its token parses.
   */
  negotiateHeader(header: string | string[] | undefined): Negotiated {
    if (typeof header !== 'string') return this.negotiate(offersOf(header));
    const known = this.accepted.get(header);
    if (known !== undefined) return known;
    const negotiated = this.negotiate(offersOf(header));
    if (negotiated.ok && this.accepted.size < ACCEPTED_HEADERS) this.accepted.set(header, Object.freeze(negotiated));
    return negotiated;
  }

  negotiate(offered: string[]): Negotiated {
    const result = negotiateSubprotocol(offered, { apis: this.apis, codecs: this.codecs });
    if (result.ok) {
      const api = result.protocol.api;
      const service = this.services.find((s) =>
        api === undefined
          ? s.contract.api === undefined
          : s.contract.api?.name === api.name && s.contract.api.version === api.version,
      ) as Service;
      return { ok: true, token: this.tokens.get(result.token) ?? result.token, service, codec: result.protocol.codec };
    }
    const supported = [...this.supported];
    return {
      ok: false,
      token: result.fallback ? FALLBACK_TOKEN : undefined,
      message: `no offered subprotocol is served here: offered ${offered.join(', ') || '(none)'}; supported ${supported.join(', ')}`,
      offered,
      supported,
    };
  }
}
