import { CloseCode } from '@switchboard/protocol';
import type { ClientSocketEvents } from './socket.js';
import type { AbandonableSocket, OpenHttpSocket } from './socket-http.js';
import { DEFAULT_HTTP_SOCKET } from './transport-options.js';

/**
 * The HTTP fallback is loaded when it is first needed: socket-http.ts (and the record format it
 * reads, and the WebSocket probes, see http-chunk.ts) is reached only through the dynamic
 * `import()` below, so a bundler emits it as a chunk of
 * its own, which a page fetches only when its WebSocket fails or it asked for `transport: 'http'`.
 */

/** The fallback's chunk: its socket and the WebSocket probes that run while on HTTP. */
export type HttpChunk = typeof import('./http-chunk.js');

let loading: Promise<HttpChunk> | undefined;
let loaded: HttpChunk | undefined;

/** The fallback's chunk (http-chunk.ts), imported once; a failed load is tried again by the next attempt. */
export function loadHttpChunk(): Promise<HttpChunk> {
  loading ??= import('./http-chunk.js').then(
    (chunk) => {
      loaded = chunk;
      return chunk;
    },
    (error: unknown) => {
      loading = undefined;
      throw error;
    },
  );
  return loading;
}

/** The fallback's chunk once it has loaded, else undefined. */
export function loadedHttpChunk(): HttpChunk | undefined {
  return loaded;
}

/**
 * A fallback socket whose code is still loading: it reads as connecting (readyState 0), and once
 * the opener arrives it opens the real socket with the same events and forwards to it. Closed
 * before that, it closes at once as the real one does before it opened (the close event, then
 * nothing); abandoned, it stays silent. A load that fails closes it with 1006 and the reason, so
 * the connection reconnects as after any failed attempt.
 */
export class DeferredHttpSocket implements AbandonableSocket {
  readonly transport = 'http' as const;
  #inner: AbandonableSocket | undefined;
  /** Closed or abandoned before the opener arrived. */
  #ended = false;

  readonly #events: ClientSocketEvents;

  constructor(opener: Promise<OpenHttpSocket>, url: string, protocols: readonly string[], events: ClientSocketEvents) {
    this.#events = events;
    opener.then(
      (open) => {
        if (this.#ended) return;
        try {
          this.#inner = open(url, protocols, events);
        } catch (error) {
          this.#fail(`the HTTP fallback could not open: ${(error as Error)?.message}`);
        }
      },
      (error: unknown) => this.#fail(`the HTTP fallback could not be loaded: ${(error as Error)?.message}`),
    );
  }

  #fail(reason: string): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#events.close(CloseCode.ABNORMAL, reason);
  }

  get protocol(): string {
    return this.#inner?.protocol ?? '';
  }
  get readyState(): number {
    return this.#inner?.readyState ?? (this.#ended ? 3 : 0);
  }
  get bufferedAmount(): number {
    return this.#inner?.bufferedAmount ?? 0;
  }
  /** Before the socket opened nothing is sent, as on the real one (the connection sends after `open`). */
  send(frame: string | Uint8Array): void {
    this.#inner?.send(frame);
  }
  close(code: number = CloseCode.NORMAL, reason = ''): void {
    if (this.#inner) this.#inner.close(code, reason);
    else if (!this.#ended) {
      this.#ended = true;
      this.#events.close(code, reason);
    }
  }
  abandon(): void {
    if (this.#inner) this.#inner.abandon();
    else this.#ended = true;
  }
}

/**
 * The {@link OpenHttpSocket} of the fallback over `fetchImpl` (the runtime's `fetch` by default),
 * loading the fallback's code on its first use. Throws at once for a URL that does not parse, as
 * opening the real socket does (the connection then fails for good instead of retrying).
 */
export function lazyHttpOpener(fetchImpl?: typeof fetch): OpenHttpSocket {
  return (url, protocols, events) => {
    new URL(url, (globalThis as { location?: { href: string } }).location?.href);
    return new DeferredHttpSocket(
      loadHttpChunk().then((module) => module.httpOpener(DEFAULT_HTTP_SOCKET, fetchImpl)),
      url,
      protocols,
      events,
    );
  };
}
