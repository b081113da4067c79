// One node of the scale harness in its own process: a server on a Redis broker whose prefix
// comes from SCALE_PREFIX, handing its sessions to the other nodes through Redis. Prints `{"port":N}` once listening; SIGTERM drains it (server.close).
// Run: node --import tsx node.ts
import { topicChannel } from '@switchboard/contract';
import { isRpcError } from '@switchboard/protocol';
import { RedisBroker, RedisIdempotencyStore, RedisSessionHandover } from '@switchboard/redis';
import { createServer, implement } from '@switchboard/server';
import { listen } from '@switchboard/server/ws';
import { Redis } from 'ioredis';
import { scaleApi } from './contract.js';

const broker = new RedisBroker({
  redis: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  prefix: process.env.SCALE_PREFIX ?? 'scale:',
  retention: { maxItems: Number(process.env.SCALE_RETAIN ?? 20_000), maxAgeMs: 600_000 },
  onError: () => undefined,
});

const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = process.env.SCALE_PREFIX ?? 'scale:';
const counters = new Redis(redisUrl);
const events = new RedisIdempotencyStore({ redis: redisUrl, prefix: `${prefix}events:` });
const handover = new RedisSessionHandover({ redis: redisUrl, prefix: `${prefix}sessions:`, onError: () => undefined });

const service = implement(scaleApi, {
  feed: {
    // A publisher numbers its items from 1 on its own channel: the channel's offset is the last
    // seq, so appending at offset seq - 1 lands each item once however often it is retried.
    publish: async ({ publisher, from, count }) => {
      const channel = topicChannel('feed.items', `p${publisher}`);
      // Sent together, run in order on one Redis connection: after an item that already landed
      // (a retry), the next expects the offset it left.
      const appends = Array.from({ length: count }, (_, i) =>
        broker.append(channel, { publisher, seq: from + i }, { ifOffset: from + i - 1 }),
      );
      const outcomes = await Promise.allSettled(appends);
      let replayed = 0;
      for (const [i, outcome] of outcomes.entries()) {
        if (outcome.status === 'fulfilled') continue;
        const error = outcome.reason as unknown;
        const offset = isRpcError(error) ? (error.data as { offset?: number } | undefined)?.offset : undefined;
        if (offset === undefined || offset < from + i) throw error;
        replayed++;
      }
      return { replayed };
    },
    record: async ({ n }) => {
      await counters.incr(`${prefix}runs:${n}`);
    },
  },
});

const server = createServer({
  services: service,
  broker,
  idempotencyStore: events,
  handover,
  onError: () => undefined,
});
const listening = await listen(server, { port: 0 });
await handover.ready();
process.stdout.write(`${JSON.stringify({ port: listening.port })}\n`);
process.on('SIGTERM', () => {
  void listening
    .close({ deadlineMs: Number(process.env.SCALE_DRAIN_MS ?? 2000) })
    .then(() => Promise.all([broker.close(), events.close(), handover.close(), counters.quit()]))
    .then(() => process.exit(0));
});
