import { defineContract, flattenProcedures, unary } from '@switchboard/contract';
import { type Message, MessageType, msg, type RpcError } from '@switchboard/protocol';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { ClientCalls } from './client-calls.js';

const api = defineContract({
  procedures: {},
  clientProcedures: {
    confirm: unary({ input: z.object({ q: z.string() }), output: z.object({ ok: z.boolean() }) }),
  },
});

/** A session that records what the calls push. */
function fakeHost() {
  return {
    destroyed: false,
    sent: [] as Message[],
    push(message: Message) {
      this.sent.push(message);
      return true;
    },
  };
}

/** Lets validation (a promise) and the calls' continuations run. */
const settle = () => vi.advanceTimersByTimeAsync(0);

function setUp(features = { clientProcedures: ['confirm'], clientCallCredit: 1 }) {
  const host = fakeHost();
  const calls = new ClientCalls(host, flattenProcedures(api.clientProcedures ?? {}));
  calls.declare(features);
  return { host, calls };
}

const outcome = (promise: Promise<unknown>) =>
  promise.then(
    (value) => ({ value }),
    (error: RpcError) => ({ code: error.code }),
  );

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('ClientCalls', () => {
  it('sends INVOKE within the credit and the next call once the first settles', async () => {
    const { host, calls } = setUp();
    const first = outcome(calls.call('confirm', { q: 'a' }));
    const second = outcome(calls.call('confirm', { q: 'b' }));
    await settle();
    expect(host.sent).toEqual([msg.invoke(1, 'confirm', { q: 'a' })]);
    calls.settle(msg.result(1, { ok: true }));
    await settle();
    expect(await first).toEqual({ value: { ok: true } });
    expect(host.sent.at(-1)).toEqual(msg.invoke(2, 'confirm', { q: 'b' }));
    calls.settle(msg.fault(2, 'DECLINED', 'no', { why: 1 }));
    expect(await second).toEqual({ code: 'DECLINED' });
  });

  it('times out with DEADLINE_EXCEEDED and sends ABORT; a late RESULT is ignored', async () => {
    const { host, calls } = setUp();
    const late = outcome(calls.call('confirm', { q: 'a' }, { timeoutMs: 100 }));
    await settle();
    await vi.advanceTimersByTimeAsync(100);
    expect(await late).toEqual({ code: 'DEADLINE_EXCEEDED' });
    expect(host.sent.map((message) => message[0])).toEqual([MessageType.INVOKE, MessageType.ABORT]);
    calls.settle(msg.result(1, { ok: true }));
  });

  it('times out a queued call without sending anything for it', async () => {
    const { host, calls } = setUp();
    void outcome(calls.call('confirm', { q: 'a' }));
    const queued = outcome(calls.call('confirm', { q: 'b' }, { timeoutMs: 50 }));
    await settle();
    await vi.advanceTimersByTimeAsync(50);
    expect(await queued).toEqual({ code: 'DEADLINE_EXCEEDED' });
    expect(host.sent).toEqual([msg.invoke(1, 'confirm', { q: 'a' })]);
  });

  it('cancels with CANCELLED and ABORT when the signal aborts', async () => {
    const { host, calls } = setUp();
    const controller = new AbortController();
    const cancelled = outcome(calls.call('confirm', { q: 'a' }, { signal: controller.signal }));
    await settle();
    controller.abort();
    expect(await cancelled).toEqual({ code: 'CANCELLED' });
    expect(host.sent.at(-1)).toEqual(msg.abort(1));
  });

  it('refuses undeclared procedures and invalid input without sending', async () => {
    const { host, calls } = setUp({ clientProcedures: [], clientCallCredit: 1 });
    expect(await outcome(calls.call('confirm', { q: 'a' }))).toEqual({ code: 'NOT_FOUND' });
    calls.declare({ clientProcedures: ['confirm'], clientCallCredit: 1 });
    expect(await outcome(calls.call('confirm', { q: 1 }))).toEqual({ code: 'INVALID_ARGUMENT' });
    expect(await outcome(calls.call('other', {}))).toEqual({ code: 'NOT_FOUND' });
    expect(host.sent).toEqual([]);
  });

  it('rejects a result that fails the output schema with INTERNAL', async () => {
    const { calls } = setUp();
    const bad = outcome(calls.call('confirm', { q: 'a' }));
    await settle();
    calls.settle(msg.result(1, { ok: 'yes' }));
    expect(await bad).toEqual({ code: 'INTERNAL' });
  });

  it('settles sent and queued calls with SESSION_LOST when the session ends', async () => {
    const { host, calls } = setUp();
    const sent = outcome(calls.call('confirm', { q: 'a' }));
    const queued = outcome(calls.call('confirm', { q: 'b' }));
    await settle();
    host.destroyed = true;
    calls.lost();
    expect([await sent, await queued]).toEqual([{ code: 'SESSION_LOST' }, { code: 'SESSION_LOST' }]);
    expect(vi.getTimerCount()).toBe(0);
  });
});
