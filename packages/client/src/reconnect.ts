import { CloseCode, closeAction, RpcError } from '@switchboard/protocol';

/** Options of reconnection (protocol.md section 6 decides when; these decide how fast). */
export interface ReconnectOptions {
  /** Base delay before the first retry, in ms. @default 250 */
  readonly initialDelayMs?: number;
  /** Cap of the delay, in ms. @default 10000 */
  readonly maxDelayMs?: number;
  /** Growth factor per failed attempt. @default 2 */
  readonly factor?: number;
  /** Attempts after which the client gives up (settling everything with CONNECTION_CLOSED). @default Infinity */
  readonly maxAttempts?: number;
  /**
   * Base delay after the server refused for load (4001, 1013, HTTP 503 or 429), in ms: it grows
   * by `factor` per attempt like the other, but never falls below half its ceiling, and never
   * below the server's Retry-After when the runtime exposes it. @default 1000
   */
  readonly overloadedDelayMs?: number;
  /** Cap of the delay after a refusal for load, in ms (a Retry-After above it is cut to it). @default 60000 */
  readonly overloadedMaxDelayMs?: number;
  /**
   * Base delay after the server said it is restarting or going away (1012, 1001), in ms: the
   * retries that follow, refused while the server is down, grow from it by `factor`.
   * @default 100
   */
  readonly restartDelayMs?: number;
  /** Cap of the delay while the server restarts, so a page is back soon after it listens. @default 2000 */
  readonly restartMaxDelayMs?: number;
  /**
   * How long after a 1012 or 1001 close the retries keep the restart's quick pace, in ms; after
   * it, a server still down gets the ordinary backoff. @default 60000
   */
  readonly restartWindowMs?: number;
  /** Source of randomness in [0, 1), for tests. @default Math.random */
  readonly random?: () => number;
}

/** The defaults of {@link ReconnectOptions}, named once. */
export const DEFAULT_RECONNECT = {
  initialDelayMs: 250,
  maxDelayMs: 10_000,
  factor: 2,
  maxAttempts: Number.POSITIVE_INFINITY,
  overloadedDelayMs: 1000,
  overloadedMaxDelayMs: 60_000,
  restartDelayMs: 100,
  restartMaxDelayMs: 2000,
  restartWindowMs: 60_000,
} as const;

/**
 * Whether a close announces a server restart or shutdown (1012, 1001): the server will most
 * likely listen again soon, so waiting the ordinary backoff's seconds only delays the return.
 */
export function restarting(code: number): boolean {
  return code === CloseCode.SERVICE_RESTART || code === CloseCode.GOING_AWAY;
}

/**
 * Delay before reconnect attempt `attempt` (0-based) while the server restarts: the ordinary
 * full-jitter backoff, from `restartDelayMs` and capped at `restartMaxDelayMs`, so clients cut
 * together spread over up to that cap and none waits longer than it between two attempts.
 */
export function restartDelay(attempt: number, options: ReconnectOptions = {}): number {
  const base = options.restartDelayMs ?? DEFAULT_RECONNECT.restartDelayMs;
  return fullJitter(attempt, base, options.restartMaxDelayMs ?? DEFAULT_RECONNECT.restartMaxDelayMs, options);
}

// The three delays (ordinary, restart, refusal for load) grow alike and draw from one source.

/** min(cap, base × factor^attempt): the top of attempt `attempt`'s draw. */
function ceiling(attempt: number, base: number, cap: number, options: ReconnectOptions): number {
  return Math.min(cap, base * (options.factor ?? DEFAULT_RECONNECT.factor) ** Math.min(attempt, 64));
}

/** One draw in [0, 1) from the options' source of randomness. */
function draw(options: ReconnectOptions): number {
  return (options.random ?? Math.random)();
}

/** A uniform draw between 0 and {@link ceiling}, rounded down ("full jitter"). */
function fullJitter(attempt: number, base: number, cap: number, options: ReconnectOptions): number {
  return Math.floor(draw(options) * ceiling(attempt, base, cap, options));
}

/** A refusal for load, as a close code tells it; `retryAfterMs` when the reason carries the server's Retry-After. */
export interface Overloaded {
  readonly retryAfterMs: number | undefined;
}

// A socket that sees an upgrade or stream refused with HTTP 503 or 429 reports it as 1013, with the
// server's Retry-After in the reason (socket-ws.ts, socket-http.ts); a browser's WebSocket sees
// neither and reports 1006 with no reason, which gets the ordinary backoff.
const RETRY_AFTER = /Retry-After: (\d+)/i;

/**
 * Whether a close means the server refused for load: 4001 (over its connection limit) or 1013
 * (shedding load, or an upgrade refused with HTTP 503 or 429). Undefined for any other close.
 */
export function overloaded(code: number, reason: string): Overloaded | undefined {
  if (code !== CloseCode.OVERLOADED && code !== CloseCode.TRY_AGAIN_LATER) return undefined;
  const retryAfter = RETRY_AFTER.exec(reason);
  return { retryAfterMs: retryAfter ? Number(retryAfter[1]) * 1000 : undefined };
}

/**
 * Delay before reconnect attempt `attempt` (0-based) after a refusal for load: "equal jitter", a
 * uniform draw between half and all of min(cap, initial × factor^attempt), so a refused client
 * never comes back at once; and, when the server sent a Retry-After, at least that (up to the
 * cap) plus up to half of it again, so clients refused together do not return together.
 */
