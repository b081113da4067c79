import { request } from 'node:http';
import { CloseCode, codecFor, MessageType } from '@switchboard/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { startServer } from './helpers.js';
import { RawPeer } from './raw.js';
import { fixtureService } from './service.js';

// Each test holds docs/protocol.md and the server to one point an independent client found them
// disagreeing on (issue 20, item 4).

let server: Awaited<ReturnType<typeof startServer>> | undefined;
const peers: RawPeer[] = [];

async function start(heartbeat?: { heartbeatMs: number; heartbeatTimeoutMs: number }) {
  server = await startServer({ services: fixtureService(), ...(heartbeat ? { limits: heartbeat } : {}) });
  return server.url;
}

function peer(url: string, codec: 'json' | 'msgpack' = 'json'): RawPeer {
  const raw = new RawPeer(url, codec);
  peers.push(raw);
  return raw;
}

/** HELLO that resumes `token` from `received`, answered by WELCOME. */
async function resume(url: string, token: string, received: number, codec: 'json' | 'msgpack' = 'json') {
  const raw = peer(url, codec);
  await raw.opened;
  raw.send([MessageType.HELLO, null, token, received]);
  return raw.next(MessageType.WELCOME);
}

/** The HTTP status (or 101 and the selected token) for an upgrade offering the header `protocols`. */
function upgradeStatus(url: string, protocols: string): Promise<string> {
  const { hostname, port, pathname } = new URL(url);
  const headers = {
    Connection: 'Upgrade',
    Upgrade: 'websocket',
    'Sec-WebSocket-Version': '13',
    'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
    'Sec-WebSocket-Protocol': protocols,
  };
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port, path: pathname, headers });
    req.on('upgrade', (response, socket) => {
      socket.destroy();
      resolve(`101 ${response.headers['sec-websocket-protocol']}`);
    });
    req.on('response', (response) => {
      response.resume();
      resolve(String(response.statusCode));
    });
    req.on('error', reject);
    req.end();
  });
}

afterEach(async () => {
  for (const raw of peers.splice(0)) raw.socket.terminate();
  await server?.close({ deadlineMs: 0 });
  server = undefined;
});

describe('heartbeat (section 3.3)', () => {
  it('closes with 4000 a peer that answers WebSocket pings but sends no message', async () => {
    const url = await start({ heartbeatMs: 100, heartbeatTimeoutMs: 200 });
    const silent = peer(url);
    await silent.hello();
    // ws answers every WebSocket ping with a pong by itself; those do not count.
    expect((await silent.closed).code).toBe(CloseCode.HEARTBEAT_TIMEOUT);
    expect(silent.received.some((message) => message[0] === MessageType.PING)).toBe(true);
  });

  it('keeps a peer that answers PING with POS instead of PONG: any complete message is a sign of life', async () => {
    const url = await start({ heartbeatMs: 100, heartbeatTimeoutMs: 200 });
    const raw = peer(url);
    await raw.hello();
    let answered = 0;
    const alive = await raw.until(() => {
      const pings = raw.received.filter((message) => message[0] === MessageType.PING).length;
      for (; answered < pings; answered++) raw.send([MessageType.POS, 0]);
      return pings >= 4;
    });
    expect(alive).toBe(true);
    expect(raw.socket.readyState).toBe(raw.socket.OPEN);
  });
});

describe('which closes end the session (sections 4 and 6)', () => {
  it.each([
    [4500, false],
    [4999, false],
    [4400, false],
    [4000, true],
  ])('a client close with %i resumes: %s', async (code, resumable) => {
    const url = await start();
    const first = peer(url);
    const welcome = await first.hello();
    first.socket.close(code, 'test');
    await first.closed;
    const again = await resume(url, welcome[2] as string, 0);
    expect(again[3]).toBe(resumable);
  });
});

describe('the msgpackr codec (section 1.5)', () => {
  it('writes one-byte record ids only, redefining ids when a message has more than 64 shapes', () => {
    const codec = codecFor('msgpackr');
    const shapes = Array.from({ length: 70 }, (_, i) => ({ [`k${i}`]: i, v: 'x' }));
    const items = [...shapes, ...shapes];
    const encoded = codec.frame([codec.encode([MessageType.END, 1, items])]) as Uint8Array;
    const definitions = (ext: number) =>
      encoded.reduce((count, byte, i) => count + (byte === ext && encoded[i + 1] === 0x72 ? 1 : 0), 0);
    expect(definitions(0xd5)).toBe(0);
    // 70 shapes, each defined again when its id was reused for another in between.
    expect(definitions(0xd4)).toBeGreaterThanOrEqual(70);
    expect(codec.decode(encoded, true)).toStrictEqual([[MessageType.END, 1, items]]);
  });
});

