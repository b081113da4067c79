/**
 * Nudges waiting for this user's answer: the `nudged` handler asks, the page shows the oldest and
 * answers it. A React component reads it with `useSyncExternalStore(inbox.subscribe, inbox.current)`.
 */

/** A nudge on screen. */
export interface Nudge {
  readonly id: number;
  readonly from: string;
}

interface Waiting extends Nudge {
  readonly answer: (ok: boolean) => void;
}

/** The nudges this page was asked and has not answered yet, oldest first. */
export class NudgeInbox {
  private waiting: Waiting[] = [];
  private readonly listeners = new Set<() => void>();
  private nextId = 1;

  /** Shows a nudge from `from`; resolves with the answer. `signal` (the server gave up) takes it off screen. */
  ask(from: string, signal: AbortSignal): Promise<boolean> {
    return new Promise((resolve, reject) => {
      const nudge: Waiting = { id: this.nextId++, from, answer: resolve };
      this.waiting = [...this.waiting, nudge];
      signal.addEventListener('abort', () => {
        this.remove(nudge.id);
        reject(signal.reason);
      });
      this.changed();
    });
  }

  /** Answers the nudge `id`. */
  answer(id: number, ok: boolean): void {
    this.waiting.find((nudge) => nudge.id === id)?.answer(ok);
    this.remove(id);
  }

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** The oldest nudge waiting, if any. */
  readonly current = (): Nudge | undefined => this.waiting[0];

  private remove(id: number): void {
    const before = this.waiting.length;
    this.waiting = this.waiting.filter((nudge) => nudge.id !== id);
    if (this.waiting.length !== before) this.changed();
  }

  private changed(): void {
    for (const listener of this.listeners) listener();
  }
}
