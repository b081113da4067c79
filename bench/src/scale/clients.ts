import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { withTimeout } from '../async.ts';
import { compiledScaleClient } from '../server/compiled-host.ts';
import { serversCompiled } from '../server/spawn.ts';
import type { FromClients, ToClients } from './protocol.ts';

const CLIENT_PATH = fileURLToPath(new URL('./client-process.ts', import.meta.url));
const READY_TIMEOUT_MS = 30_000;

/** What one `open` across every client process did. */
export interface Opened {
  /** Handshakes per second over the whole ramp: all connections ÷ (last end − first start). */
  perSec: number;
  /** Every handshake's time in ms, unsorted. */
  latencies: Float64Array;
  /** CPU time every client process spent opening them, in microseconds. */
  clientCpuUs: number;
}

/** One client process and the replies it has not been asked for yet. */
class ClientProcess {
  readonly #child: ChildProcess;
  readonly #inbox: FromClients[] = [];
  #waiter: ((message: FromClients) => void) | undefined;

  /** `compiled`: the bundled client process (compiled-host.ts) run by plain node, else client-process.ts under tsx. */
  constructor(compiled: string | undefined) {
    this.#child = fork(compiled ?? CLIENT_PATH, [], {
      execArgv: compiled === undefined ? ['--import', import.meta.resolve('tsx')] : [],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.#child.on('message', (message: FromClients) => {
      const waiter = this.#waiter;
      this.#waiter = undefined;
      if (waiter !== undefined) waiter(message);
      else this.#inbox.push(message);
    });
  }

  /** The next message from the process; rejects if it exits first. */
  next(timeoutMs: number, what: string): Promise<FromClients> {
    const queued = this.#inbox.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    const exited = once(this.#child, 'exit').then(([code]) => {
      throw new Error(`client process exited with ${String(code)} while ${what}`);
    });
    const message = new Promise<FromClients>((resolve) => {
      this.#waiter = resolve;
    });
    return withTimeout(Promise.race([message, exited]), timeoutMs, what);
  }

  send(message: ToClients): void {
    this.#child.send(message);
  }

  async stop(): Promise<void> {
    if (this.#child.exitCode !== null) return;
    const exited = once(this.#child, 'exit');
    this.#child.disconnect();
    await withTimeout(exited, 10_000, 'client process exit').catch(() => this.#child.kill('SIGKILL'));
  }
}

/**
 * Client processes for the scale scenario, the k-th leaving from 127.0.r.(k + 2), r new in each
 * `open` (a fresh set of source addresses each time: see {@link ScaleClients.open}): each opens
 * its share of the connections when asked and holds them until `close`.
 */
export class ScaleClients {
  readonly #processes: ClientProcess[];
  /** Picks the source addresses of the next `open`; starts anywhere, as a run minutes ago may have left TIME_WAITs. */
  #round = Math.floor(Math.random() * 256);

  private constructor(processes: ClientProcess[]) {
    this.#processes = processes;
  }

  /** Starts `count` client processes and waits until each has loaded. */
  static async start(count: number): Promise<ScaleClients> {
    // With compiled servers the clients are compiled too, as installed packages run.
    const compiled = serversCompiled() ? await compiledScaleClient() : undefined;
    const processes = Array.from({ length: count }, () => new ClientProcess(compiled));
    const clients = new ScaleClients(processes);
    try {
      for (const process of processes) await process.next(READY_TIMEOUT_MS, 'starting');
    } catch (error) {
      await clients.stop();
      throw error;
    }
    return clients;
  }

  /**
   * Opens `total` connections to `port`, shared equally among the processes, each keeping
   * `concurrency` handshakes in flight; all start together.
   */
  async open(contender: string, port: number, total: number, concurrency: number, timeoutMs: number): Promise<Opened> {
    // The previous repetition's 19,000 closed connections sit in TIME_WAIT for a minute. Bound to
    // the same source address, every new socket made the kernel search the port range past them
    // (the client processes' CPU per handshake went from about 0.4 to 2.4 ms after the first
    // repetition, raw ws and Switchboard alike): each repetition leaves from addresses of its own.
    const round = this.#round++ % 256;
    const shares = this.#processes.map(
      (_, k) => Math.floor(total / this.#processes.length) + (k < total % this.#processes.length ? 1 : 0),
    );
    this.#processes.forEach((process, k) => {
      process.send({
        op: 'open',
        contender,
        port,
        count: shares[k] ?? 0,
        concurrency,
        localAddress: `127.0.${round}.${k + 2}`,
        timeoutMs,
      });
    });
    const replies = await Promise.all(this.#processes.map((process) => process.next(timeoutMs + 10_000, 'opening')));
    let first = Number.POSITIVE_INFINITY;
    let last = 0;
    const latencies: number[] = [];
    let clientCpuUs = 0;
    for (const reply of replies) {
      if (reply.op === 'failed') throw new Error(reply.error);
      if (reply.op !== 'opened') throw new Error(`unexpected ${reply.op} while opening`);
      first = Math.min(first, reply.startedAt);
      last = Math.max(last, reply.endedAt);
      for (const latency of reply.latencies) latencies.push(latency);
      clientCpuUs += reply.cpuUs;
    }
    return { perSec: (total / (last - first)) * 1000, latencies: Float64Array.from(latencies), clientCpuUs };
  }

  /** Closes every connection the processes hold. */
  async close(): Promise<void> {
    for (const process of this.#processes) process.send({ op: 'close' });
    await Promise.all(this.#processes.map((process) => process.next(60_000, 'closing')));
  }

  /** Ends the processes. */
  async stop(): Promise<void> {
    await Promise.all(this.#processes.map((process) => process.stop()));
  }
}
