import { defineContract, unary } from '@switchboard/contract';
import { CloseCode, MessageType as T } from '@switchboard/protocol';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { HelloDeadline } from './hello-deadline.js';
import { createServer, type SwitchboardServer } from './server.js';
import { implement } from './service.js';
import { connectFake } from './testing/fake-socket.js';

const service = implement(defineContract({ procedures: { ping: unary({ output: z.string() }) } }), {
  ping: () => 'pong',
});

let server: SwitchboardServer | undefined;

afterEach(async () => {
  await server?.close({ deadlineMs: 0 });
  server = undefined;
  vi.useRealTimers();
});

describe('HelloDeadline', () => {
  it('closes each connection helloTimeoutMs after its own accept, on one timer for all of them', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    server = createServer({ services: service, helloTimeoutMs: 500, shedding: false });
    const timers = vi.getTimerCount();
    const sockets = [connectFake(server)];
    await vi.advanceTimersByTimeAsync(200);
    sockets.push(connectFake(server));
    await vi.advanceTimersByTimeAsync(200);
    sockets.push(connectFake(server));
    expect(vi.getTimerCount() - timers).toBe(1);
    const closedAt: number[] = [];
    for (let elapsed = 400; elapsed < 1000; elapsed++) {
      await vi.advanceTimersByTimeAsync(1);
      for (const [i, socket] of sockets.entries()) {
        if (socket.closedWith && closedAt[i] === undefined) closedAt[i] = elapsed + 1;
      }
    }
    expect(closedAt).toEqual([500, 700, 900]);
    expect(sockets.map((socket) => socket.closedWith?.[0])).toEqual(Array(3).fill(CloseCode.HELLO_TIMEOUT));
    expect(server.connectionCount).toBe(0);
  });

  it('lets a connection that sent HELLO, or closed, out of the wait', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    server = createServer({ services: service, helloTimeoutMs: 500, shedding: false });
    const [helloed, dropped, silent] = [connectFake(server), connectFake(server), connectFake(server)];
    expect(server.helloDeadline.size).toBe(3);
    helloed.receive([T.HELLO, null, null, 0]);
    dropped.connection?.closed(1006);
    expect(server.helloDeadline.size).toBe(1);
    await vi.advanceTimersByTimeAsync(500);
    expect(helloed.closedWith).toBeUndefined();
    expect(silent.closedWith?.[0]).toBe(CloseCode.HELLO_TIMEOUT);
    expect(server.helloDeadline.size).toBe(0);
  });

  it('waits for the next deadline after the clock it reads, and stops', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    let now = 0;
    const deadline = new HelloDeadline(100, () => now);
    const timedOut: string[] = [];
    const waiter = (name: string, opened: number) => ({ opened, helloTimedOut: () => timedOut.push(name) });
    deadline.add(waiter('a', 0));
    now = 60;
    deadline.add(waiter('b', 60));
    now = 100;
    vi.advanceTimersByTime(100);
    expect(timedOut).toEqual(['a']);
    now = 160;
    vi.advanceTimersByTime(60);
    expect(timedOut).toEqual(['a', 'b']);
    deadline.add(waiter('c', 160));
    deadline.stop();
    vi.advanceTimersByTime(1000);
    expect(timedOut).toEqual(['a', 'b']);
    expect(vi.getTimerCount()).toBe(0);
  });
});
