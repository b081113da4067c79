import { RpcError } from '@switchboard/protocol';
import { type Handshake, implement, type Middleware } from '@switchboard/server';
import { api } from './fixture.js';

/** Observations the tests make of the handlers. */
export interface Probe {
  aborted: string[];
  events: string[];
  started: string[];
}

/** The session context of the fixture service. */
export interface FixtureContext {
  user: string;
}

/** Overrides of the fixture service's options. */
export interface FixtureOptions {
  /** Builds the context. @default the HELLO auth string as `user`, else 'anonymous' */
  readonly context?: (handshake: Handshake) => FixtureContext | Promise<FixtureContext>;
  /** @default [] */
  readonly middleware?: ReadonlyArray<Middleware<FixtureContext>>;
  /** Who a session belongs to. @default the server's (a digest of the context) */
  readonly principal?: (ctx: FixtureContext) => string | undefined;
}

/** A fresh probe. */
export function newProbe(): Probe {
  return { aborted: [], events: [], started: [] };
}

/** The fixture service; `probe` records what handlers saw. */
export function fixtureService(probe: Probe = newProbe(), options: FixtureOptions = {}) {
  return implement(
    api,
    {
      context: options.context ?? (({ auth }) => ({ user: typeof auth === 'string' ? auth : 'anonymous' })),
      middleware: options.middleware ?? [],
      ...(options.principal ? { principal: options.principal } : {}),
    },
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
      whoami: (_input, { ctx, session }) => ({ user: ctx.user, codec: session.codec }),
      crash: () => {
        throw new Error('secret database password in this message');
      },
      badOutput: () => 42 as unknown as string,
      huge: () => 2n ** 70n,
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
      sum: async (items, { signal }) => {
        signal.addEventListener('abort', () => probe.aborted.push('sum'));
        let total = 0;
        for await (const n of items) total += n;
        return total;
      },
      chat: async function* (items, { input, signal }) {
        signal.addEventListener('abort', () => probe.aborted.push('chat'));
        for await (const line of items) yield `${input.prefix}${line}`;
      },
      audit: {
        record: ({ what }, { ctx }) => {
          probe.events.push(`${ctx.user}:${what}`);
        },
        slow: async ({ what, ms }, { ctx }) => {
          probe.started.push(`slow:${what}`);
          await new Promise((resolve) => setTimeout(resolve, ms));
          probe.events.push(`${ctx.user}:${what}`);
        },
      },
    },
  );
}
