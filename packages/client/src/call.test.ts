import { type Message, msg, RpcError, MessageType as T } from '@switchboard/protocol';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type CallHost, type CallOptions, ClientCall } from './call.js';
import { MAX_WAITING_SENDS } from './send-queue.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** A connection stand-in that records what the call sends and whether it finished. */
function fakeHost(creditWindow = 4) {
  const sent: Message[] = [];
  const forgotten: ClientCall[] = [];
  let room: Promise<void> | undefined;
  const host: CallHost & { sent: Message[]; forgotten: ClientCall[]; block(until: Promise<void>): void } = {
    creditWindow,
    sent,
    forgotten,
    send: (message) => void sent.push(message),
    // Recorded as the messages the connection sends for them.
    grant: (id, limit) => void sent.push(msg.credit(id, limit)),
    cancel: (id) => void sent.push(msg.cancel(id)),
    finished: (call) => void forgotten.push(call),
    writable: () => room,
    block: (until) => {
      room = until.then(() => {
        room = undefined;
      });
    },
  };
  return host;
}

function opened(host: CallHost, options: CallOptions = {}, timeoutMs?: number, key?: string): ClientCall {
  const call = new ClientCall(host, 'numbers', { n: 1 }, key, undefined, options, timeoutMs);
  call.open(7);
  return call;
}

