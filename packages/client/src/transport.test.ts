import { CloseCode, type TransportName } from '@switchboard/protocol';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ClientSocketEvents } from './socket.js';
import type { AbandonableSocket } from './socket-http.js';
import { loadHttpChunk } from './socket-http-lazy.js';
import { type FallbackOptions, type TransportChoice, TransportChooser } from './transport.js';

/** A socket of either transport, driven by the test. */
class Fake implements AbandonableSocket {
  protocol = '';
  readyState = 0;
  bufferedAmount = 0;
  closedWith: number | undefined;
  abandoned = false;
  constructor(
    readonly transport: TransportName,
    readonly events: ClientSocketEvents,
  ) {}
  send(): void {}
  close(code = CloseCode.NORMAL): void {
    this.closedWith = code;
    this.readyState = 3;
  }
  abandon(): void {
    this.abandoned = true;
    this.readyState = 3;
  }
  accept(): void {
    this.protocol = 'switchboard.v1.json';
    this.readyState = 1;
    this.events.open();
  }
  drop(code: number, reason = ''): void {
    this.readyState = 3;
    this.events.close(code, reason);
  }
}

/** What the connection hears from the socket the chooser gave it. */
function listener() {
  const heard: string[] = [];
  const events: ClientSocketEvents = {
    open: () => heard.push('open'),
    message: (data) => heard.push(`message ${String(data)}`),
    close: (code, reason) => heard.push(`close ${code}${reason ? ` ${reason}` : ''}`),
  };
  return { heard, events };
}

function setup(choice: TransportChoice = 'auto', options: FallbackOptions = {}) {
  const sockets: Fake[] = [];
  const open =
    (transport: TransportName) => (_url: string, _protocols: readonly string[], events: ClientSocketEvents) => {
      const socket = new Fake(transport, events);
      sockets.push(socket);
      return socket;
    };
  const chooser = new TransportChooser(choice, options, open('websocket'), undefined, open('http'));
  const last = (transport: TransportName): Fake => {
    const found = sockets.filter((socket) => socket.transport === transport).at(-1);
    if (!found) throw new Error(`no ${transport} socket opened`);
    return found;
  };
  return { chooser, sockets, last };
}

