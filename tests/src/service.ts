import { RpcError } from '@switchboard/protocol';
import { implement } from '@switchboard/server';
import { api } from './fixture.js';

/** Observations the tests make of the handlers. */
export interface Probe {
  aborted: string[];
  events: string[];
  started: string[];
}

/** The fixture service; `probe` records what handlers saw. */
export function fixtureService(probe: Probe = { aborted: [], events: [], started: [] }) {
  return implement(
    api,
    { context: ({ auth }) => ({ user: typeof auth === 'string' ? auth : 'anonymous' }) },
    {
      users: {
        get: ({ id }, { errors }) => {
          if (id === 'missing') throw errors.USER_NOT_FOUND({ id }, `no user ${id}`);
          return { id, name: `user ${id}` };
        },
      },
      echo: (input) => input,
      add: ({ a, b }) => a + b,
      noInput: () => 'ok' as const,
      crash: () => {
        throw new Error('secret database password in this message');
      },
      badOutput: () => 42 as unknown as string,
      wait: ({ ms }, { signal }) =>
        new Promise<string>((resolve, reject) => {
          probe.started.push('wait');
          const timer = setTimeout(() => resolve('waited'), ms);
          signal.addEventListener('abort', () => {
            clearTimeout(timer);
            probe.aborted.push('wait');
            reject(new RpcError('CANCELLED', 'aborted'));
          });
        }),
      count: async function* ({ to }) {
        for (let i = 1; i <= to; i++) yield i;
      },
      forever: async function* (_input, { signal }) {
        probe.started.push('forever');
        let i = 0;
        try {
          while (!signal.aborted) {
            yield i++;
            await new Promise((resolve) => setImmediate(resolve));
          }
        } finally {
          probe.aborted.push('forever');
        }
      },
      sum: async (items) => {
        let total = 0;
        for await (const n of items) total += n;
        return total;
      },
      chat: async function* (items, { input }) {
        for await (const line of items) yield `${input.prefix}${line}`;
      },
      audit: {
        record: ({ what }, { ctx }) => {
          probe.events.push(`${ctx.user}:${what}`);
        },
      },
    },
  );
}
