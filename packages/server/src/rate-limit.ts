import { CloseCode, ProtocolViolation } from '@switchboard/protocol';
import type { ServerMetrics } from './metrics.js';

/** A token bucket: a sustained rate, and a burst the bucket holds after a pause. */
export interface RateLimit {
  /** Tokens added per second: the sustained rate of CALLs and EVENTs. */
  readonly perSecond: number;
  /** The bucket's size: how many may arrive at once after a pause. */
  readonly burst: number;
}

/**
 * Rate limits on CALL and EVENT (protocol.md section 6): a CALL or EVENT over a limit is answered
 * ERROR RESOURCE_EXHAUSTED with `data.retryAfterMs`; a client that keeps sending is closed with
 * 4420 (RATE_LIMITED). Other messages (DATA, CREDIT, CANCEL, PING) are not counted: credit bounds
 * them.
 */
export interface RateLimits {
  /** The bucket of each session (one connection, and the ones that resume it); false: none. */
  readonly perSession: RateLimit | false;
  /**
   * The bucket shared by every session of one principal (`ServiceOptions.principal`); false: none.
   * Sessions without a principal, and those of a service without a `context` option (which all
   * share the anonymous one), have only their own bucket.
   */
  readonly perPrincipal: RateLimit | false;
  /** Refusals of one session within a second after which it is closed with 4420. */
  readonly floodRefusals: number;
}

/** The window in which a session's refusals count towards a flood, in ms. */
const FLOOD_WINDOW_MS = 1000;
/** How often idle principals' buckets (full again) are forgotten, at most, in ms. */
const SWEEP_EVERY_MS = 60_000;

/** A few numbers per bucket: no allocation when a CALL or EVENT is admitted or refused. */
class Bucket {
  tokens: number;
  updated: number;
  refusals = 0;
  windowStart = 0;

  constructor(
    readonly limit: RateLimit,
    now: number,
  ) {
    this.tokens = limit.burst;
    this.updated = now;
  }

  /** Takes a token: 0 when there was one, else the ms until there is. */
  take(now: number): number {
    const { perSecond, burst } = this.limit;
    const tokens = Math.min(burst, this.tokens + ((now - this.updated) * perSecond) / 1000);
    this.updated = now;
    if (tokens >= 1) {
      this.tokens = tokens - 1;
      return 0;
    }
    this.tokens = tokens;
    return Math.max(1, Math.ceil(((1 - tokens) * 1000) / perSecond));
  }

  /** Whether the bucket would be full now: a bucket that carries no debt can be forgotten. */
  full(now: number): boolean {
    return this.tokens + ((now - this.updated) * this.limit.perSecond) / 1000 >= this.limit.burst;
  }
}

/**
 * Token buckets per session and per principal, for the CALLs and EVENTs of one server. Sessions'
 * buckets live as long as their sessions (a WeakMap); principals' buckets are forgotten once full
 * again, checked at most once a minute when a new principal arrives.
 */
export class RateLimiter {
  private readonly sessions = new WeakMap<object, Bucket>();
  private readonly principals = new Map<string, Bucket>();
  private lastSweep: number;

  constructor(
    private readonly limits: RateLimits,
    /** Counts the refusals (`rateLimited`). */
    private readonly metrics: Pick<ServerMetrics, 'rateLimited'>,
    /** The clock, in ms; tests pass a fake one. */
    private readonly now: () => number = Date.now,
  ) {
    this.lastSweep = now();
  }

  /**
   * Admits one CALL or EVENT of `session`: returns 0, or the ms to wait before a retry may be
   * admitted. Throws a ProtocolViolation with 4420 when the session's refusals in the last second
   * exceed `floodRefusals`.
   */
  admit(session: object, principal: string | undefined): number {
    const { perSession, perPrincipal } = this.limits;
    if (perSession === false && perPrincipal === false) return 0;
    const now = this.now();
    let own = this.sessions.get(session);
    if (own === undefined) {
      own = new Bucket(perSession || { perSecond: Number.POSITIVE_INFINITY, burst: Number.POSITIVE_INFINITY }, now);
      this.sessions.set(session, own);
    }
    let wait = perSession === false ? 0 : own.take(now);
    // '' is the one principal of every session of a service without a `context` option: all
    // clients would share its bucket.
    if (wait === 0 && perPrincipal !== false && principal !== undefined && principal !== '') {
      wait = this.principalBucket(principal, perPrincipal, now).take(now);
      // The session's token goes back: the principal's bucket refused this one.
      if (wait > 0 && perSession !== false) own.tokens += 1;
    }
    if (wait === 0) return 0;
    this.metrics.rateLimited++;
    if (now - own.windowStart >= FLOOD_WINDOW_MS) {
      own.windowStart = now;
      own.refusals = 0;
    }
    if (++own.refusals > this.limits.floodRefusals) {
      throw new ProtocolViolation(
        CloseCode.RATE_LIMITED,
        `more than ${this.limits.floodRefusals} CALLs or EVENTs over the rate limit within a second`,
        { errorCode: 'RESOURCE_EXHAUSTED' },
      );
    }
    return wait;
  }

  /** Principals with a bucket now (for tests and monitoring). */
  get principalCount(): number {
    return this.principals.size;
  }

  private principalBucket(principal: string, limit: RateLimit, now: number): Bucket {
    const known = this.principals.get(principal);
    if (known) return known;
    if (now - this.lastSweep >= SWEEP_EVERY_MS) {
      this.lastSweep = now;
      for (const [key, bucket] of this.principals) if (bucket.full(now)) this.principals.delete(key);
    }
    const bucket = new Bucket(limit, now);
    this.principals.set(principal, bucket);
    return bucket;
  }
}
