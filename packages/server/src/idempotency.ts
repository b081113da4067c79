import { RpcError } from '@switchboard/protocol';
import { DEFAULT_EVENT_STORE_OPTIONS } from './defaults.js';

/** The outcome of an acknowledged event's handler. */
export type EventOutcome =
  | { readonly ok: true }
  | {
      readonly ok: false;
      readonly error: RpcError;
      /** The handler never ran (its session ended first): a retry runs it. */
      readonly forget?: true;
    };

/**
 * Where a server remembers acknowledged events by idempotency key, so that a retry (after a lost
 * session) does not run the handler again. The default keeps them in the server's memory; a
 * shared one (`RedisIdempotencyStore` from `@switchboard/redis`) also covers a retry that reaches
 * another server process.
 */
export interface IdempotencyStore {
  /**
   * Runs `execute` unless `key` ran before within the store's window, and resolves with the
   * outcome: the new one, or the remembered one (waiting for it while the first run is still
   * going). An outcome with `forget` is not remembered, so a retry runs the handler. A rejection
   * (the store is unreachable) answers the event with an error the client may retry. `owner`
   * names the session the event came from, for stores that cap keys per session.
   */
  run(key: string, execute: () => Promise<EventOutcome>, owner?: string): Promise<EventOutcome>;
}

/** Options of {@link EventStore}. */
export interface EventStoreOptions {
  /** How long an outcome is remembered after its handler finished, in ms. @default 120000 */
  readonly windowMs?: number;
  /** Most keys remembered at once (running or finished) across all sessions. @default 100000 */
  readonly maxKeys?: number;
  /** Most keys remembered at once for one owner (a session), so one client cannot fill the store. @default 10000 */
  readonly maxKeysPerOwner?: number;
}

interface Entry {
  readonly key: string;
  readonly outcome: Promise<EventOutcome>;
  readonly owner: string | undefined;
}

function full(what: string): Promise<EventOutcome> {
  const error = new RpcError('RESOURCE_EXHAUSTED', `${what}: retry the event later`, { retryable: true });
  return Promise.resolve({ ok: false, error, forget: true });
}

function expire(store: EventStore): void {
  store.expire();
}

/**
 * Remembers the outcome of each acknowledged event by idempotency key for a window, in this
 * process's memory: the default {@link IdempotencyStore}. It holds at most `maxKeys` keys, and at
 * most `maxKeysPerOwner` of one session; an event with a new key beyond either cap is not run and
 * gets RESOURCE_EXHAUSTED (retryable, not remembered), so its retry under the same key runs it
 * once when room is made. A key already remembered always gets its outcome.
 *
 * @example
 * createServer({ services, idempotencyStore: new EventStore({ maxKeysPerOwner: 50_000 }) });
 */
export class EventStore implements IdempotencyStore {
  private readonly outcomes = new Map<string, Entry>();
  private readonly owners = new Map<string, number>();
  // Finished entries in the order they expire (every one is kept for the same window), with one
  // timer for the oldest: no timer per key.
  private readonly expiring: Entry[] = [];
  private readonly expiresAt: number[] = [];
  private head = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly windowMs: number;
  private readonly maxKeys: number;
  private readonly maxKeysPerOwner: number;

  constructor(options: EventStoreOptions = {}) {
    const defaults = DEFAULT_EVENT_STORE_OPTIONS;
    this.windowMs = options.windowMs ?? defaults.windowMs;
    this.maxKeys = options.maxKeys ?? defaults.maxKeys;
    this.maxKeysPerOwner = options.maxKeysPerOwner ?? defaults.maxKeysPerOwner;
  }

  run(key: string, execute: () => Promise<EventOutcome>, owner?: string): Promise<EventOutcome> {
    const known = this.outcomes.get(key);
    if (known) return known.outcome;
    if (this.outcomes.size >= this.maxKeys) return full('the server remembers too many events');
    const owned = owner === undefined ? 0 : (this.owners.get(owner) ?? 0);
    if (owned >= this.maxKeysPerOwner) return full('this session has too many events remembered');
    const entry: Entry = { key, outcome: execute(), owner };
    this.outcomes.set(key, entry);
    if (owner !== undefined) this.owners.set(owner, owned + 1);
    void entry.outcome.then((settled) => {
      if (!settled.ok && settled.forget) this.remove(entry);
      else this.remember(entry);
    });
    return entry.outcome;
  }

  /** Keys currently remembered, running or finished. */
  get size(): number {
    return this.outcomes.size;
  }

  /** @internal Forgets the outcomes whose window has passed. */
  expire(): void {
    this.timer = undefined;
    const now = Date.now();
    while (this.head < this.expiring.length && (this.expiresAt[this.head] as number) <= now) {
      this.remove(this.expiring[this.head] as Entry);
      this.head++;
    }
    if (this.head === this.expiring.length) {
      this.expiring.length = 0;
      this.expiresAt.length = 0;
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.expiring.length) {
      this.expiring.splice(0, this.head);
      this.expiresAt.splice(0, this.head);
      this.head = 0;
    }
    this.schedule();
  }

  private remember(entry: Entry): void {
    this.expiring.push(entry);
    this.expiresAt.push(Date.now() + this.windowMs);
    this.schedule();
  }

  private schedule(): void {
    if (this.timer !== undefined || this.head === this.expiring.length) return;
    const delay = Math.max(0, (this.expiresAt[this.head] as number) - Date.now());
    this.timer = setTimeout(expire, delay, this);
    this.timer.unref?.();
  }

  private remove(entry: Entry): void {
    if (this.outcomes.get(entry.key) !== entry) return;
    this.outcomes.delete(entry.key);
    if (entry.owner === undefined) return;
    const owned = (this.owners.get(entry.owner) ?? 1) - 1;
    if (owned === 0) this.owners.delete(entry.owner);
    else this.owners.set(entry.owner, owned);
  }
}
