import { CloseCode, type TransportName } from '@switchboard/protocol';
import type { ClientSocket, ClientSocketEvents, OpenSocket } from './socket.js';
import type { OpenHttpSocket } from './socket-http.js';
import { type HttpChunk, loadedHttpChunk, loadHttpChunk } from './socket-http-lazy.js';
import {
  DEFAULT_FALLBACK,
  DEFAULT_HTTP_SOCKET,
  type FallbackOptions,
  type TransportChoice,
} from './transport-options.js';

export { DEFAULT_FALLBACK, type FallbackOptions, type TransportChoice } from './transport-options.js';

/** A socket the connection drives, telling which transport carries it. */
export interface TransportSocket extends ClientSocket {
  readonly transport: TransportName;
}

/** Whether a WebSocket that closed with `code` before it opened should fall back to HTTP. */
function refusedUpgrade(code: number): boolean {
  // A refusal for load (503, 429) comes as 1013 (reconnect.ts): it would refuse the fallback too,
  // and gets the longer backoff instead.
  return code === CloseCode.ABNORMAL;
}

/** A probe's WebSocket that opened, and where its events go once an attempt holds it. */
export interface ReadyProbe {
  readonly socket: ClientSocket;
  target: ClientSocketEvents | undefined;
}

/**
 * One connection attempt: a WebSocket that may give way to HTTP before it opens. While the HTTP
 * fallback's chunk loads (socket-http-lazy.ts), it has no socket: it reads as connecting, sends
 * nothing, and closed, it closes at once (the close event, then nothing); a chunk that cannot be
 * loaded, or an opener that throws, closes it with 1006 and the reason, so the connection
 * reconnects as after any failed attempt.
 */
class Attempt implements TransportSocket {
  /** The socket; undefined while the fallback's chunk loads. */
  inner: ClientSocket | undefined;
  transport: TransportName;
  /** The socket opened (the connection heard `open`). */
  opened = false;
  /** A message arrived on the open socket. */
  heard = false;
  /** Counts the sockets of this attempt: events of one it gave up on (or left) are not heard. */
  generation = 0;
  /** Why the WebSocket was refused, once this attempt fell back. */
  #refusal: string | undefined;
  /** The connection heard `close`. */
  #ended = false;
  #timer: ReturnType<typeof setTimeout> | undefined;

  readonly #chooser: TransportChooser;

