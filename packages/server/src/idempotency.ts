import type { RpcError } from '@switchboard/protocol';

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
   * (the store is unreachable) answers the event with an error the client may retry.
   */
  run(key: string, execute: () => Promise<EventOutcome>): Promise<EventOutcome>;
}

/**
 * Remembers the outcome of each acknowledged event by idempotency key for a window, in this
 * process's memory: the default {@link IdempotencyStore}.
 */
export class EventStore implements IdempotencyStore {
  private readonly outcomes = new Map<string, Promise<EventOutcome>>();

  constructor(private readonly windowMs: number) {}

  run(key: string, execute: () => Promise<EventOutcome>): Promise<EventOutcome> {
    const known = this.outcomes.get(key);
    if (known) return known;
    const outcome = execute();
    this.outcomes.set(key, outcome);
    void outcome.then((settled) => {
      if (!settled.ok && settled.forget) {
        this.outcomes.delete(key);
        return;
      }
      const timer = setTimeout(() => this.outcomes.delete(key), this.windowMs);
      timer.unref?.();
    });
    return outcome;
  }

  /** Keys currently remembered. */
  get size(): number {
    return this.outcomes.size;
  }
}
