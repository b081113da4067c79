import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll } from 'vitest';
import { api } from '../fixture.js';
import { startServerProcess } from '../flow/process.js';
import { connect } from '../helpers.js';
import { HEALTHY_AUTH, HealthyClient } from './harness.js';
import type { ServerFigures } from './server-process.js';

/** The fixture server (default options) running in a child process. */
export interface ServerChild {
  readonly url: string;
  readonly port: number;
  readonly child: ChildProcess;
  /** Its memory, event-loop delay, unexpected errors and metrics, now. */
  figures(): Promise<ServerFigures>;
  /** Whether the process is still running (a crash would have ended it). */
  readonly alive: boolean;
  stop(): Promise<void>;
}

/** Starts tests/src/fuzz/server-process.ts under tsx and resolves once it listens. */
export async function startServerChild(): Promise<ServerChild> {
  const server = await startServerProcess(new URL('./server-process.ts', import.meta.url), {
    exposeGc: false,
    ipc: true,
  });
  const { child } = server;
  return {
    ...server,
    figures: () =>
      new Promise((resolve, reject) => {
        child.once('message', (figures) => resolve(figures as ServerFigures));
        if (!child.send('figures')) reject(new Error('the server process is gone'));
      }),
    get alive() {
      return child.exitCode === null && child.signalCode === null;
    },
  };
}

/**
 * Registers beforeAll/afterAll hooks that start the fixture server in a child process and a
 * healthy msgpackr client of its own principal, and stop both. Read `server` and `healthy` inside
 * tests.
 */
export function useServerChild(): { server: ServerChild; healthy: HealthyClient } {
  const setup = {} as { server: ServerChild; healthy: HealthyClient };
  beforeAll(async () => {
    setup.server = await startServerChild();
    setup.healthy = new HealthyClient(connect(api, setup.server.url, 'msgpackr', { auth: HEALTHY_AUTH }));
    await setup.healthy.client.$ready();
  });
  afterAll(async () => {
    await setup.healthy.stop();
    await setup.server.stop();
  });
  return setup;
}
