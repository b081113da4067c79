/**
 * The minimal socket the server core drives. The `ws` adapter (`@switchboard/server/ws`)
 * implements it in a few lines; other transports can too.
 */
export interface SocketLike {
  /** Writes one frame: text for a string, binary for bytes. `onSent` runs once it left the process. */
  send(frame: string | Uint8Array, onSent?: () => void): void;
  /** Starts the closing handshake. */
  close(code: number, reason: string): void;
  /** Drops the connection at once (a dead peer). */
  terminate(): void;
  /** Bytes accepted by `send` and not yet written to the network. */
  readonly bufferedAmount: number;
  /** Sends a WebSocket ping frame, where the transport can. */
  ping?(): void;
  /** The peer's address, where the transport knows it; read only when a hook asks for it. */
  readonly remoteAddress?: string | undefined;
}

/** What the transport knows about the HTTP upgrade request. */
export interface UpgradeRequest {
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly url: string;
  readonly remoteAddress: string | undefined;
}

/** Parses a Cookie header into name/value pairs. */
export function parseCookies(header: string | string[] | undefined): Record<string, string> {
  const cookies: Record<string, string> = {};
  const text = Array.isArray(header) ? header.join('; ') : header;
  if (!text) return cookies;
  for (const pair of text.split(';')) {
    const eq = pair.indexOf('=');
    if (eq < 1) continue;
    const name = pair.slice(0, eq).trim();
    const raw = pair.slice(eq + 1).trim();
    try {
      cookies[name] = decodeURIComponent(raw);
    } catch {
      cookies[name] = raw;
    }
  }
  return cookies;
}
