import type { CodecName } from './codec.js';

/** The wire version this package speaks. */
export const WIRE_VERSION = 'v1';

/** The bare token a client offers last so that a mismatch can be explained (protocol.md 1.2). */
export const FALLBACK_TOKEN = 'switchboard';

/** The codecs of the wire protocol, in the default order of preference. */
export const CODECS: readonly CodecName[] = ['msgpackr', 'msgpack', 'json'];

/** An application contract's identity, carried in the subprotocol token. */
export interface ApiId {
  /** The API's name: 1–32 of `A-Z a-z 0-9 - _`. */
  readonly name: string;
  /** The API's version: 1–32 of `A-Z a-z 0-9 - _`. */
  readonly version: string;
}

/** A parsed subprotocol token. */
export interface Subprotocol {
  readonly wire: string;
  readonly codec: CodecName;
  readonly api: ApiId | undefined;
}

const PART = /^[A-Za-z0-9_-]{1,32}$/;
const TOKEN = /^switchboard\.(v[0-9]+)\.(json|msgpackr|msgpack)(?:\.([A-Za-z0-9_-]{1,32})\.([A-Za-z0-9_-]{1,32}))?$/;

/**
 * Builds a subprotocol token, e.g. `switchboard.v1.msgpack.cursors.2`. Throws a TypeError when
 * the API name or version holds characters a token may not have.
 */
export function buildSubprotocol(codec: CodecName, api?: ApiId, wire: string = WIRE_VERSION): string {
  if (!api) return `switchboard.${wire}.${codec}`;
  if (!PART.test(api.name) || !PART.test(api.version)) {
    throw new TypeError(
      `API name and version must be 1-32 of A-Z a-z 0-9 - _ (got ${JSON.stringify(api.name)} ${JSON.stringify(api.version)})`,
    );
  }
  return `switchboard.${wire}.${codec}.${api.name}.${api.version}`;
}

/** Parses a subprotocol token; `undefined` when it is not a Switchboard token. */
export function parseSubprotocol(token: string): Subprotocol | undefined {
  const match = TOKEN.exec(token);
  if (!match) return undefined;
  const [, wire, codec, name, version] = match;
  return {
    wire: wire as string,
    codec: codec as CodecName,
    api: name !== undefined && version !== undefined ? { name, version } : undefined,
  };
}

/** What a server serves: the APIs it hosts (undefined = the default contract) and its codecs. */
export interface ServerOffer {
  readonly apis: ReadonlyArray<ApiId | undefined>;
  readonly codecs: readonly CodecName[];
}

/** Every concrete token a server accepts, for error messages and the fallback reply. */
export function supportedSubprotocols(offer: ServerOffer): string[] {
  const tokens: string[] = [];
  for (const api of offer.apis) for (const codec of offer.codecs) tokens.push(buildSubprotocol(codec, api));
  return tokens;
}

/** The outcome of {@link negotiateSubprotocol}. */
export type Negotiation =
  | { readonly ok: true; readonly token: string; readonly protocol: Subprotocol }
  | { readonly ok: false; readonly fallback: boolean };

const sameApi = (a: ApiId | undefined, b: ApiId | undefined): boolean =>
  a === undefined || b === undefined ? a === b : a.name === b.name && a.version === b.version;

/**
 * Chooses among a client's offers, in the client's order, the first the server speaks
 * (protocol.md 1.2). When none matches, `fallback` says whether the client offered the bare
 * fallback token, so the server can accept it only to explain the failure.
 */
export function negotiateSubprotocol(offers: Iterable<string>, server: ServerOffer): Negotiation {
  let fallback = false;
  for (const token of offers) {
    if (token === FALLBACK_TOKEN) {
      fallback = true;
      continue;
    }
    const protocol = parseSubprotocol(token);
    if (!protocol || protocol.wire !== WIRE_VERSION || !server.codecs.includes(protocol.codec)) continue;
    if (server.apis.some((api) => sameApi(api, protocol.api))) return { ok: true, token, protocol };
  }
  return { ok: false, fallback };
}

/** The tokens a client offers: one per codec in its order, then the fallback token. */
export function clientOffers(codecs: readonly CodecName[], api?: ApiId): string[] {
  return [...codecs.map((codec) => buildSubprotocol(codec, api)), FALLBACK_TOKEN];
}
