import { implement } from '@switchboard/server';
import { pythonApi } from './contract.js';

/** What the handlers saw, for the Python tests to ask through `observe`. */
export interface Observed {
  events: string[];
  aborted: string[];
  /** Items the `count` generators yielded so far (the server side of the slow-consumer test). */
  produced: number;
}

/** The service of {@link pythonApi}; `publish` reaches the service itself once it exists. */
export function pythonService() {
  const seen: Observed = { events: [], aborted: [], produced: 0 };
  // The handlers publish through the service they belong to, built below.
  const self: { publish?: (headline: string, key: string | undefined) => Promise<void> } = {};
  const service = implement(pythonApi, {
    users: {
      get: ({ id }, { errors }) => {
        if (id === 'missing') throw errors.USER_NOT_FOUND({ id }, `no user ${id}`);
        return { id, name: `user ${id}`, tags: ['a'], address: { city: 'Lyon' } };
      },
    },
    add: ({ a, b }) => a + b,
    wait: ({ ms }, { signal }) =>
      new Promise<'waited'>((resolve, reject) => {
        const timer = setTimeout(() => resolve('waited'), ms);
        signal.addEventListener('abort', () => {
          clearTimeout(timer);
          seen.aborted.push('wait');
          reject(signal.reason);
        });
      }),
    count: async function* ({ to }) {
      for (let i = 1; i <= to; i++) {
        seen.produced = i;
        yield i;
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
      record: ({ what }) => {
        seen.events.push(what);
      },
    },
    publish: async ({ headline, key }) => {
      await self.publish?.(headline, key);
      return null;
    },
    observe: () => ({ events: [...seen.events], aborted: [...seen.aborted], produced: seen.produced }),
  });
  self.publish = (headline, key) =>
    service.publish('news', { headline, rank: 'top' }, key === undefined ? {} : { key });
  return service;
}
