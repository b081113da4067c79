/** Messages between the scale scenario and its client processes, over Node's IPC channel. */

/** Parent to client process. */
export type ToClients =
  | {
      op: 'open';
      contender: string;
      port: number;
      count: number;
      concurrency: number;
      localAddress: string;
      timeoutMs: number;
    }
  | { op: 'close' };

/** Client process to parent. */
export type FromClients =
  | { op: 'ready' }
  | {
      op: 'opened';
      /** `nowMs()` (the system-wide monotonic clock) when the first handshake started and the last ended. */
      startedAt: number;
      endedAt: number;
      /** Each handshake's time in ms, from the TCP connect to the client's ready (Switchboard: WELCOME). */
      latencies: number[];
      /** CPU time (user + system) this process spent opening them, in microseconds. */
      cpuUs: number;
    }
  | { op: 'failed'; error: string }
  | { op: 'closed' };
