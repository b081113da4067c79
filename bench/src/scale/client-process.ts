/**
 * A client process of the scale scenario: `node --import tsx client-process.ts`. Opens its share
 * of the connections from its own source address when told, reports each handshake's time, holds
 * them idle until told to close them; exits when the parent disconnects. Spread over several processes (and addresses),
 * the clients neither hit one process's file-descriptor limit nor one address's ephemeral ports.
 */
import { nowMs } from '../clock.ts';
import { findContender } from '../contenders/index.ts';
import type { ContenderClient } from '../contract.ts';
import type { FromClients, ToClients } from './protocol.ts';

const send = (message: FromClients): void => {
  process.send?.(message);
};
let clients: ContenderClient[] = [];

async function open(message: Extract<ToClients, { op: 'open' }>): Promise<void> {
  const contender = findContender(message.contender);
  const latencies: number[] = [];
  const deadline = nowMs() + message.timeoutMs;
  let next = 0;
  const startedAt = nowMs();
  const cpu = process.cpuUsage();
  const worker = async (): Promise<void> => {
    while (next < message.count) {
      if (nowMs() > deadline)
        throw new Error(`opened ${clients.length} of ${message.count} in ${message.timeoutMs} ms`);
      next++;
      const start = nowMs();
      clients.push(await contender.connect(message.port, { localAddress: message.localAddress }));
      latencies.push(nowMs() - start);
    }
  };
  await Promise.all(Array.from({ length: Math.min(message.concurrency, message.count) }, worker));
  const endedAt = nowMs();
  const { user, system } = process.cpuUsage(cpu);
  send({ op: 'opened', startedAt, endedAt, latencies, cpuUs: user + system });
}

process.on('message', (message: ToClients) => {
  if (message.op === 'open') {
    open(message).catch((error: unknown) => send({ op: 'failed', error: String(error) }));
  } else {
    const closing = clients;
    clients = [];
    void Promise.allSettled(closing.map((client) => client.close())).then(() => send({ op: 'closed' }));
  }
});
// The parent lets go once it is done with this process.
process.on('disconnect', () => process.exit(0));
send({ op: 'ready' });