describe('credit before DATA (section 5)', () => {
  it('closes with 4430 on DATA in the same frame as its CALL', async () => {
    const url = await start();
    const raw = peer(url);
    await raw.hello();
    raw.send([MessageType.CALL, 1, 'sum', null, 0], [MessageType.DATA, 1, 5], [MessageType.END, 1]);
    expect((await raw.closed).code).toBe(CloseCode.CREDIT_EXCEEDED);
  });

  it('accepts DATA sent after the first CREDIT', async () => {
    const url = await start();
    const raw = peer(url);
    await raw.hello();
    raw.send([MessageType.CALL, 1, 'sum', null, 0]);
    expect(await raw.next(MessageType.CREDIT)).toStrictEqual([MessageType.CREDIT, 1, expect.any(Number)]);
    raw.send([MessageType.DATA, 1, 5], [MessageType.DATA, 1, 6], [MessageType.END, 1]);
    expect(await raw.next(MessageType.END)).toStrictEqual([MessageType.END, 1, 11]);
  });
});

describe('subscriptions (section 3.5)', () => {
  it('sends nothing to confirm a subscription, and ERROR for a refused one', async () => {
    const url = await start();
    const raw = peer(url);
    await raw.hello();
    raw.send([MessageType.CALL, 1, 'news', {}, 16], [MessageType.CALL, 2, 'news', {}, 16], [MessageType.PING, 0]);
    await raw.next(MessageType.PONG);
    const refused = await raw.next(MessageType.ERROR);
    expect(refused.slice(0, 3)).toStrictEqual([MessageType.ERROR, 2, 'FAILED_PRECONDITION']);
    const onStream: unknown[] = [MessageType.DATA, MessageType.CREDIT, MessageType.END, MessageType.ERROR];
    expect(raw.received.filter((message) => onStream.includes(message[0]) && message[1] === 1)).toStrictEqual([]);
  });
});

describe('resume edge cases (sections 3.2 and 4)', () => {
  it('refuses a received higher than the server sent and ends the session', async () => {
    const url = await start();
    const first = peer(url);
    const welcome = await first.hello();
    first.socket.terminate();
    await first.closed;
    expect((await resume(url, welcome[2] as string, 5))[3]).toBe(false);
    expect((await resume(url, welcome[2] as string, 0))[3]).toBe(false);
  });

  it('refuses a resume over another codec', async () => {
    const url = await start();
    const first = peer(url);
    const welcome = await first.hello();
    first.socket.terminate();
    await first.closed;
    expect((await resume(url, welcome[2] as string, 0, 'msgpack'))[3]).toBe(false);
  });

  it('keeps the resume token of a session across resumes', async () => {
    const url = await start();
    const first = peer(url);
    const welcome = await first.hello();
    first.socket.terminate();
    await first.closed;
    const again = await resume(url, welcome[2] as string, 0);
    expect(again[3]).toBe(true);
    expect(again[2]).toBe(welcome[2]);
  });
});

describe('the handshake (sections 1.2 and 2)', () => {
  it('refuses an offer list with a repeated token with HTTP 400, fallback included', async () => {
    const url = await start();
    expect(await upgradeStatus(url, 'switchboard.v1.json, switchboard.v1.json, switchboard')).toBe('400');
    expect(await upgradeStatus(url, 'switchboard.v1.json, switchboard')).toBe('101 switchboard.v1.json');
  });

  it('closes with 4425 on a CALL behind HELLO in one frame, explained as PROTOCOL_ERROR on stream 0', async () => {
    const url = await start();
    const raw = peer(url);
    await raw.opened;
    raw.send([MessageType.HELLO, null, null, 0], [MessageType.CALL, 1, 'noInput', null]);
    expect((await raw.closed).code).toBe(CloseCode.NOT_READY);
    expect(raw.received.map((message) => message.slice(0, 3))).toStrictEqual([
      [MessageType.ERROR, 0, 'PROTOCOL_ERROR'],
    ]);
  });
});
