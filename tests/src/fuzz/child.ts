import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
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
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(new URL('./server-process.ts', import.meta.url))],
    {
      cwd: fileURLToPath(new URL('../../', import.meta.url)),
      stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    },
  );
  const port = await new Promise<number>((resolve, reject) => {
    let buffered = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const line = buffered.split('\n')[0];
      if (buffered.includes('\n') && line) resolve((JSON.parse(line) as { port: number }).port);
    });
    child.once('exit', (code) => reject(new Error(`server process exited with ${code}`)));
  });
  return {
    url: `ws://127.0.0.1:${port}/`,
    port,
    child,
    figures: () =>
      new Promise((resolve, reject) => {
        child.once('message', (figures) => resolve(figures as ServerFigures));
        if (!child.send('figures')) reject(new Error('the server process is gone'));
      }),
    get alive() {
      return child.exitCode === null && child.signalCode === null;
    },
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
