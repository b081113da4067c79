import { defineContract, serverStream, unary } from '@switchboard/contract';
import { type CodecName, MessageType } from '@switchboard/protocol';
import { implement } from '@switchboard/server';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { CODECS, connect, startServer, until } from './helpers.js';
import { RawPeer } from './raw.js';

type Started = Awaited<ReturnType<typeof startServer>>;

const api = defineContract({
  procedures: {
    whoami: unary({ output: z.string() }),
    ping: unary({ output: z.literal('pong') }),
    flood: serverStream({ item: z.number() }),
    secret: serverStream({ item: z.string() }),
  },
});

/** Items the flood stream produces at most; enough to hold the thread for seconds if pulled unchecked. */
const FLOOD_ITEMS = 1_000_000;

function service(state: { produced: number; release: () => void }) {
  return implement(
    api,
    { context: ({ auth }) => ({ user: typeof auth === 'string' ? auth : 'anonymous' }) },
    {
      whoami: (_input, { ctx }) => ctx.user,
      ping: () => 'pong' as const,
      // A generator that always has an item: it resolves in microtasks alone.
      flood: async function* () {
        for (let i = 0; i < FLOOD_ITEMS; i++) {
          state.produced++;
          yield i;
        }
      },
      secret: async function* (_input, { ctx }) {
        yield `for ${ctx.user} only`;
        await new Promise<void>((resolve) => {
          state.release = resolve;
        });
        yield `more for ${ctx.user}`;
      },
    },
  );
}

/** Opens a raw session with `auth`, resuming `token` when given. */
async function hello(url: string, codec: CodecName, auth: string, token: string | null = null, received = 0) {
  const peer = new RawPeer(url, codec);
  await peer.opened;
  peer.send([MessageType.HELLO, auth, token, received]);
  const welcome = await peer.next(MessageType.WELCOME);
  return { peer, welcome: { sessionId: welcome[1] as string, token: welcome[2] as string, resumed: welcome[3] } };
}

function sequenced(peer: RawPeer): number {
  return peer.received.filter((message) => (message[0] as number) >= MessageType.CALL).length;
}

describe.each(CODECS)('hostile sessions over %s', (codec) => {
  let server: Started | undefined;
  const state = { produced: 0, release: (): void => undefined };
  afterEach(async () => {
    await server?.close({ deadlineMs: 0 });
    server = undefined;
    state.produced = 0;
  });

  it('stops pulling a stream whose connection dropped, serves everyone else, and goes on after resume', async () => {
    server = await startServer({ services: service(state) });
    const { peer, welcome } = await hello(server.url, codec, 'mallory');
    peer.send([MessageType.CALL, 1, 'flood', null, 1e9]);
    await peer.next(MessageType.DATA);
    peer.socket.terminate();
    await until(() => server?.server.connectionCount === 0);
    const atDrop = state.produced;

    const others = Array.from({ length: 8 }, () => connect(api, (server as Started).url, codec));
    try {
      const answers = await Promise.all(others.map((client) => client.ping()));
      expect(answers).toEqual(Array(8).fill('pong'));
    } finally {
      for (const client of others) client.$close();
    }
    // A stream may finish the turn it was in; after that nothing more is pulled for nobody.
    expect(state.produced - atDrop).toBeLessThanOrEqual(256);
    expect(state.produced).toBeLessThan(FLOOD_ITEMS);

    // The session resumes where its client left off, and the stream goes on.
    const received = sequenced(peer);
    const resumed = await hello(server.url, codec, 'mallory', welcome.token, received);
    expect(resumed.welcome.resumed).toBe(true);
    await until(() => state.produced > atDrop + 1000);
    resumed.peer.socket.terminate();
  });

  it('never lets a HELLO of another principal resume a session, even with its token', async () => {
    server = await startServer({ services: service(state) });
    const alice = await hello(server.url, codec, 'alice');
    alice.peer.send([MessageType.CALL, 1, 'secret', null, 10]);
    expect((await alice.peer.next(MessageType.DATA))[2]).toBe('for alice only');
    alice.peer.socket.terminate();
    await until(() => server?.server.connectionCount === 0);

    // Bob holds valid credentials of his own and alice's resume token.
    const bob = await hello(server.url, codec, 'bob', alice.welcome.token, 0);
    expect(bob.welcome.resumed).toBe(false);
    expect(bob.welcome.sessionId).not.toBe(alice.welcome.sessionId);
    expect(bob.welcome.token).not.toBe(alice.welcome.token);
    bob.peer.send([MessageType.CALL, 1, 'whoami', null]);
    expect((await bob.peer.next(MessageType.END))[2]).toBe('bob');
    expect(server.server.metrics.resumesRefused).toBe(1);

    // Alice's session was left alone: she resumes it, and her stream goes on for her.
    const back = await hello(server.url, codec, 'alice', alice.welcome.token, sequenced(alice.peer));
    expect(back.welcome.resumed).toBe(true);
    expect(back.welcome.sessionId).toBe(alice.welcome.sessionId);
    state.release();
    expect((await back.peer.next(MessageType.DATA))[2]).toBe('more for alice');
    expect(bob.peer.received.flat()).not.toContain('more for alice');
    bob.peer.socket.close();
    back.peer.socket.close();
  });

  it('does not resume with a token whose lookup part is right and whose secret is not', async () => {
    server = await startServer({ services: service(state) });
    const first = await hello(server.url, codec, 'carol');
    // 27 random bytes: a 12-character lookup part and a 144-bit secret.
    expect(Buffer.from(first.welcome.token, 'base64url')).toHaveLength(27);
    first.peer.socket.terminate();
    await until(() => server?.server.connectionCount === 0);
    const last = first.welcome.token.at(-1) === 'A' ? 'B' : 'A';
    const forged = `${first.welcome.token.slice(0, -1)}${last}`;
    const second = await hello(server.url, codec, 'carol', forged, 0);
    expect(second.welcome.resumed).toBe(false);
    second.peer.socket.close();
  });
});
