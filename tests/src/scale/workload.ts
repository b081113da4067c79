import { type Client, createClient } from '@switchboard/client';
import { isRpcError } from '@switchboard/protocol';
import { parsePosition } from '@switchboard/server';
import { until } from '../helpers.js';
import { scaleApi } from './contract.js';

type ScaleClient = Client<typeof scaleApi>;

/** The size of a run. */
export interface Size {
  readonly clients: number;
  readonly publishers: number;
  /** Items in all, split evenly between the publishers. */
  readonly items: number;
}

/** What one subscriber of one publisher's channel saw. */
export interface Track {
  readonly publisher: number;
  /** The next seq it expects. */
  next: number;
  received: number;
  /** Items out of order or twice: must stay empty. */
  readonly violations: string[];
  /** Where the history ran out: seqs `from` to `to` were never delivered, and it was told so. */
  readonly lost: Array<{ from: number; to: number }>;
  /** Errors that ended the subscription other than HISTORY_LOST: must stay empty. */
  readonly failures: string[];
}

/** Subscribers whose subscriptions follow one channel each, continuing after HISTORY_LOST. */
export function subscribe(url: string, size: Size) {
  const clients: ScaleClient[] = [];
  const tracks: Track[] = [];
  const started: Array<() => boolean> = [];
  let states = 0;
  let resumed = 0;
  for (let i = 0; i < size.clients; i++) {
    const client = createClient(scaleApi, {
      url,
      codecs: ['msgpack'],
      reconnect: { initialDelayMs: 20, maxDelayMs: 500, restartDelayMs: 20, restartMaxDelayMs: 500 },
    });
    let opened = 0;
    client.$on('state', (change) => {
      if (change.state !== 'open' || opened++ === 0) return;
      states++;
      if (change.resumed === true) resumed++;
    });
    const track: Track = {
      publisher: i % size.publishers,
      next: 1,
      received: 0,
      violations: [],
      lost: [],
      failures: [],
    };
    clients.push(client);
    tracks.push(track);
    started.push(follow(client, track, undefined));
  }
  return {
    clients,
    tracks,
    /** Reconnections (after a kill or drain, each reached another node). */
    reconnections: () => states,
    /** Reconnections that resumed the session (handed over by a draining or live node), not a new one. */
    resumed: () => resumed,
    /** Resolves once every subscription is in place (its SUBSCRIBED arrived). */
    ready: () => until(() => started.every((isStarted) => isStarted()), 30_000),
    close: () => {
      for (const client of clients) client.$close();
    },
  };
}

/** Follows `track`'s channel from `since`; returns whether the subscription has started. */
function follow(client: ScaleClient, track: Track, since: string | undefined): () => boolean {
  const key = `p${track.publisher}`;
  const stream = client.feed.items(since === undefined ? { key } : { key, since });
  stream
    .forEach((item) => {
      if (item.seq !== track.next)
        track.violations.push(`p${track.publisher}: expected ${track.next}, got ${item.seq}`);
      track.next = item.seq + 1;
      track.received++;
    })
    .catch((error: unknown) => {
      if (isRpcError(error) && error.code === 'HISTORY_LOST') {
        const restart = (error.data as { position: string }).position;
        const offset = parsePosition(restart)?.offset ?? 0;
        // The channel's offset is its publisher's seq: items next … offset are gone.
        track.lost.push({ from: track.next, to: offset });
        track.next = offset + 1;
        follow(client, track, restart);
      } else track.failures.push(isRpcError(error) ? error.code : String(error));
    });
  return () => stream.position !== undefined;
}

/** Items per publish call. */
const BATCH = 20;

/** Publishers, each on its own client, publishing their numbered items in order with retries. */
export async function publish(url: string, size: Size, onProgress: (published: number) => void) {
  const perPublisher = Math.floor(size.items / size.publishers);
  const errors = new Map<string, number>();
  let published = 0;
  let replayed = 0;
  const clients = Array.from({ length: size.publishers }, () =>
    createClient(scaleApi, {
      url,
      codecs: ['msgpack'],
      reconnect: { initialDelayMs: 20, maxDelayMs: 500, restartDelayMs: 20, restartMaxDelayMs: 500 },
    }),
  );
  try {
    await Promise.all(
      clients.map(async (client, publisher) => {
        for (let from = 1; from <= perPublisher; from += BATCH) {
          const count = Math.min(BATCH, perPublisher - from + 1);
          for (;;) {
            try {
              replayed += (await client.feed.publish({ publisher, from, count })).replayed;
              break;
            } catch (error) {
              // Only typed, retryable errors are retried: anything else fails the run.
              if (!isRpcError(error) || !error.retryable) throw error;
              errors.set(error.code, (errors.get(error.code) ?? 0) + 1);
            }
          }
          published += count;
          onProgress(published);
        }
      }),
    );
  } finally {
    for (const client of clients) client.$close();
  }
  return { perPublisher, published, replayed, errors };
}

/**
 * Sends acknowledged events 1 … `count` from one client, `parallel` at a time. The client sends
 * an event again under its key after a lost session; any error that reaches here is a failure.
 */
export async function sendEvents(url: string, count: number, parallel = 10) {
  const client = createClient(scaleApi, {
    url,
    codecs: ['msgpack'],
    reconnect: { initialDelayMs: 20, maxDelayMs: 500, restartDelayMs: 20, restartMaxDelayMs: 500 },
  });
  const failures: string[] = [];
  let next = 1;
  try {
    await Promise.all(
      Array.from({ length: parallel }, async () => {
        while (next <= count) {
          const n = next++;
          try {
            await client.feed.record({ n });
          } catch (error) {
            failures.push(`${n}: ${isRpcError(error) ? error.code : String(error)}`);
          }
        }
      }),
    );
  } finally {
    client.$close();
  }
  return { failures };
}
