import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { isRpcError } from '@switchboard/protocol';
import { RedisBroker } from '@switchboard/redis';
import { afterEach, describe, expect, it } from 'vitest';
import { api } from './fixture.js';
import { closedPort, connect, startServer, until } from './helpers.js';
import { fixtureService } from './service.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A Redis of this test's own, without persistence, on `port`: resolves once it accepts connections. */
function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`redis-server exited with ${code}: ${output}`)));
  });
}

function stopped(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

// It needs the redis-server binary (npm test installs it where Redis is not already running).
const HAS_REDIS_SERVER = spawnSync('redis-server', ['--version']).status === 0;

describe('a Redis restart in the middle of a run (its own redis-server, no persistence)', () => {
  it.skipIf(!HAS_REDIS_SERVER)(
    'tells the subscriber that the history was lost, and continues with what was published since',
    async () => {
      const port = await closedPort();
      let redis = await startRedis(port);
      cleanups.push(() => stopped(redis));
      const broker = new RedisBroker({
        redis: `redis://127.0.0.1:${port}`,
        prefix: `test:${randomUUID()}:`,
        onError: () => undefined,
      });
      const service = fixtureService();
      const listening = await startServer({ services: service, broker });
      cleanups.push(async () => {
        await listening.close({ deadlineMs: 100 });
        await broker.close();
      });
      const client = connect(api, listening.url, 'msgpack');
      cleanups.push(() => client.$close());

      const headlines: string[] = [];
      const told: string[] = [];
      let subscribed = false;
      const follow = (since: string | undefined): void => {
        const stream = client.news(since === undefined ? {} : { since });
        void stream
          .forEach((item) => {
            subscribed = true;
            headlines.push(item.headline);
          })
          .catch((error: unknown) => {
            if (isRpcError(error) && error.code === 'HISTORY_LOST') {
              told.push(error.message);
              follow((error.data as { position: string }).position);
            } else told.push(`unexpected: ${String(error)}`);
          });
        void until(() => stream.position !== undefined).then(() => {
          subscribed = true;
        });
      };
      follow(undefined);
      await until(() => subscribed);
      for (const headline of ['h1', 'h2', 'h3']) await service.publish('news', { headline });
      await until(() => headlines.length === 3);

      // Redis dies and comes back empty; a publish meanwhile waits in ioredis's queue and lands.
      await stopped(redis);
      const during = service.publish('news', { headline: 'h4' });
      redis = await startRedis(port);
      await during;
      await until(() => headlines.length === 4, 15_000);
      await service.publish('news', { headline: 'h5' });
      await until(() => headlines.length === 5);
      expect(headlines).toEqual(['h1', 'h2', 'h3', 'h4', 'h5']);
      // Told explicitly: the epoch changed, so the items between may be gone.
      expect(told).toHaveLength(1);
      expect(told[0]).toContain('epoch');
    },
  );
});
