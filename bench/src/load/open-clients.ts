import { TimeoutError, withTimeout } from '../async.ts';
import { nowMs } from '../clock.ts';
import type { Contender, ContenderClient } from '../contract.ts';

/** Longest one handshake may take before the whole batch fails. */
const CONNECT_TIMEOUT_MS = 10_000;

/**
 * Opens `count` connections with at most `concurrency` handshakes in flight (more would overflow
 * the listen backlog and measure SYN retries instead of the server). On any failure, or when
 * `timeoutMs` passes first, it closes what it opened and rejects.
 */
export async function openClients(
  contender: Contender,
  port: number,
  count: number,
  concurrency: number,
  timeoutMs = 60_000,
): Promise<ContenderClient[]> {
  const deadline = nowMs() + timeoutMs;
  const clients: ContenderClient[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      if (nowMs() > deadline)
        throw new TimeoutError(`opened ${clients.length} of ${count} connections in ${timeoutMs} ms`);
      next++;
      clients.push(await withTimeout(contender.connect(port), CONNECT_TIMEOUT_MS, `${contender.id} connect`));
    }
  };
  const workers = Array.from({ length: Math.min(concurrency, count) }, worker);
  const outcomes = await Promise.allSettled(workers);
  const failure = outcomes.find((outcome) => outcome.status === 'rejected');
  if (failure !== undefined) {
    await closeClients(clients);
    throw failure.reason;
  }
  return clients;
}

/** Closes every client, ignoring individual close failures. */
export async function closeClients(clients: readonly ContenderClient[]): Promise<void> {
  await Promise.allSettled(clients.map((client) => client.close()));
}

/** Opens one client, hands it to `use`, and closes it whatever happens. */
export async function withClient<T>(
  contender: Contender,
  port: number,
  use: (client: ContenderClient) => Promise<T>,
): Promise<T> {
  const client = await withTimeout(contender.connect(port), CONNECT_TIMEOUT_MS, `${contender.id} connect`);
  try {
    return await use(client);
  } finally {
    await client.close();
  }
}

/** Throws unless `client.echo(payload)` comes back equal, so a broken adapter cannot look fast. */
export async function checkEcho(
  client: ContenderClient,
  payload: Parameters<ContenderClient['echo']>[0],
): Promise<void> {
  const echoed = await client.echo(payload);
  if (JSON.stringify(echoed) !== JSON.stringify(payload)) {
    throw new Error('echo returned a different payload');
  }
}
