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

  it("offers the contract's API when the options hold api: undefined", () => {
    const offered: string[][] = [];
    // Records the offer and never opens: the browser path sets its handlers and waits.
    class Recording {
      constructor(_url: string, protocols: string[]) {
        offered.push(protocols);
      }
      close(): void {}
    }
    const versioned = defineContract({ api: { name: 'chat', version: '2' }, procedures: {} });
    const client = createClient(versioned, {
      url: 'ws://127.0.0.1:9/',
      api: undefined,
      codecs: ['json'],
      reconnect: false,
      transport: 'websocket',
      WebSocket: Recording as unknown as typeof WebSocket,
    });
    expect(offered).toEqual([['switchboard.v1.json.chat.2', 'switchboard']]);
    client.$close();
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
