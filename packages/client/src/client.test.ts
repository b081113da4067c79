import { defineContract, unary } from '@switchboard/contract';
import { isRpcError } from '@switchboard/protocol';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createClient } from './client.js';

const api = defineContract({ procedures: { users: { get: unary({ output: z.string() }) } } });

/** A client of a port nothing listens on, which never opens and does not reconnect. */
function unopened() {
  return createClient(api, { url: 'ws://127.0.0.1:9/', reconnect: false, transport: 'websocket' });
}

describe('createClient', () => {
  it('reads its $ members through the proxy, bound once and usable detached', async () => {
    const client = unopened();
    expect(client.$state).toBe('connecting');
    expect(client.$sessionId).toBeUndefined();
    expect(client.$transport).toBeUndefined();
    // Read by the proxy's handler: the client holds no object of them (nor own properties).
    expect(Object.keys(client)).toEqual([]);
    expect(client.$ready).toBe(client.$ready);
    const { $close, $ready, $on } = client;
    const states: string[] = [];
    $on('state', (change) => states.push(change.state));
    $close();
    expect(states).toEqual(['closed']);
    expect(client.$state).toBe('closed');
    const error = await $ready().then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(isRpcError(error) && error.code).toBe('CONNECTION_CLOSED');
  });

  it('is not awaitable and has no $ member beside its controls', () => {
    const client = unopened();
    expect((client as unknown as { then?: unknown }).then).toBeUndefined();
    expect((client as unknown as Record<string, unknown>).$other).toBeUndefined();
    expect(typeof client.users.get).toBe('function');
    expect(client.users).toBe(client.users);
    client.$close();
  });
});
