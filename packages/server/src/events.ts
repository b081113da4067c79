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
 * Remembers the outcome of each acknowledged event by idempotency key for a window, so a retry
 * (after a lost session) does not run the handler again; a retry that arrives while the first
 * run is still going waits for its outcome.
 */
export class EventStore {
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
