import { defineContract, unary } from '@switchboard/contract';
import { type Message, msg } from '@switchboard/protocol';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ClientProcedures } from './client-procedures.js';

const api = defineContract({
  procedures: {},
  clientProcedures: {
    confirm: unary({
      input: z.object({ q: z.string() }),
      output: z.object({ ok: z.boolean() }),
      errors: { DECLINED: z.object({ why: z.string() }) },
    }),
    other: unary({}),
  },
});

/** Resolves once `sent` holds `count` messages. */
async function answered(sent: Message[], count: number): Promise<Message[]> {
  while (sent.length < count) await new Promise((resolve) => setImmediate(resolve));
  return sent;
}

function setUp(handlers: object, clientCallCredit?: number) {
  const sent: Message[] = [];
  const options = clientCallCredit === undefined ? { handlers } : { handlers, clientCallCredit };
  const procedures = new ClientProcedures(api, options, (message) => sent.push(message));
  return { sent, procedures };
}

describe('ClientProcedures', () => {
  it('declares the procedures it has handlers for, and its credit when not the default', () => {
    expect(setUp({ confirm: () => ({ ok: true }) }, 4).procedures.features()).toEqual({
      clientProcedures: ['confirm'],
      clientCallCredit: 4,
    });
    expect(setUp({}).procedures.features()).toBeUndefined();
    expect(() => setUp({ nope: () => 1 })).toThrow(TypeError);
  });

  it('answers RESULT, a typed FAULT, INVALID_ARGUMENT and NOT_FOUND', async () => {
    const { sent, procedures } = setUp({
      confirm: ({ q }: { q: string }, { errors }: { errors: Record<string, (data: unknown) => Error> }) => {
        if (q === 'no') throw errors.DECLINED?.({ why: 'said no' });
        if (q === 'crash') throw new Error('secret detail');
        return { ok: true };
      },
    });
    expect(await procedures.ready()).toBeUndefined();
    procedures.receive(msg.invoke(1, 'confirm', { q: 'yes' }));
    procedures.receive(msg.invoke(2, 'confirm', { q: 'no' }));
    procedures.receive(msg.invoke(3, 'confirm', { q: 7 }));
    procedures.receive(msg.invoke(4, 'other', null));
    procedures.receive(msg.invoke(5, 'confirm', { q: 'crash' }));
    const answers = await answered(sent, 5);
    expect(answers).toContainEqual(msg.result(1, { ok: true }));
    expect(answers).toContainEqual(msg.fault(2, 'DECLINED', 'DECLINED', { why: 'said no' }));
    expect(answers.find((message) => message[1] === 3)?.[2]).toBe('INVALID_ARGUMENT');
    expect(answers.find((message) => message[1] === 4)?.slice(0, 3)).toEqual([21, 4, 'NOT_FOUND']);
    expect(answers.find((message) => message[1] === 5)?.[3]).not.toContain('secret');
  });

  it('aborts the handler on ABORT and on a lost session, and sends nothing for it', async () => {
    const signals: AbortSignal[] = [];
    const { sent, procedures } = setUp({
      confirm: (_input: unknown, { signal }: { signal: AbortSignal }) =>
        new Promise((resolve) => {
          signals.push(signal);
          signal.addEventListener('abort', () => resolve({ ok: false }));
        }),
    });
    await procedures.ready();
    procedures.receive(msg.invoke(1, 'confirm', { q: 'a' }));
    procedures.receive(msg.invoke(2, 'confirm', { q: 'b' }));
    while (signals.length < 2) await new Promise((resolve) => setImmediate(resolve));
    procedures.receive(msg.abort(1));
    procedures.lost();
    expect(signals.map((signal) => signal.aborted)).toEqual([true, true]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(sent).toEqual([]);
  });

  it('answers NOT_FOUND to a call that comes before its runner is ready, when no HELLO declared a handler', async () => {
    const { sent, procedures } = setUp({ confirm: () => ({ ok: true }) });
    procedures.receive(msg.invoke(1, 'confirm', { q: 'early' }));
    expect(sent.map((message) => message.slice(0, 3))).toEqual([[21, 1, 'NOT_FOUND']]);
    await procedures.ready();
    procedures.receive(msg.invoke(2, 'confirm', { q: 'yes' }));
    expect(await answered(sent, 2)).toContainEqual(msg.result(2, { ok: true }));
  });
});
