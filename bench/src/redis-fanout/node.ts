// One Switchboard node of the Redis fan-out bench: a server on a MemoryBroker (FANOUT_BROKER=memory)
// or a RedisBroker on FANOUT_PREFIX. Prints `{"port":N}` once listening; exits on SIGTERM.
import { RedisBroker } from '@switchboard/redis';
import { type Broker, createServer, implement, MemoryBroker } from '@switchboard/server';
import { listen } from '@switchboard/server/ws';
import { nowMs } from '../clock.ts';
import { fanApi } from './contract.ts';
import { answerCpuRequests } from './node-cpu.ts';

const broker: Broker =
  process.env.FANOUT_BROKER === 'redis'
    ? new RedisBroker({
        redis: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
        prefix: process.env.FANOUT_PREFIX ?? 'bench:',
        onError: () => undefined,
      })
    : new MemoryBroker();

const service = implement(fanApi, {
  fan: {
    burst: async ({ count, bytes }) => {
      const pad = 'x'.repeat(bytes);
      const published: Array<Promise<void>> = [];
      // Sent together: the broker keeps their order (one Redis connection, in call order).
      for (let seq = 1; seq <= count; seq++) {
        published.push(service.publish('fan.items', { seq, sentAt: nowMs(), pad }));
      }
      await Promise.all(published);
    },
  },
});

const server = createServer({ services: service, broker, onError: () => undefined, rateLimits: false });
const listening = await listen(server, { port: 0 });
answerCpuRequests();
process.stdout.write(`${JSON.stringify({ port: listening.port })}\n`);
process.on('SIGTERM', () => {
  void listening
    .close({ deadlineMs: 0 })
    .then(() => broker.close?.())
    .then(() => process.exit(0));
});