// The probes are in the fallback's chunk, which a connection on HTTP has loaded: load it first,
// so that they run on the fake timers' schedule.
beforeAll(async () => {
  await loadHttpChunk();
});
beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('TransportChooser', () => {
  it('goes on over HTTP within the attempt when the upgrade is refused, without a close', async () => {
    const { chooser, last } = setup();
    const { heard, events } = listener();
    const socket = chooser.open('ws://host/rpc', ['switchboard.v1.json'], events);
    expect(socket.transport).toBe('websocket');
    last('websocket').drop(CloseCode.ABNORMAL, 'Unexpected server response: 403');
    expect(socket.transport).toBe('http');
    last('http').accept();
    last('http').events.message('[[2]]', false);
    expect(heard).toEqual(['open', 'message [[2]]']);
    expect(socket.protocol).toBe('switchboard.v1.json');
    chooser.stop();
  });

  it('does not fall back when the server refused for load (503): the connection backs off', () => {
    const { chooser, last, sockets } = setup();
    const { heard, events } = listener();
    chooser.open('ws://host/', [], events);
    // As the Node socket reports a refused upgrade's 503 (socket-ws.ts).
    last('websocket').drop(CloseCode.TRY_AGAIN_LATER, 'Unexpected server response: 503; Retry-After: 5');
    expect(sockets.map((socket) => socket.transport)).toEqual(['websocket']);
    expect(heard).toEqual(['close 1013 Unexpected server response: 503; Retry-After: 5']);
  });

  it('falls back when the upgrade has not opened within upgradeTimeoutMs, closing the WebSocket', () => {
    const { chooser, last } = setup('auto', { upgradeTimeoutMs: 500 });
    const { heard, events } = listener();
    const socket = chooser.open('ws://host/', [], events);
    vi.advanceTimersByTime(499);
    expect(socket.transport).toBe('websocket');
    vi.advanceTimersByTime(1);
    expect(socket.transport).toBe('http');
    expect(last('websocket').closedWith).toBe(CloseCode.NORMAL);
    // The abandoned WebSocket's late events are not heard.
    last('websocket').drop(CloseCode.ABNORMAL);
    last('http').accept();
    expect(heard).toEqual(['open']);
    chooser.stop();
  });

  it('uses HTTP for the next attempt after a WebSocket that opened died before any message', () => {
    const { chooser, last } = setup();
    const first = listener();
    chooser.open('ws://host/', [], first.events);
    last('websocket').accept();
    last('websocket').drop(CloseCode.ABNORMAL);
    expect(first.heard).toEqual(['open', 'close 1006']);
    expect(chooser.open('ws://host/', [], listener().events).transport).toBe('http');
    chooser.stop();
  });

  it('keeps WebSocket after an early death once a WebSocket has carried a session (a flaky network)', () => {
    const { chooser, last } = setup();
    chooser.open('ws://host/', [], listener().events);
    last('websocket').accept();
    last('websocket').events.message('[[2]]', false);
    last('websocket').drop(CloseCode.ABNORMAL);
    chooser.open('ws://host/', [], listener().events);
    last('websocket').accept();
    last('websocket').drop(CloseCode.ABNORMAL);
    expect(chooser.open('ws://host/', [], listener().events).transport).toBe('websocket');
  });

  it('keeps WebSocket after a WebSocket that heard the server closed, and after a server close code', () => {
    const { chooser, last } = setup();
    chooser.open('ws://host/', [], listener().events);
    last('websocket').accept();
    last('websocket').events.message('[[2]]', false);
    last('websocket').drop(CloseCode.ABNORMAL);
    chooser.open('ws://host/', [], listener().events);
    last('websocket').accept();
    last('websocket').drop(CloseCode.SERVICE_RESTART);
    expect(chooser.open('ws://host/', [], listener().events).transport).toBe('websocket');
  });

  it('starts over with WebSocket when the fallback failed too before its stream opened', () => {
    const { chooser, last } = setup();
    const { heard, events } = listener();
    chooser.open('ws://host/', [], events);
    last('websocket').drop(CloseCode.ABNORMAL, 'connect ECONNREFUSED');
    last('http').drop(CloseCode.ABNORMAL, 'fetch failed');
    expect(heard).toEqual(['close 1006 connect ECONNREFUSED; HTTP fallback: fetch failed']);
    expect(chooser.open('ws://host/', [], listener().events).transport).toBe('websocket');
  });

  it('probes WebSocket after retryWebSocketMs, doubling after a failed probe, and hands an open probe to the next attempt', async () => {
    const { chooser, last, sockets } = setup('auto', { retryWebSocketMs: 1000, retryWebSocketMaxMs: 1500 });
    const first = listener();
    chooser.open('ws://host/', [], first.events);
    last('websocket').drop(CloseCode.ABNORMAL);
    const http = last('http');
    http.accept();
    expect(sockets).toHaveLength(2);

    vi.advanceTimersByTime(1000);
    expect(sockets).toHaveLength(3);
    last('websocket').drop(CloseCode.ABNORMAL, 'Unexpected server response: 403');
    // Doubled, capped at retryWebSocketMaxMs.
    vi.advanceTimersByTime(1499);
    expect(sockets).toHaveLength(3);
    vi.advanceTimersByTime(1);
    expect(sockets).toHaveLength(4);
    const probe = last('websocket');
    probe.accept();
    // HTTP is left without a goodbye, so the server keeps the session for the resume.
    expect(http.abandoned).toBe(true);
    expect(http.closedWith).toBeUndefined();
    expect(first.heard).toEqual(['open', 'close 1006 switching to WebSocket']);

    const second = listener();
    const socket = chooser.open('ws://host/', [], second.events);
    expect(socket.transport).toBe('websocket');
    await vi.advanceTimersByTimeAsync(0);
    probe.events.message('[[2]]', false);
    expect(second.heard).toEqual(['open', 'message [[2]]']);
    expect(sockets).toHaveLength(4);
    // Back on WebSocket: no more probes.
    vi.advanceTimersByTime(10_000);
    expect(sockets).toHaveLength(4);
  });

  it('uses the forced transport only: websocket never falls back, http never opens a WebSocket', () => {
    const ws = setup('websocket');
    const heard = listener();
    ws.chooser.open('ws://host/', [], heard.events);
    ws.last('websocket').drop(CloseCode.ABNORMAL, 'Unexpected server response: 403');
    vi.advanceTimersByTime(60_000);
    expect(ws.sockets.map((socket) => socket.transport)).toEqual(['websocket']);
    expect(heard.heard).toEqual(['close 1006 Unexpected server response: 403']);

    const http = setup('http', { retryWebSocketMs: 10 });
    http.chooser.open('ws://host/', [], listener().events);
    http.last('http').accept();
    vi.advanceTimersByTime(60_000);
    expect(http.sockets.map((socket) => socket.transport)).toEqual(['http']);
  });

  it('runs no probe once stopped', () => {
    const { chooser, last, sockets } = setup('auto', { retryWebSocketMs: 100 });
    chooser.open('ws://host/', [], listener().events);
    last('websocket').drop(CloseCode.ABNORMAL);
    last('http').accept();
    chooser.stop();
    vi.advanceTimersByTime(10_000);
    expect(sockets).toHaveLength(2);
  });
});
