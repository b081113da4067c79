/** A minimal typed event emitter that works in browsers and Node alike. */
export class Emitter<TEvents extends Record<string, unknown>> {
  readonly #listeners = new Map<keyof TEvents, Set<(value: never) => void>>();

  /** Adds a listener; returns the function that removes it. */
  on<K extends keyof TEvents>(event: K, listener: (value: TEvents[K]) => void): () => void {
    let set = this.#listeners.get(event);
    if (!set) this.#listeners.set(event, (set = new Set()));
    set.add(listener as (value: never) => void);
    return () => set.delete(listener as (value: never) => void);
  }

  protected emit<K extends keyof TEvents>(event: K, value: TEvents[K]): void {
    const set = this.#listeners.get(event);
    if (!set) return;
    for (const listener of [...set]) (listener as (value: TEvents[K]) => void)(value);
  }
}
