import { isRpcError, RpcError } from '@switchboard/client';
import { hashKey, type QueryKey } from '@tanstack/react-query';
import { useCallback, useEffect, useRef, useState } from 'react';

/**
 * What a stream hook reads: a server stream, a channel or a topic subscription as the client
 * returns it, or any async iterable (an async generator that follows a stream across lost
 * sessions, say). `cancel` is called on unmount and restart; `forEach`, when present, is used
 * instead of iteration (no promise per item).
 */
export interface OpenedStream<TItem, TSend = never> extends AsyncIterable<TItem> {
  forEach?(onItem: (item: TItem) => void): Promise<void>;
  cancel?(): void;
  /** A channel's sending side. */
  send?(item: TSend): Promise<void>;
  /** A channel's half-close. */
  end?(): void;
}

/**
 * A stream to follow: its key (the hook restarts the stream when the key's hash changes) and
 * how to open it. `streamOptions` of {@link createQueryUtils} makes one per procedure.
 */
export interface StreamSource<TItem, TSend = never> {
  readonly streamKey: QueryKey;
  /** Opens the stream; `signal` aborts when the hook lets go of it (unmount, new key, restart). */
  open(signal: AbortSignal): OpenedStream<TItem, TSend>;
}

/** Options of {@link useStream}. */
export interface UseStreamOptions<TItem> {
  /** Whether the stream runs; false cancels it and resets the state to `idle`. @default true */
  readonly enabled?: boolean;
  /**
   * Items kept in `items`, the oldest dropped first; 0 keeps none (only `data`, the latest).
   * @default 1000 for {@link useStream}, 0 for {@link useSubscription} ({@link DEFAULT_STREAM_OPTIONS})
   */
  readonly maxItems?: number;
  /** Called with every item as it arrives, before the state updates. @default undefined */
  readonly onItem?: (item: TItem) => void;
}

/** The defaults of {@link UseStreamOptions}, named once. */
export const DEFAULT_STREAM_OPTIONS = {
  maxItems: 1000,
  subscriptionMaxItems: 0,
} as const;

/**
 * Where a stream is: `idle` (disabled), `pending` (opened, no item yet), `streaming` (items
 * came), `ended` (the server finished it), `error` (it failed: see `error`).
 */
export type StreamStatus = 'idle' | 'pending' | 'streaming' | 'ended' | 'error';

/** What {@link useStream} returns. */
export interface UseStreamResult<TItem, TSend = never> {
  readonly status: StreamStatus;
  /** The latest item; undefined before the first. Kept after `ended` and `error`. */
  readonly data: TItem | undefined;
  /** The items so far, oldest first, at most `maxItems` of them. */
  readonly items: readonly TItem[];
  /** Why the stream failed (an RpcError; anything else thrown is wrapped as INTERNAL). */
  readonly error: RpcError | undefined;
  /** Sends on a channel; rejects with FAILED_PRECONDITION when no channel is open. */
  send(item: TSend): Promise<void>;
  /** Half-closes a channel's sending side; nothing for other streams. */
  end(): void;
  /** Cancels the stream and opens it again, from an empty state. */
  restart(): void;
}

interface StreamState<TItem> {
  readonly status: StreamStatus;
  readonly data: TItem | undefined;
  readonly items: readonly TItem[];
  readonly error: RpcError | undefined;
}

const IDLE: StreamState<never> = Object.freeze({ status: 'idle', data: undefined, items: [], error: undefined });
const PENDING: StreamState<never> = Object.freeze({ status: 'pending', data: undefined, items: [], error: undefined });

function appended<TItem>(items: readonly TItem[], item: TItem, max: number): readonly TItem[] {
  if (max <= 0) return items;
  const next = items.length >= max ? items.slice(items.length - max + 1) : items.slice();
  next.push(item);
  return next;
}

function asRpcError(error: unknown): RpcError {
  return isRpcError(error) ? error : new RpcError('INTERNAL', String(error), { cause: error });
}

