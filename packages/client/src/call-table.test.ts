import { type Message, msg, RpcError, MessageType as T } from '@switchboard/protocol';
import { describe, expect, it } from 'vitest';
import { type CallHost, ClientCall } from './call.js';
import { CallTable } from './call-table.js';

/** A connection stand-in that forgets settled calls in the table, as the connection does. */
function setup() {
  const sent: Message[] = [];
  const table = new CallTable();
  const host: CallHost = {
    creditWindow: 4,
    send: (message) => void sent.push(message),
    grant: () => undefined,
    cancel: (id) => void sent.push(msg.cancel(id)),
    finished: (call) => table.forget(call),
    writable: () => undefined,
  };
  const call = (path: string, key?: string): ClientCall =>
    new ClientCall(host, path, null, key, undefined, {}, undefined);
  return { sent, table, call };
}

describe('CallTable', () => {
  it('routes each reply to its call, one call open at a time or several', async () => {
    const { table, call } = setup();
    const a = call('a');
    table.start(a);
    table.route(msg.end(1, 'a1'), false);
    await expect(a.result()).resolves.toBe('a1');
    expect(table.get(1)).toBeUndefined();
    // One at a time again, then two more while the first is still open.
    const b = call('b');
    const c = call('c');
    const d = call('d');
    table.start(b);
    table.start(c);
    table.start(d);
    expect([table.get(2), table.get(3), table.get(4)]).toEqual([b, c, d]);
    table.route(msg.end(3, 'c1'), false);
    table.route(msg.end(2, 'b1'), false);
    const e = call('e');
    table.start(e);
    table.route(msg.end(5, 'e1'), false);
    table.route(msg.end(4, 'd1'), false);
    expect(await Promise.all([b.result(), c.result(), d.result(), e.result()])).toEqual(['b1', 'c1', 'd1', 'e1']);
    expect([2, 3, 4, 5].map((id) => table.get(id))).toEqual([undefined, undefined, undefined, undefined]);
  });

  it('ignores a reply to a settled call, and a stale id once a new call took the first place', async () => {
    const { table, call } = setup();
    const a = call('a');
    table.start(a);
    a.cancel();
    const b = call('b');
    table.start(b);
    table.route(msg.end(1, 'late'), false);
    expect(b.done).toBe(false);
    table.route(msg.end(2, 'b1'), false);
    await expect(b.result()).resolves.toBe('b1');
    await expect(a.result()).rejects.toMatchObject({ code: 'CANCELLED' });
  });

  it('settles open calls oldest first, then waiting ones, when the client fails', async () => {
    const { table, call } = setup();
    const settled: string[] = [];
    const calls = ['a', 'b', 'c'].map((path) => call(path));
    for (const c of calls) {
      table.start(c);
      c.result().catch(() => settled.push(c.path));
    }
    const waiting = call('w');
    table.wait(waiting);
    waiting.result().catch(() => settled.push('w'));
    table.failAll(new RpcError('CONNECTION_CLOSED', 'closed'));
    await Promise.resolve();
    await Promise.resolve();
    expect(settled).toEqual(['a', 'b', 'c', 'w']);
    expect(table.get(1)).toBeUndefined();
  });

  it('on a lost session, keeps acknowledged events to send again under new ids and fails the rest', async () => {
    const { table, call, sent } = setup();
    const plain = call('plain');
    const event = call('event', 'key-1');
    table.start(plain);
    table.start(event);
    table.loseSession();
    await expect(plain.result()).rejects.toMatchObject({ code: 'SESSION_LOST' });
    table.startWaiting();
    expect(sent.at(-1)).toEqual([T.EVENT, 1, 'event', null, 'key-1']);
    expect(table.get(1)).toBe(event);
    table.route(msg.ack(1), false);
    await expect(event.result()).resolves.toBeUndefined();
  });

  it('sends an event alone again under a new id when its session moved, and forgets the old id', async () => {
    const { table, call, sent } = setup();
    const event = call('event', 'key-1');
    table.start(event);
    table.route(msg.error(1, 'SESSION_MOVED', 'moved'), false);
    expect(sent.at(-1)).toEqual([T.EVENT, 2, 'event', null, 'key-1']);
    expect(table.get(1)).toBeUndefined();
    expect(table.get(2)).toBe(event);
    table.route(msg.ack(2), false);
    await expect(event.result()).resolves.toBeUndefined();
    expect(table.get(2)).toBeUndefined();
    // The next call takes the first place again (one call at a time keeps out of the Map).
    const next = call('next');
    table.start(next);
    expect(table.get(3)).toBe(next);
  });
});
