import type { ConnectionState, StateChange } from '@switchboard/client';
import { useCallback, useSyncExternalStore } from 'react';

/** What {@link useConnectionState} needs of a client: its state and state events. */
export interface ConnectionSource {
  readonly $state: ConnectionState;
  $on(event: 'state', listener: (change: StateChange) => void): () => void;
}

/** The last change seen per client, so every render in between reads the same object. */
const lastChange = new WeakMap<ConnectionSource, StateChange>();

function snapshotOf(client: ConnectionSource): StateChange {
  const cached = lastChange.get(client);
  if (cached?.state === client.$state) return cached;
  const fresh: StateChange = { state: client.$state };
  lastChange.set(client, fresh);
  return fresh;
}

/**
 * The client's connection state, re-rendering on every change: `state` ('connecting', 'open',
 * 'reconnecting', 'closed'), with the close `code` and `reason` that caused it, and on `open`
 * after a reconnect whether the session `resumed`.
 *
 * @example
 * const { state } = useConnectionState(client);
 * if (state === 'reconnecting') return <Banner>Reconnecting…</Banner>;
 */
export function useConnectionState(client: ConnectionSource): StateChange {
  const subscribe = useCallback(
    (changed: () => void) =>
      client.$on('state', (change) => {
        lastChange.set(client, change);
        changed();
      }),
    [client],
  );
  const snapshot = useCallback(() => snapshotOf(client), [client]);
  return useSyncExternalStore(subscribe, snapshot, snapshot);
}
