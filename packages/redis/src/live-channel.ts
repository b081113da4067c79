import { RpcError } from '@switchboard/protocol';
import { type BrokerListener, type Position, parsePosition } from '@switchboard/server';

type Interrupted = (error: RpcError) => void;

/**
 * One channel a Redis broker subscribes to: its listeners, and the position of the last item its
 * pub/sub feed brought. Offsets have no gaps, so an item that does not follow the last one (a
 * message pub/sub dropped, or a log reset to a new epoch) means the feed missed items: the
 * channel's subscriptions are interrupted, to continue from the history.
 */
export class LiveChannel {
  private readonly listeners = new Map<BrokerListener, Interrupted | undefined>();
  private last: Position | undefined;

  get size(): number {
    return this.listeners.size;
  }

  add(listener: BrokerListener, interrupted: Interrupted | undefined): void {
    this.listeners.set(listener, interrupted);
  }

  /** Removes `listener`; false when it was not there. */
  remove(listener: BrokerListener): boolean {
    return this.listeners.delete(listener);
  }

  /** Hands an item to every listener, after interrupting them if the feed skipped items before it. */
  dispatch(item: unknown, position: string, onError: (error: unknown) => void): void {
    const at = parsePosition(position);
    const last = this.last;
    if (at !== undefined) {
      if (last !== undefined && (at.epoch !== last.epoch || at.offset > last.offset + 1)) {
        this.interrupt(
          new RpcError('UNAVAILABLE', `the live feed skipped items before ${position}: continue since your position`),
        );
      }
      this.last = at;
    }
    for (const listener of this.listeners.keys()) {
      try {
        listener(item, position);
      } catch (error) {
        onError(error);
      }
    }
  }

  /** The feed may have missed items: tell every listener that can continue from the history. */
  interrupt(error: RpcError): void {
    this.last = undefined;
    for (const interrupted of [...this.listeners.values()]) interrupted?.(error);
  }
}