describe('ClientCall', () => {
  it('opens with CALL carrying its credit window, or EVENT with its key', () => {
    const host = fakeHost();
    opened(host);
    opened(host, {}, undefined, 'key-1');
    expect(host.sent).toEqual([
      [T.CALL, 7, 'numbers', { n: 1 }, 4],
      [T.EVENT, 7, 'numbers', { n: 1 }, 'key-1'],
    ]);
  });

  it('resolves with END and is forgotten by its host', async () => {
    const host = fakeHost();
    const call = opened(host);
    call.end({ total: 3 });
    await expect(call.result()).resolves.toEqual({ total: 3 });
    expect(host.forgotten).toEqual([call]);
  });

  it('ends a reader or forEach that starts only after the call settled without items', async () => {
    const ended = opened(fakeHost());
    ended.end('done');
    expect(ended.buffered).toBe(0);
    expect(await ended.nextItem()).toEqual({ done: true, value: undefined });
    const failed = opened(fakeHost());
    failed.fail(new RpcError('NOT_FOUND', 'gone'));
    await expect(failed.nextItem()).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const later = opened(fakeHost());
    later.end(undefined);
    const seen: unknown[] = [];
    await expect(later.forEach((item) => void seen.push(item))).resolves.toBeUndefined();
    expect(seen).toEqual([]);
  });

  it('buffers items for the iterator in order and grants credit back at a quarter of the window', async () => {
    const host = fakeHost(8);
    const call = opened(host);
    for (const item of [1, 2, 3, 4, 5, 6, 7, 8]) expect(call.item(item)).toBe(true);
    expect(call.item(9)).toBe(false); // beyond the credit of 8
    expect(await call.nextItem()).toEqual({ done: false, value: 1 });
    expect(host.sent.filter((message) => message[0] === T.CREDIT)).toEqual([]);
    expect(await call.nextItem()).toEqual({ done: false, value: 2 });
    expect(host.sent.at(-1)).toEqual([T.CREDIT, 7, 10]);
    call.end(undefined);
    for (const item of [3, 4, 5, 6, 7, 8]) expect(await call.nextItem()).toEqual({ done: false, value: item });
    expect(await call.nextItem()).toEqual({ done: true, value: undefined });
  });

  it('hands items to a waiting reader, and ends readers with the call error', async () => {
    const call = opened(fakeHost());
    const first = call.nextItem();
    const second = call.nextItem();
    call.item('a');
    expect(await first).toEqual({ done: false, value: 'a' });
    call.fail(new RpcError('NOT_FOUND', 'gone'));
    await expect(second).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('forEach hands over buffered items first, then each one as it arrives', async () => {
    const call = opened(fakeHost());
    call.item(1);
    const seen: unknown[] = [];
    const done = call.forEach((item) => {
      seen.push(item);
    });
    expect(seen).toEqual([1]);
    call.item(2);
    expect(seen).toEqual([1, 2]);
    call.end(undefined);
    await expect(done).resolves.toBeUndefined();
    await expect(call.nextItem()).rejects.toThrow('the stream is already being read');
  });

  it('sends items only within the credit the server granted, then END', async () => {
    const host = fakeHost();
    const call = opened(host);
    host.sent.length = 0;
    const first = call.send('a');
    const second = call.send('b');
    call.close();
    expect(host.sent).toEqual([]);
    call.credit(1);
    await first;
    expect(host.sent).toEqual([[T.DATA, 7, 'a']]);
    call.credit(2);
    await second;
    expect(host.sent).toEqual([
      [T.DATA, 7, 'a'],
      [T.DATA, 7, 'b'],
      [T.END, 7],
    ]);
    await expect(call.send('c')).rejects.toMatchObject({ code: 'CANCELLED' });
  });

  it('waits for room in the socket before sending', async () => {
    const host = fakeHost();
    const call = opened(host);
    let drained: () => void = () => undefined;
    host.block(new Promise<void>((resolve) => (drained = resolve)));
    call.credit(10);
    const sent = call.send('a');
    await vi.advanceTimersByTimeAsync(0);
    expect(host.sent.filter((message) => message[0] === T.DATA)).toEqual([]);
    drained();
    await sent;
    expect(host.sent.at(-1)).toEqual([T.DATA, 7, 'a']);
  });

  it('refuses more than MAX_WAITING_SENDS sends waiting for credit', async () => {
    const call = opened(fakeHost());
    for (let i = 0; i < MAX_WAITING_SENDS; i++) void call.send(i).catch(() => undefined);
    await expect(call.send('one too many')).rejects.toMatchObject({ code: 'RESOURCE_EXHAUSTED' });
    call.cancel();
  });

  it('cancels on the server and rejects with DEADLINE_EXCEEDED when timeoutMs passes', async () => {
    const host = fakeHost();
    const call = opened(host, { timeoutMs: 100 });
    const rejected = expect(call.result()).rejects.toMatchObject({
      code: 'DEADLINE_EXCEEDED',
      message: 'no answer within 100 ms',
    });
    call.item('first answer'); // a per-call timeout covers the whole call
    await vi.advanceTimersByTimeAsync(100);
    await rejected;
    expect(host.sent.at(-1)).toEqual([T.CANCEL, 7]);
  });

  it('lets the client-wide timeout cover only the wait for a first answer', async () => {
    const call = opened(fakeHost(), {}, 100);
    await vi.advanceTimersByTimeAsync(99);
    call.credit(1);
    await vi.advanceTimersByTimeAsync(1000);
    expect(call.done).toBe(false);
  });

  it('cancels when its signal aborts, and never opens when it was aborted already', async () => {
    const host = fakeHost();
    const controller = new AbortController();
    const call = opened(host, { signal: controller.signal });
    controller.abort('user left');
    await expect(call.result()).rejects.toMatchObject({ code: 'CANCELLED', cause: 'user left' });
    expect(host.sent.at(-1)).toEqual([T.CANCEL, 7]);
    const late = new ClientCall(host, 'numbers', {}, undefined, undefined, { signal: controller.signal }, undefined);
    expect(late.done).toBe(true);
    late.open(8);
    expect(host.sent.some((message) => message[1] === 8)).toBe(false);
  });

  it('fails with the host error when its opening message cannot be sent', async () => {
    const host = fakeHost();
    host.send = () => {
      throw new RpcError('PAYLOAD_TOO_LARGE', 'too big');
    };
    const call = opened(host);
    expect(call.opened).toBe(false);
    await expect(call.result()).rejects.toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
  });
});
