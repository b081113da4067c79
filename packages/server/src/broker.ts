/** Receives items published on a channel, with the position a durable broker assigned. */
export type BrokerListener = (item: unknown, position: string | undefined) => void;

/**
 * Carries topic items between publishers and the servers whose clients subscribe. The server
 * subscribes once per channel however many local clients do, and fans out locally.
 */
export interface Broker {
  /** Publishes `item` on `channel` to every subscribed server. */
  publish(channel: string, item: unknown): void | Promise<void>;
  /** Subscribes to a channel; returns the function that unsubscribes. */
  subscribe(channel: string, listener: BrokerListener): () => void;
  /** Releases the broker's resources. */
  close?(): void | Promise<void>;
}

/** The in-memory broker: one process, no persistence, no positions. The default. */
export class MemoryBroker implements Broker {
  private readonly channels = new Map<string, Set<BrokerListener>>();

  publish(channel: string, item: unknown): void {
    const listeners = this.channels.get(channel);
    if (!listeners) return;
    for (const listener of listeners) listener(item, undefined);
  }

  subscribe(channel: string, listener: BrokerListener): () => void {
    let listeners = this.channels.get(channel);
    if (!listeners) this.channels.set(channel, (listeners = new Set()));
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
      if (listeners.size === 0) this.channels.delete(channel);
    };
  }
}
