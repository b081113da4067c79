import { CloseCode, type TransportName } from '@switchboard/protocol';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ClientSocketEvents } from './socket.js';
import type { AbandonableSocket, OpenHttpSocket } from './socket-http.js';

// An attempt on HTTP while the fallback's chunk (http-chunk.ts) loads: the chunk is mocked so that
// the test settles its import (with the real chunk, or an error) when it chooses, and transport.ts is imported afresh for each test.

/** A socket of either transport, driven by the test. */
class Fake implements AbandonableSocket {
  protocol = '';
  readyState = 0;
  bufferedAmount = 0;
  sent: (string | Uint8Array)[] = [];
  closedWith: [number | undefined, string | undefined] | undefined;
  abandoned = false;
  constructor(
    readonly transport: TransportName,
    readonly events: ClientSocketEvents,
  ) {}
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

let settleChunk!: (outcome: Error | undefined) => void;

beforeEach(() => {
  vi.resetModules();
  const gate = new Promise<Error | undefined>((resolve) => {
    settleChunk = resolve;
  });
  vi.doMock('./http-chunk.js', async () => {
    const failure = await gate;
    if (failure) throw failure;
    return vi.importActual<typeof import('./http-chunk.js')>('./http-chunk.js');
  });
});
afterEach(() => {
  vi.doUnmock('./http-chunk.js');
});

/** A chooser over fake sockets (the HTTP one replaces the chunk's), and what its connection hears. */
async function setup(choice: 'auto' | 'http', openHttp?: OpenHttpSocket) {
  const { TransportChooser } = await import('./transport.js');
  const sockets: Fake[] = [];
  const open = (transport: TransportName) => (_url: string, _p: readonly string[], events: ClientSocketEvents) => {
    const socket = new Fake(transport, events);
    sockets.push(socket);
    return socket;
  };
  const chooser = new TransportChooser(choice, {}, open('websocket'), undefined, openHttp ?? open('http'));
  const heard: string[] = [];
  const events: ClientSocketEvents = {
    open: () => heard.push('open'),
    message: (data) => heard.push(`message ${String(data)}`),
    close: (code, reason) => heard.push(`close ${code} ${reason}`),
  };
  // Settles the chunk's import (which the attempt started) and lets the handlers waiting for it run.
  const { loadHttpChunk } = await import('./socket-http-lazy.js');
  const settle = async (outcome?: Error): Promise<void> => {
    const loading = loadHttpChunk();
    settleChunk(outcome);
    await loading.catch(() => undefined);
    await Promise.resolve();
  };
  return { chooser, sockets, heard, events, settle };
}

describe('an attempt on HTTP while the fallback loads', () => {
  it('reads as connecting, sends nothing, then forwards to the socket it opened', async () => {
    const { chooser, sockets, heard, events, settle } = await setup('http');
    const socket = chooser.open('ws://localhost:1/', ['switchboard.v1.json'], events);
    expect([socket.transport, socket.readyState, socket.protocol, socket.bufferedAmount]).toEqual(['http', 0, '', 0]);
    socket.send('dropped before open');
    await settle();
    const real = sockets[0] as Fake;
    expect(sockets).toHaveLength(1);
    real.readyState = 1;
    real.protocol = 'switchboard.v1.json';
    real.bufferedAmount = 7;
    real.events.open();
    socket.send('frame');
    expect([socket.readyState, socket.protocol, socket.bufferedAmount]).toEqual([1, 'switchboard.v1.json', 7]);
    expect(real.sent).toEqual(['frame']);
    expect(heard).toEqual(['open']);
    socket.close(CloseCode.NORMAL, 'bye');
    expect(real.closedWith).toEqual([CloseCode.NORMAL, 'bye']);
  });

  it('closed before the fallback loaded, it closes at once and opens nothing later', async () => {
    const { chooser, sockets, heard, events, settle } = await setup('http');
    const socket = chooser.open('ws://localhost:1/', [], events);
    socket.close(CloseCode.NORMAL, 'client closed');
    socket.close();
    expect(heard).toEqual([`close ${CloseCode.NORMAL} client closed`]);
    expect(socket.readyState).toBe(3);
    await settle();
    expect(sockets).toHaveLength(0);
    expect(heard).toHaveLength(1);
  });

  it('an opener that throws closes it with 1006 and the reason', async () => {
    const throwing: OpenHttpSocket = () => {
      throw new TypeError('refused');
    };
    const { chooser, heard, events, settle } = await setup('http', throwing);
    const socket = chooser.open('ws://localhost:1/', [], events);
    await settle();
    expect(heard).toEqual([`close ${CloseCode.ABNORMAL} the HTTP fallback could not open: refused`]);
    expect(socket.readyState).toBe(3);
  });

  it('throws at once for a URL that does not parse, as the real socket does', async () => {
    const { chooser, events } = await setup('http');
    expect(() => chooser.open('ws://[not a host/', [], events)).toThrow(TypeError);
  });

  it('a fallback that fails to load closes the attempt with 1006, after the WebSocket reason', async () => {
    const { chooser, sockets, heard, events, settle } = await setup('auto');
    const socket = chooser.open('ws://localhost:1/', [], events);
    (sockets[0] as Fake).events.close(CloseCode.ABNORMAL, 'Unexpected server response: 403');
    expect([socket.transport, socket.readyState]).toEqual(['http', 0]);
    await settle(new Error('Failed to fetch dynamically imported module'));
    // (vitest wraps the factory's error in one of its own.)
    expect(heard).toHaveLength(1);
    expect(heard[0]).toMatch(
      /^close 1006 Unexpected server response: 403; HTTP fallback: the HTTP fallback could not be loaded: ./,
    );
    expect(socket.readyState).toBe(3);
    socket.close();
    expect(heard).toHaveLength(1);
    // The fallback failed too: the next attempt starts over with WebSocket.
    expect(chooser.open('ws://localhost:1/', [], events).transport).toBe('websocket');
  });
});
