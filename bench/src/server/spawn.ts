/**
 * Bench-side handle on a server host child: spawns it, reads its port, sends IPC requests and
 * kills it. Children still alive when the bench process exits are killed with it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { withTimeout } from '../async.ts';
import { compiledHost } from './compiled-host.ts';
import type { HostOp, HostOps, HostReady, HostReply, HostRequest } from './ipc.ts';

const HOST_PATH = fileURLToPath(new URL('./host.ts', import.meta.url));
const START_TIMEOUT_MS = 20_000;
const REQUEST_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 3_000;

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** A running server child. */
export interface ServerProcess {
  /** The port its contender server listens on, on 127.0.0.1. */
  readonly port: number;
  /** The child's pid (its memory figures are its own). */
  readonly pid: number;
  /** Sends one control request; rejects if the host reports an error or the child dies. */
  request<TOp extends HostOp>(op: TOp, arg: HostOps[TOp]['arg']): Promise<HostOps[TOp]['result']>;
  /** Kills the child (SIGTERM, then SIGKILL after 3 s) and waits for it to exit. */
  stop(): Promise<void>;
}

async function readReady(child: ChildProcess): Promise<HostReady> {
  if (child.stdout === null) throw new Error('host stdout is not piped');
  const lines = createInterface({ input: child.stdout });
  const exited = once(child, 'exit').then(([code]) => {
    throw new Error(`server host exited with code ${String(code)} before reporting its port`);
  });
  const firstLine = once(lines, 'line').then(([line]) => JSON.parse(String(line)) as HostReady);
  try {
    return await withTimeout(Promise.race([firstLine, exited]), START_TIMEOUT_MS, 'server host start');
  } finally {
    lines.close();
    // Keep draining: a library that logs to stdout must not stall on a full pipe.
    child.stdout.resume();
  }
}

// One fixed young-generation size for every contender. V8 otherwise doubles it when enough objects
// survive, at a point that depends on what the contender loaded at start-up; one such doubling
// during the 2,000-connection storm moved RSS per connection by 4 KiB, more than any contender's
// connections themselves. 16 MiB semi-spaces are V8's default maximum on 64-bit Node 20.
const YOUNG_GENERATION = ['--min-semi-space-size=16', '--max-semi-space-size=16'];

// Children that measure memory use one malloc arena. With glibc's default of one arena per thread
// that mallocs (V8's GC and compiler threads among them), the memory outside V8's heap moved by
// 2-3 MiB between two samples of one idle server, so 2,000 connections' RSS moved by 1-1.5 KiB
// each, and raw `ws` sometimes measured less RSS per connection than its heap alone. With one
// arena it holds within 0.3 MiB. The environment's own MALLOC_ARENA_MAX, if set, wins.
const ONE_ARENA = { MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? '1' };

/** How a server child is run. */
export interface ServerOptions {
  /**
   * Whether the child is measured for memory: it then runs with one malloc arena (ONE_ARENA).
   * @default false
   */
  measuresMemory?: boolean;
  /**
   * Whether the child runs with Node's default young generation (it starts small and grows as
   * objects survive) instead of {@link YOUNG_GENERATION}: for (i), whose figure multiplies an idle
   * process's own RSS, which the fixed 16 MiB semi-spaces, written through before each memory
   * sample, inflate by about 35 MiB; a process that holds idle connections needs no throughput-sized
   * young generation. Its growth during the ramp then counts in the connections' share.
   * @default false
   */
  nodeYoungGeneration?: boolean;
}

let profileDir: string | undefined;
let compiled = false;

/** From now on, server children run with `--cpu-prof` and write their profiles into `dir` on stop. */
export function profileServers(dir: string): void {
  profileDir = dir;
}

/**
 * From now on, server children run the host compiled ahead of time by plain `node`, as a published
 * install would, instead of its TypeScript under tsx (compiled-host.ts).
 */
export function compileServers(): void {
  compiled = true;
}

/** Whether {@link compileServers} was called: the scale scenario's client processes follow it. */
export function serversCompiled(): boolean {
  return compiled;
}

/** Spawns the host for `contenderId` with --expose-gc; rejects if it does not report a port. */
export async function startServerProcess(contenderId: string, options: ServerOptions = {}): Promise<ServerProcess> {
  const profile = profileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${profileDir}`];
  const child = spawn(
    process.execPath,
    [
      '--expose-gc',
      ...(options.nodeYoungGeneration === true ? [] : YOUNG_GENERATION),
      ...profile,
      ...(compiled ? [await compiledHost()] : ['--import', import.meta.resolve('tsx'), HOST_PATH]),
      contenderId,
    ],
    {
      stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
      env: options.measuresMemory === true ? { ...process.env, ...ONE_ARENA } : process.env,
    },
  );
  live.add(child);
  const exit = once(child, 'exit').then(() => {
    live.delete(child);
  });

  let ready: HostReady;
  try {
    ready = await readReady(child);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }

  const pending = new Map<number, { resolve(value: unknown): void; reject(reason: unknown): void }>();
  let nextId = 1;
  child.on('message', (reply: HostReply) => {
    const waiter = pending.get(reply.id);
    pending.delete(reply.id);
    if (reply.ok) waiter?.resolve(reply.value);
    else waiter?.reject(new Error(`server host: ${reply.error}`));
  });
  void exit.then(() => {
    for (const waiter of pending.values()) waiter.reject(new Error('server host exited'));
    pending.clear();
  });

  return {
    port: ready.port,
    pid: ready.pid,
    request<TOp extends HostOp>(op: TOp, arg: HostOps[TOp]['arg']) {
      const id = nextId++;
      const reply = new Promise<HostOps[TOp]['result']>((resolve, reject) => {
        pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      });
      const request: HostRequest<TOp> = { id, op, arg };
      child.send(request);
      return withTimeout(reply, REQUEST_TIMEOUT_MS, `server host ${op}`);
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
      await exit;
      clearTimeout(timer);
    },
  };
}