  constructor(
    chooser: TransportChooser,
    readonly url: string,
    readonly protocols: readonly string[],
    readonly events: ClientSocketEvents,
    start: TransportName | ReadyProbe,
  ) {
    this.#chooser = chooser;
    this.transport = 'websocket';
    // A probe that already opened (the fallback's chunk ran it, so it has loaded): the attempt takes its socket.
    if (typeof start !== 'string') (loadedHttpChunk() as HttpChunk).adopt(this, start, this.#relay());
    else if (start === 'websocket') {
      this.inner = chooser.openWebSocket(url, protocols, this.#relay());
      if (chooser.choice === 'auto') {
        this.#timer = setTimeout(() => this.#fallBack(), chooser.options.upgradeTimeoutMs);
      }
    } else this.#openHttp();
  }

  /** The events of the socket about to be opened. */
  #relay(): ClientSocketEvents {
    const generation = this.generation;
    return {
      open: () => {
        if (generation === this.generation) this.#open();
      },
      message: (data, isBinary) => {
        if (generation !== this.generation) return;
        if (!this.heard) {
          this.heard = true;
          this.#chooser.heard(this);
        }
        this.events.message(data, isBinary);
      },
      close: (code, reason) => {
        if (generation === this.generation) this.#closed(code, reason);
      },
    };
  }

  #open(): void {
    if (this.opened) return;
    clearTimeout(this.#timer);
    this.opened = true;
    this.#chooser.opened(this);
    this.events.open();
  }

  #closed(code: number, reason: string): void {
    clearTimeout(this.#timer);
    if (!this.opened && this.transport === 'websocket' && this.#chooser.choice === 'auto' && refusedUpgrade(code)) {
      this.#refusal = reason;
      this.#fallBack();
      return;
    }
    this.generation++;
    this.#ended = true;
    this.#chooser.ended(this, code);
    // Both transports failed: the WebSocket's reason first, it tells most (a status, a refused
    // port), and the fallback's when it says something else.
    const both = this.#refusal !== undefined && !this.opened && this.#refusal !== reason;
    this.events.close(code, both ? `${this.#refusal || 'WebSocket failed'}; HTTP fallback: ${reason}` : reason);
  }

  /** The WebSocket was refused or is too slow: this attempt goes on over HTTP. */
  #fallBack(): void {
    clearTimeout(this.#timer);
    if (this.transport !== 'websocket' || this.opened) return;
    this.#refusal ??= `no upgrade within ${this.#chooser.options.upgradeTimeoutMs} ms`;
    const given = this.inner;
    this.generation++;
    this.transport = 'http';
    this.#openHttp();
    given?.close();
  }

  /**
   * Opens the HTTP fallback's socket, at once when its chunk has loaded, else once it has. Throws
   * at once for a URL that does not parse, as opening the real socket does (the connection then
   * fails for good instead of retrying).
   */
  #openHttp(): void {
    new URL(this.url, (globalThis as { location?: { href: string } }).location?.href);
    this.transport = 'http';
    this.inner = undefined;
    const generation = this.generation;
    const events = this.#relay();
    const open = (chunk: HttpChunk): void =>
      chunk.openHttp(this.#chooser, this, events, DEFAULT_HTTP_SOCKET, generation);
    const chunk = loadedHttpChunk();
    if (chunk) open(chunk);
    else
      loadHttpChunk().then(open, (error: unknown) =>
        events.close(CloseCode.ABNORMAL, `the HTTP fallback could not be loaded: ${(error as Error)?.message}`),
      );
  }

  get protocol(): string {
    return this.inner?.protocol ?? '';
  }
  get readyState(): number {
    return this.inner?.readyState ?? (this.#ended ? 3 : 0);
  }
  get bufferedAmount(): number {
    return this.inner?.bufferedAmount ?? 0;
  }
  /** Before the socket opened nothing is sent (the connection sends after `open`). */
  send(frame: string | Uint8Array): void {
    this.inner?.send(frame);
  }
  close(code: number = CloseCode.NORMAL, reason = ''): void {
    clearTimeout(this.#timer);
    if (this.inner) this.inner.close(code, reason);
    else if (!this.#ended) this.#closed(code, reason);
  }
}

/** The attempt a probe runs beside. */
export type { Attempt as ProbedAttempt };

/** What the fallback's chunk (transport-fallback.ts, transport-probe.ts) reads and changes in its chooser. */
export interface ProbeHost {
  /** The client closed for good: no probe runs. */
  readonly stopped: boolean;
  /** The attempt the connection holds; a probe that opened clears it as the attempt leaves. */
  current: Attempt | undefined;
  /** The probe's socket while it runs. */
  probe: ClientSocket | undefined;
  /** A probe that opened, waiting for the next attempt. */
  ready: ReadyProbe | undefined;
  /** The timer of the next probe. */
  probeTimer: ReturnType<typeof setTimeout> | undefined;
  /** Wait before the next probe, in ms; undefined before the first. */
  probeDelay: number | undefined;
  /** The fallback's options with their defaults. */
  readonly options: Required<FallbackOptions>;
  /** Opens the probe's WebSocket. */
  readonly openWebSocket: OpenSocket;
  /** Replaces the fallback's socket (tests). */
  readonly openHttp?: OpenHttpSocket | undefined;
  /** The `fetch` of the fallback's socket, when not the runtime's. */
  readonly fetchImpl?: typeof fetch | undefined;
}

/**
 * The client's choice of transport (protocol.md section 9.5), as an `OpenSocket` the connection
 * uses like any other: with `auto`, each attempt opens a WebSocket and, when the upgrade is
 * refused or times out, goes on over HTTP within the same attempt; a WebSocket that dies after it
 * opened but before any message, while none has carried a session yet, makes the next attempt use
 * HTTP. While on HTTP it probes the
 * WebSocket after `retryWebSocketMs`, doubling after each failed probe, and once a probe opens,
 * leaves HTTP without a goodbye so the next attempt resumes the session over the probe's socket.
 * The HTTP socket and the probes are in the fallback's chunk, loaded when an attempt first needs
 * HTTP; `openHttp` replaces the fallback's socket (tests), `fetchImpl` the runtime's `fetch`.
 */
export class TransportChooser implements ProbeHost {
  /** The transport the next attempt starts with. */
  #next: TransportName = 'websocket';
  /** The attempt the connection holds (see {@link ProbeHost}). */
  current: Attempt | undefined;
  /** The probe's socket while it runs. */
  probe: ClientSocket | undefined;
  /** A probe that opened, waiting for the next attempt. */
  ready: ReadyProbe | undefined;
  probeTimer: ReturnType<typeof setTimeout> | undefined;
  /** Wait before the next probe, in ms: doubles after each failed one; set by the first probe. */
  probeDelay: number | undefined;
  /** The client closed for good. */
  stopped = false;
  /** A WebSocket of this client has carried a message: early deaths are a flaky network from now on. */
  #webSocketServed = false;
  readonly options: Required<FallbackOptions>;

  constructor(
    readonly choice: TransportChoice,
    options: FallbackOptions,
    readonly openWebSocket: OpenSocket,
    readonly fetchImpl?: typeof fetch,
    readonly openHttp?: OpenHttpSocket,
  ) {
    this.options = {
      upgradeTimeoutMs: options.upgradeTimeoutMs ?? DEFAULT_FALLBACK.upgradeTimeoutMs,
      retryWebSocketMs: options.retryWebSocketMs ?? DEFAULT_FALLBACK.retryWebSocketMs,
      retryWebSocketMaxMs: options.retryWebSocketMaxMs ?? DEFAULT_FALLBACK.retryWebSocketMaxMs,
    };
  }

  /** The `OpenSocket` the connection uses. */
  readonly open = (url: string, protocols: readonly string[], events: ClientSocketEvents): TransportSocket => {
    const ready = this.ready;
    this.ready = undefined;
    const start = this.choice === 'auto' ? (ready ?? this.#next) : this.choice;
    const attempt = new Attempt(this, url, protocols, events, start);
    this.current = attempt;
    return attempt;
  };

  /** An attempt's socket opened. */
  opened(attempt: Attempt): void {
    if (attempt !== this.current) return;
    // Probes exist only once the fallback's chunk has loaded (on HTTP, it has).
    if (attempt.transport === 'websocket') {
      this.#next = 'websocket';
      loadedHttpChunk()?.resetProbes(this);
    } else if (this.choice === 'auto') {
      this.#next = 'http';
      loadedHttpChunk()?.scheduleProbe(this, attempt);
    }
  }

  /** An attempt's open socket carried its first message. */
  heard(attempt: Attempt): void {
    if (attempt.transport === 'websocket') this.#webSocketServed = true;
  }

  /** An attempt's socket closed, and the connection is about to hear it. */
  ended(attempt: Attempt, code: number): void {
    if (attempt !== this.current) return;
    this.current = undefined;
    if (this.choice !== 'auto') return;
    const early = attempt.opened && !attempt.heard && code === CloseCode.ABNORMAL;
    if (attempt.transport === 'websocket' && early && !this.#webSocketServed) {
      // Opened, then cut before the server said anything, on a network where no WebSocket has
      // carried a session yet: a proxy that does not carry WebSockets. Once one has, such a cut
      // is a flaky network, and the next attempt tries WebSocket again.
      this.#next = 'http';
    } else if (attempt.transport === 'http' && !attempt.opened) {
      // The fallback failed too: the network or the server is down, and the next attempt starts over.
      this.#next = 'websocket';
    }
  }

  /** The client closed for good: no probe runs, and one waiting is closed. */
  stop(): void {
    this.stopped = true;
    // Without the fallback's chunk, no probe ever ran.
    loadedHttpChunk()?.stopProbes(this);
  }
}
