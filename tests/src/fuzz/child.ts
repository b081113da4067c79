import type { ChildProcess } from 'node:child_process';
import { startServerProcess } from '../flow/process.js';
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
