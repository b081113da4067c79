import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { CPU_REQUEST } from './node-cpu.ts';

/** One server process of a setup: its port and the child running it. */
export interface FanNode {
  readonly port: number;
  readonly child: ChildProcess;
}

let profileDir: string | undefined;

/** Makes every node started from now on write a V8 CPU profile into `dir` when it exits (`--profile`). */
export function profileNodes(dir: string): void {
  profileDir = dir;
}

/**
 * Starts `script` (a file beside this one) as a server child with `env` added, and resolves with
 * the port it prints as `{"port":N}` on its first stdout line. Rejects if it exits first.
 */
export function startNode(script: string, env: Record<string, string>): Promise<FanNode> {
  const profile = profileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${profileDir}`];
  const child = spawn(
    process.execPath,
    [...profile, '--import', 'tsx', fileURLToPath(new URL(script, import.meta.url))],
    {
      cwd: fileURLToPath(new URL('../../', import.meta.url)),
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    },
  );
  return new Promise((resolve, reject) => {
    let buffered = '';
    const exited = (code: number | null): void => reject(new Error(`${script} exited with ${code} before listening`));
    child.once('exit', exited);
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const end = buffered.indexOf('\n');
      if (end < 0) return;
      child.off('exit', exited);
      child.stdout?.removeAllListeners('data');
      resolve({ port: (JSON.parse(buffered.slice(0, end)) as { port: number }).port, child });
    });
  });
}

/** The CPU time (user + system, µs) the nodes have spent so far, summed; asked over their IPC channels. */
export async function nodesCpuUs(nodes: readonly FanNode[]): Promise<number> {
  const each = await Promise.all(
    nodes.map(async ({ child }) => {
      const answer = once(child, 'message') as Promise<[{ cpuUs: number }]>;
      child.send(CPU_REQUEST);
      return (await answer)[0].cpuUs;
    }),
  );
  return each.reduce((sum, value) => sum + value, 0);
}

/** Stops the nodes with SIGTERM (each closes its server and its Redis connections) and waits for them. */
export async function stopNodes(nodes: readonly FanNode[]): Promise<void> {
  await Promise.all(
    nodes.map(async ({ child }) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    }),
  );
}
