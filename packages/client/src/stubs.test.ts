import { defineContract, event, topic, unary } from '@switchboard/contract';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type ContractStubs, isStubs, kindsOf } from './stubs.js';

const api = defineContract({
  procedures: {
    users: { get: unary({ output: z.string() }) },
    audit: event({ payload: z.string() }),
    news: topic({ item: z.string() }),
  },
});

const stubs: ContractStubs = { api: undefined, kinds: { 'users.get': 'unary', audit: 'event', news: 'topic' } };

describe('contract stubs', () => {
  it('tells stubs from a contract', () => {
    expect(isStubs(stubs)).toBe(true);
    expect(isStubs(api)).toBe(false);
  });

  it('reads the same kinds by path from a contract and from its stubs', () => {
    expect([...kindsOf(stubs)]).toEqual([...kindsOf(api)]);
    expect(kindsOf(stubs).get('users.get')).toBe('unary');
  });

  it('reads a contract once for every client made from it', () => {
    expect(kindsOf(api)).toBe(kindsOf(api));
    expect(kindsOf(stubs)).toBe(kindsOf(stubs));
  });
});