/** Reads every item of `stream` into `onItem`; resolves at its end, rejects with its error. */
async function drain<TItem>(stream: OpenedStream<TItem, unknown>, onItem: (item: TItem) => void, signal: AbortSignal) {
  if (typeof stream.forEach === 'function') return stream.forEach(onItem);
  const iterator = stream[Symbol.asyncIterator]();
  signal.addEventListener('abort', () => void iterator.return?.(), { once: true });
  for (let next = await iterator.next(); !next.done && !signal.aborted; next = await iterator.next())
    onItem(next.value);
}

/**
 * Follows a server stream, channel or topic while the component is mounted: the latest item in
 * `data`, the items so far in `items`, a `status` and an `error`. A new `streamKey` (a new input)
 * cancels the old stream and opens the new one; unmounting cancels it on the server. Pass
 * `undefined` (or `enabled: false`) to follow nothing.
 *
 * A stream that fails is not reopened by itself: `restart()` does, or follow an async generator
 * that rejoins after SESSION_LOST from the last item it saw (see the chat example's `followRoom`).
 *
 * @example
 * const ticks = useStream(api.ticks.streamOptions({ every: 100 }));
 * return <p>{ticks.status === 'streaming' ? ticks.data : '…'}</p>;
 */
export function useStream<TItem, TSend = never>(
  source: StreamSource<TItem, TSend> | undefined,
  options: UseStreamOptions<TItem> = {},
): UseStreamResult<TItem, TSend> {
  const enabled = source !== undefined && (options.enabled ?? true);
  const key = source === undefined ? '' : hashKey(source.streamKey);
  const [restarts, setRestarts] = useState(0);
  const [state, setState] = useState<StreamState<TItem>>(IDLE);
  // The latest source and options, read when the stream (re)opens: a new object with the same key
  // on every render must not restart it.
  const latest = useRef({ source, options });
  latest.current = { source, options };
  const open = useRef<OpenedStream<TItem, TSend> | undefined>(undefined);

  // biome-ignore lint/correctness/useExhaustiveDependencies: the key and restarts stand for the source.
  useEffect(() => {
    const current = latest.current.source;
    if (!enabled || current === undefined) {
      setState(IDLE);
      return;
    }
    const controller = new AbortController();
    const { signal } = controller;
    setState(PENDING);
    let stream: OpenedStream<TItem, TSend>;
    try {
      stream = current.open(signal);
    } catch (error) {
      setState({ ...IDLE, status: 'error', error: asRpcError(error) });
      return;
    }
    open.current = stream;
    const onItem = (item: TItem): void => {
      if (signal.aborted) return;
      const { onItem: listener, maxItems = DEFAULT_STREAM_OPTIONS.maxItems } = latest.current.options;
      listener?.(item);
      setState((previous) => ({
        status: 'streaming',
        data: item,
        items: appended(previous.items, item, maxItems),
        error: undefined,
      }));
    };
    drain(stream, onItem, signal).then(
      () => {
        if (!signal.aborted) setState((previous) => ({ ...previous, status: 'ended' }));
      },
      (error: unknown) => {
        if (!signal.aborted) setState((previous) => ({ ...previous, status: 'error', error: asRpcError(error) }));
      },
    );
    return () => {
      controller.abort();
      if (open.current === stream) open.current = undefined;
      stream.cancel?.();
    };
  }, [enabled, key, restarts]);

  const send = useCallback((item: TSend): Promise<void> => {
    const channel = open.current;
    if (channel?.send === undefined) {
      return Promise.reject(new RpcError('FAILED_PRECONDITION', 'no channel is open to send on'));
    }
    return channel.send(item);
  }, []);
  const end = useCallback((): void => open.current?.end?.(), []);
  const restart = useCallback((): void => setRestarts((count) => count + 1), []);
  return { ...state, send, end, restart };
}

/**
 * {@link useStream} for topics and other feeds where the latest item is what matters: it keeps
 * no `items` unless `maxItems` asks for them.
 *
 * @example
 * const price = useSubscription(api.prices.streamOptions({ key: 'EURUSD' }));
 */
export function useSubscription<TItem, TSend = never>(
  source: StreamSource<TItem, TSend> | undefined,
  options: UseStreamOptions<TItem> = {},
): UseStreamResult<TItem, TSend> {
  return useStream(source, { maxItems: DEFAULT_STREAM_OPTIONS.subscriptionMaxItems, ...options });
}
