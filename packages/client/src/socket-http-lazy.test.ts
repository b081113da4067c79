import { CloseCode } from '@switchboard/protocol';
import { describe, expect, it } from 'vitest';
import type { ClientSocketEvents } from './socket.js';
import type { AbandonableSocket, OpenHttpSocket } from './socket-http.js';
import { DeferredHttpSocket, lazyHttpOpener } from './socket-http-lazy.js';

/** The real socket the opener makes once it has loaded, driven by the test. */
class Fake implements AbandonableSocket {
  readonly transport = 'http' as const;
  protocol = '';
  readyState = 0;
  bufferedAmount = 0;
  sent: (string | Uint8Array)[] = [];
  closedWith: [number | undefined, string | undefined] | undefined;
  abandoned = false;
  constructor(readonly events: ClientSocketEvents) {}
  send(frame: string | Uint8Array): void {
    this.sent.push(frame);
  }
  close(code?: number, reason?: string): void {
    this.closedWith = [code, reason];
  }
  abandon(): void {
    this.abandoned = true;
  }
}

/** A deferred socket over an opener the test hands over (or fails) when it chooses. */
function setup() {
  const heard: string[] = [];
  const events: ClientSocketEvents = {
    open: () => heard.push('open'),
    message: (data) => heard.push(`message ${String(data)}`),
    close: (code, reason) => heard.push(`close ${code} ${reason}`),
  };
  const opened: Fake[] = [];
  const open: OpenHttpSocket = (_url, _protocols, socketEvents) => {
    const socket = new Fake(socketEvents);
    opened.push(socket);
    return socket;
  };
  let load!: (opener: OpenHttpSocket) => void;
  let fail!: (error: Error) => void;
  const opener = new Promise<OpenHttpSocket>((resolve, reject) => {
    load = resolve;
    fail = reject;
  });
  const socket = new DeferredHttpSocket(opener, 'ws://localhost:1/', ['switchboard.v1.json'], events);
  // Settles the opener and lets its handlers run.
  const settle = async (how: () => void): Promise<void> => {
    how();
    await opener.catch(() => undefined);
    await Promise.resolve();
  };
  return {
    socket,
    heard,
    opened,
    loaded: () => settle(() => load(open)),
    failed: (error: Error) => settle(() => fail(error)),
  };
}

describe('DeferredHttpSocket', () => {
  it('reads as connecting while the fallback loads, then forwards to the socket it opened', async () => {
    const { socket, heard, opened, loaded } = setup();
    expect([socket.readyState, socket.protocol, socket.bufferedAmount]).toEqual([0, '', 0]);
    socket.send('dropped before open');
    await loaded();
    const real = opened[0] as Fake;
    expect(opened).toHaveLength(1);
    real.readyState = 1;
    real.protocol = 'switchboard.v1.json';
    real.bufferedAmount = 7;
    real.events.open();
    socket.send('frame');
    expect([socket.readyState, socket.protocol, socket.bufferedAmount]).toEqual([1, 'switchboard.v1.json', 7]);
    expect(real.sent).toEqual(['frame']);
    expect(heard).toEqual(['open']);
    socket.close(CloseCode.NORMAL, 'bye');
    socket.abandon();
    expect(real.closedWith).toEqual([CloseCode.NORMAL, 'bye']);
    expect(real.abandoned).toBe(true);
  });

  it('closed before the fallback loaded, it closes at once and opens nothing later', async () => {
    const { socket, heard, opened, loaded } = setup();
    socket.close(CloseCode.NORMAL, 'client closed');
    socket.close();
    expect(heard).toEqual([`close ${CloseCode.NORMAL} client closed`]);
    expect(socket.readyState).toBe(3);
    await loaded();
    expect(opened).toHaveLength(0);
    expect(heard).toHaveLength(1);
  });

  it('abandoned before the fallback loaded, it stays silent and opens nothing', async () => {
    const { socket, heard, opened, loaded } = setup();
    socket.abandon();
    await loaded();
    expect(opened).toHaveLength(0);
    expect(heard).toEqual([]);
    expect(socket.readyState).toBe(3);
  });

  it('an opener that throws closes it with 1006 and the reason', async () => {
    const heard: string[] = [];
    const events: ClientSocketEvents = {
      open: () => heard.push('open'),
      message: () => heard.push('message'),
      close: (code, reason) => heard.push(`close ${code} ${reason}`),
    };
    const throwing: OpenHttpSocket = () => {
      throw new TypeError('refused');
    };
    const opener = Promise.resolve(throwing);
    const socket = new DeferredHttpSocket(opener, 'ws://localhost:1/', [], events);
    await opener;
    await Promise.resolve();
    expect(heard).toEqual([`close ${CloseCode.ABNORMAL} the HTTP fallback could not open: refused`]);
    expect(socket.readyState).toBe(3);
  });

  it('lazyHttpOpener throws at once for a URL that does not parse, as the real socket does', () => {
    const events: ClientSocketEvents = { open: () => {}, message: () => {}, close: () => {} };
    expect(() => lazyHttpOpener()('ws://[not a host/', [], events)).toThrow(TypeError);
  });

  it('a fallback that fails to load closes it with 1006 and the reason', async () => {
    const { socket, heard, failed } = setup();
    await failed(new Error('Failed to fetch dynamically imported module'));
    expect(heard).toEqual([
      `close ${CloseCode.ABNORMAL} the HTTP fallback could not be loaded: Failed to fetch dynamically imported module`,
    ]);
    expect(socket.readyState).toBe(3);
    socket.close();
    expect(heard).toHaveLength(1);
  });
});
