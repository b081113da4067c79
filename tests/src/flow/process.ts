import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** A server running in a child process. */
export interface ServerProcess {
  readonly url: string;
  readonly port: number;
  readonly child: ChildProcess;
  stop(): Promise<void>;
}

/** How {@link startServerProcess} starts its child. */
export interface ServerProcessOptions {
  /** Run with `--expose-gc`. @default true */
  readonly exposeGc?: boolean;
  /** Open an IPC channel to the child (`child.send`, `'message'`). @default false */
  readonly ipc?: boolean;
}

/**
 * Starts `script` under tsx and resolves with its URL once it prints its port (a JSON line
 * `{ "port": n }` on stdout); rejects if it exits first.
 */
export async function startServerProcess(
  script: string | URL,
  options: ServerProcessOptions = {},
): Promise<ServerProcess> {
  const args = ['--import', 'tsx', fileURLToPath(script)];
  if (options.exposeGc ?? true) args.unshift('--expose-gc');
  const child = spawn(process.execPath, args, {
    cwd: fileURLToPath(new URL('../../', import.meta.url)),
    stdio: options.ipc ? ['ignore', 'pipe', 'inherit', 'ipc'] : ['ignore', 'pipe', 'inherit'],
  });
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
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