export function overloadedDelay(
  attempt: number,
  retryAfterMs: number | undefined,
  options: ReconnectOptions = {},
): number {
  const cap = options.overloadedMaxDelayMs ?? DEFAULT_RECONNECT.overloadedMaxDelayMs;
  const top = ceiling(attempt, options.overloadedDelayMs ?? DEFAULT_RECONNECT.overloadedDelayMs, cap, options);
  const backoff = top / 2 + draw(options) * (top / 2);
  if (retryAfterMs === undefined) return Math.floor(backoff);
  const asked = Math.min(cap, retryAfterMs);
  return Math.floor(Math.max(backoff, Math.min(cap, asked + draw(options) * (asked / 2))));
}

/** Close codes asking for fresh credentials (41xx) tried in a row before the client gives up. */
export const MAX_REFRESHES = 3;

/**
 * Delay before reconnect attempt `attempt` (0-based): exponential backoff with full jitter, a
 * uniform draw between 0 and min(cap, initial × factor^attempt), so that many clients cut at
 * once do not come back at once.
 */
export function backoffDelay(attempt: number, options: ReconnectOptions = {}): number {
  const base = options.initialDelayMs ?? DEFAULT_RECONNECT.initialDelayMs;
  return fullJitter(attempt, base, options.maxDelayMs ?? DEFAULT_RECONNECT.maxDelayMs, options);
}

const unauthenticated = (code: number, reason: string): RpcError =>
  new RpcError('UNAUTHENTICATED', reason || 'the server rejected the credentials', { data: { code } });

/**
 * The client's reconnect policy and its one timer: after each close it says, by close code,
 * whether to stop (with the error every call settles with) or retry, and when. Attempts count
 * from the last session established; a refresh (41xx) retries at once the first time, with fresh
 * credentials from the auth function; a refusal for load (4001, 1013, HTTP 503) waits longer
 * ({@link overloadedDelay}); after a restart or shutdown (1012, 1001) the retries stay quick
 * ({@link restartDelay}) for `restartWindowMs`, whatever the refused attempts close with. When the runtime reports that the network is back (`online`), a
 * waiting retry runs at once, unless the server refused for load.
 */
export class Reconnect {
  #attempt = 0;
  #refreshes = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** Whether the waiting retry follows a refusal for load (`online` does not hurry it). */
  #patient = false;
  /** When the last 1012 or 1001 close came (Date.now()), until a session is established. */
  #restartedAt: number | undefined;
  readonly #onOnline = (): void => {
    if (!this.#patient) this.retryNow();
  };

  readonly #options: ReconnectOptions | false | undefined;
  readonly #retry: () => void;

  constructor(
    options: ReconnectOptions | false | undefined,
    /** Runs the retry; called from the timer or when the network comes back. */
    retry: () => void,
  ) {
    this.#options = options;
    this.#retry = retry;
    (globalThis as { addEventListener?: (type: string, fn: () => void) => void }).addEventListener?.(
      'online',
      this.#onOnline,
    );
  }

  /** A session was established: the next close starts the backoff from the beginning. */
  succeeded(): void {
    this.#attempt = 0;
    this.#refreshes = 0;
    this.#restartedAt = undefined;
  }

  /**
   * Whether a close with `code` ends the client: the error to settle everything with, or
   * undefined when it may reconnect. `serverError` is what the server said in an ERROR before.
   */
  stopFor(code: number, reason: string, serverError: RpcError | undefined): RpcError | undefined {
    const action = closeAction(code);
    if (action === 'stop' || this.#options === false) {
      if (serverError?.code === 'UNSUPPORTED_PROTOCOL' || serverError?.code === 'PROTOCOL_ERROR') return serverError;
      if (action === 'refresh') return unauthenticated(code, reason);
      return new RpcError('CONNECTION_CLOSED', `the connection closed with ${code}${reason ? `: ${reason}` : ''}`, {
        data: { code, reason },
      });
    }
    if (action === 'refresh' && ++this.#refreshes > MAX_REFRESHES) return unauthenticated(code, reason);
    return undefined;
  }

  /**
   * Schedules the next attempt after a close with `code`, returning undefined; or, when the
   * attempts are spent, schedules nothing and returns the error to stop with.
   */
  schedule(code: number, reason: string): RpcError | undefined {
    const options = this.#options || {};
    const maxAttempts = options.maxAttempts ?? DEFAULT_RECONNECT.maxAttempts;
    if (this.#attempt >= maxAttempts) {
      return new RpcError('CONNECTION_CLOSED', `gave up after ${this.#attempt} reconnect attempts`, {
        data: { code, reason },
      });
    }
    const refusal = overloaded(code, reason);
    if (restarting(code)) this.#restartedAt = Date.now();
    const restartWindow = options.restartWindowMs ?? DEFAULT_RECONNECT.restartWindowMs;
    const restart = this.#restartedAt !== undefined && Date.now() - this.#restartedAt < restartWindow;
    const delay = refusal
      ? overloadedDelay(this.#attempt, refusal.retryAfterMs, options)
      : closeAction(code) === 'refresh' && this.#attempt === 0
        ? 0
        : restart
          ? restartDelay(this.#attempt, options)
          : backoffDelay(this.#attempt, options);
    this.#attempt++;
    // The network coming back does not make an overloaded server ready.
    this.#patient = refusal !== undefined;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#retry();
    }, delay);
    return undefined;
  }

  /** Runs a scheduled attempt now instead of at its time. */
  retryNow(): void {
    if (!this.#timer) return;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#retry();
  }

  /** The client closed for good: no more attempts, and no `online` listener left behind. */
  stop(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    (globalThis as { removeEventListener?: (type: string, fn: () => void) => void }).removeEventListener?.(
      'online',
      this.#onOnline,
    );
  }
}
