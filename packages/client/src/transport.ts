import { CloseCode, type TransportName } from '@switchboard/protocol';
import type { ClientSocket, ClientSocketEvents, OpenSocket } from './socket.js';
import type { AbandonableSocket, OpenHttpSocket } from './socket-http.js';
import { loadedHttpChunk, loadHttpChunk } from './socket-http-lazy.js';
import { DEFAULT_FALLBACK, type FallbackOptions, type TransportChoice } from './transport-options.js';

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

/** One connection attempt: a WebSocket that may give way to HTTP before it opens. */
class Attempt implements TransportSocket {
  inner: ClientSocket;
  transport: TransportName;
  /** The socket opened (the connection heard `open`). */
  opened = false;
  /** A message arrived on the open socket. */
  heard = false;
  /** Why the WebSocket was refused, once this attempt fell back. */
  #refusal: string | undefined;
  /** Counts the sockets of this attempt: events of one it gave up on are not heard. */
  #generation = 0;
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
    if (typeof start !== 'string') {
      // A probe that already opened: the connection hears `open` once it holds this socket.
      this.inner = start.socket;
      this.transport = 'websocket';
      start.target = this.#relay();
      queueMicrotask(() => {
        if (this.#generation === 0) this.#open();
      });
    } else if (start === 'websocket') {
      this.transport = 'websocket';
      this.inner = chooser.openWebSocket(url, protocols, this.#relay());
      if (chooser.choice === 'auto') {
        this.#timer = setTimeout(() => this.#fallBack(), chooser.options.upgradeTimeoutMs);
      }
    } else {
      this.transport = 'http';
      this.inner = chooser.openHttp(url, protocols, this.#relay());
    }
  }

  /** The events of the socket about to be opened. */
  #relay(): ClientSocketEvents {
    const generation = this.#generation;
    return {
      open: () => {
        if (generation === this.#generation) this.#open();
      },
      message: (data, isBinary) => {
        if (generation !== this.#generation) return;
        if (!this.heard) {
          this.heard = true;
          this.#chooser.heard(this);
        }
        this.events.message(data, isBinary);
      },
      close: (code, reason) => {
        if (generation === this.#generation) this.#closed(code, reason);
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
    this.#generation++;
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
    this.#generation++;
    this.transport = 'http';
    this.inner = this.#chooser.openHttp(this.url, this.protocols, this.#relay());
    given.close();
  }

  get protocol(): string {
    return this.inner.protocol;
  }
  get readyState(): number {
    return this.inner.readyState;
  }
  get bufferedAmount(): number {
    return this.inner.bufferedAmount;
  }
  send(frame: string | Uint8Array): void {
    this.inner.send(frame);
  }
  close(code?: number, reason?: string): void {
    clearTimeout(this.#timer);
    this.inner.close(code, reason);
  }

  /** Drops an HTTP connection without CLOSE (the server keeps the session) and tells the connection. */
  leave(reason: string): void {
    if (this.transport !== 'http') return;
    this.#generation++;
    (this.inner as AbandonableSocket).abandon();
    this.events.close(CloseCode.ABNORMAL, reason);
  }
}

/** The attempt a probe runs beside. */
export type { Attempt as ProbedAttempt };

/** What a probe (transport-probe.ts, in the fallback's chunk) reads and changes in its chooser. */
export interface ProbeHost {
  /** The client closed for good: no probe runs. */
  readonly stopped: boolean;
  /** The attempt the connection holds; a probe that opened clears it as the attempt leaves. */
  current: Attempt | undefined;
  /** The probe's socket while it runs. */
  probe: ClientSocket | undefined;
  /** A probe that opened, waiting for the next attempt. */
  ready: ReadyProbe | undefined;
  /** Wait before the next probe, in ms. */
  probeDelay: number;
  /** The fallback's options with their defaults. */
  readonly options: Required<FallbackOptions>;
  /** Opens the probe's WebSocket. */
  readonly openWebSocket: OpenSocket;
  /** Runs the next probe beside `attempt` after `probeDelay`. */
  scheduleProbe(attempt: Attempt): void;
}

/**
 * The client's choice of transport (protocol.md section 9.5), as an `OpenSocket` the connection
 * uses like any other: with `auto`, each attempt opens a WebSocket and, when the upgrade is
 * refused or times out, goes on over HTTP within the same attempt; a WebSocket that dies after it
 * opened but before any message, while none has carried a session yet, makes the next attempt use
 * HTTP. While on HTTP it probes the
 * WebSocket after `retryWebSocketMs`, doubling after each failed probe, and once a probe opens,
 * leaves HTTP without a goodbye so the next attempt resumes the session over the probe's socket.
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
  #probeTimer: ReturnType<typeof setTimeout> | undefined;
  /** Wait before the next probe, in ms: doubles after each failed one. */
  probeDelay: number;
  /** The client closed for good. */
  stopped = false;
  /** A WebSocket of this client has carried a message: early deaths are a flaky network from now on. */
  #webSocketServed = false;
  readonly options: Required<FallbackOptions>;

  constructor(
    readonly choice: TransportChoice,
    options: FallbackOptions,
    readonly openWebSocket: OpenSocket,
    readonly openHttp: OpenHttpSocket,
  ) {
    this.options = {
      upgradeTimeoutMs: options.upgradeTimeoutMs ?? DEFAULT_FALLBACK.upgradeTimeoutMs,
      retryWebSocketMs: options.retryWebSocketMs ?? DEFAULT_FALLBACK.retryWebSocketMs,
      retryWebSocketMaxMs: options.retryWebSocketMaxMs ?? DEFAULT_FALLBACK.retryWebSocketMaxMs,
    };
    this.probeDelay = this.options.retryWebSocketMs;
    if (choice === 'http') this.#next = 'http';
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
    if (attempt.transport === 'websocket') {
      this.#next = 'websocket';
      this.probeDelay = this.options.retryWebSocketMs;
      this.#cancelProbe();
    } else if (this.choice === 'auto') {
      this.#next = 'http';
      this.scheduleProbe(attempt);
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

  /**
   * Runs a probe beside `attempt` after `probeDelay`, with the fallback's chunk, which holds the
   * probes (transport-probe.ts) and is loaded by then: the attempt is on HTTP. Should the chunk
   * still be loading, the probe waits for it; should it fail to load, the next probe is scheduled.
   */
  scheduleProbe(attempt: Attempt): void {
    this.#cancelProbe();
    const timer = setTimeout(() => {
      this.#probeTimer = undefined;
      const chunk = loadedHttpChunk();
      if (chunk !== undefined) chunk.runProbe(this, attempt);
      else
        loadHttpChunk().then(
          (loaded) => loaded.runProbe(this, attempt),
          () => {
            if (!this.stopped && this.current === attempt) this.scheduleProbe(attempt);
          },
        );
    }, this.probeDelay);
    (timer as { unref?: () => void }).unref?.();
    this.#probeTimer = timer;
  }

  #cancelProbe(): void {
    clearTimeout(this.#probeTimer);
    this.#probeTimer = undefined;
  }

  /** The client closed for good: no probe runs, and one waiting is closed. */
  stop(): void {
    this.stopped = true;
    this.#cancelProbe();
    this.probe?.close();
    this.ready?.socket.close();
    this.probe = undefined;
    this.ready = undefined;
  }
}
