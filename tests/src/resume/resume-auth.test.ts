import { createClient } from '@switchboard/client';
import { createFaultProxy } from '@switchboard/fault-proxy';
import { CloseCode, RpcError } from '@switchboard/protocol';
import { describe, expect, it, onTestFinished } from 'vitest';
import { api } from '../fixture.js';
import { CODECS, startServer, until } from '../helpers.js';
import { fixtureService, newProbe } from '../service.js';

describe.each(CODECS)('authentication on resume over %s', (codec) => {
  it('checks the credentials of a resuming HELLO: revoked ones close 4100, fresh ones resume', async () => {
    // Tokens are "<user>:<serial>"; revoking a serial makes the server refuse it from then on.
    const revoked = new Set<string>();
    const probe = newProbe();
    const server = await startServer({
      services: fixtureService(probe, {
        context: ({ auth }) => {
          const token = String(auth);
          if (revoked.has(token)) throw new RpcError('UNAUTHENTICATED', 'token revoked');
          return { user: token };
        },
        // Every token of a user names the same principal: a refreshed token resumes the session.
        principal: ({ user }) => user.split(':')[0],
      }),
    });
    const proxy = await createFaultProxy({ target: { port: server.port } });
    let serial = 0;
    const client = createClient(api, {
      url: proxy.url('/'),
      codecs: [codec],
      auth: () => `ann:${++serial}`,
      reconnect: { initialDelayMs: 2, maxDelayMs: 20 },
    });
    onTestFinished(async () => {
      client.$close();
      await proxy.close();
      await server.close({ deadlineMs: 0 });
    });
    const states: string[] = [];
    client.$on('state', (change) => {
      states.push(
        `${change.state}${change.code ? ` ${change.code}` : ''}${change.state === 'open' && change.resumed ? ' resumed' : ''}`,
      );
    });
    expect(await client.whoami()).toEqual({ user: 'ann:1', codec });

    // A call that spans the cut: its answer must arrive after the resume, not be lost.
    const waiting = client.wait({ ms: 200 });
    await until(() => probe.started.includes('wait'));
    revoked.add('ann:1');
    revoked.add('ann:2');
    proxy.cutAll();

    // ann:2 is refused (4100) and the client asks its auth function again; ann:3 resumes.
    await expect(waiting).resolves.toBe('waited');
    expect(await client.whoami()).toEqual({ user: 'ann:3', codec });
    expect(serial).toBe(3);
    expect(states).toContain(`reconnecting ${CloseCode.UNAUTHENTICATED}`);
    expect(states.at(-1)).toBe('open resumed');
  });
});
