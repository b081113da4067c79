import { createServer as createNetServer } from 'node:net';
import { type Client, type ClientOptions, createClient } from '@switchboard/client';
import type { Contract } from '@switchboard/contract';
import type { CodecName } from '@switchboard/protocol';
import { isRpcError, type RpcError } from '@switchboard/protocol';
import { createServer, type ServerOptions, type SwitchboardServer } from '@switchboard/server';
import { type Listening, listen } from '@switchboard/server/ws';
import { afterAll, beforeAll } from 'vitest';
import { type Api, api } from './fixture.js';
import { fixtureService, type Probe } from './service.js';

/** Every codec, for `describe.each`. */
export const CODECS: CodecName[] = ['json', 'msgpack', 'msgpackr'];

/** A server on a free loopback port. */
export async function startServer(options: ServerOptions): Promise<Listening & { server: SwitchboardServer }> {
  const server = createServer({ onError: () => undefined, ...options });
  const listening = await listen(server, { port: 0 });
  return Object.assign(listening, { server });
}

/** A client of `contract` speaking only `codec`, that does not reconnect unless asked. */
export function connect<TContract extends Contract>(
  contract: TContract,
  url: string,
  codec: CodecName,
  options: Partial<ClientOptions> = {},
): Client<TContract> {
  return createClient(contract, { url, codecs: [codec], reconnect: false, ...options });
}

/** A loopback port nothing listens on (it was free a moment ago): for "the peer is not there" tests. */
export function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createNetServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/** Resolves when `predicate` holds, checking after each event loop turn; rejects after `ms`. */
export async function until(predicate: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** The RpcError a call rejected with; throws when it resolved or rejected with something else. */
export async function rejection(call: PromiseLike<unknown>): Promise<RpcError> {
  try {
    await call;
  } catch (error) {
    if (isRpcError(error)) return error;
    throw error;
  }
  throw new Error('the call resolved');
}

/** The error code a call rejected with. */
export async function codeOf(call: PromiseLike<unknown>): Promise<string> {
  return (await rejection(call)).code;
}

/** A fixture server and one client of it over `codec`, opened before the suite and closed after. */
export interface FixtureSession {
  readonly server: Awaited<ReturnType<typeof startServer>>;
  readonly client: Client<Api>;
}

/**
 * Registers beforeAll/afterAll hooks that serve the fixture service (with `probe`, when given)
 * and connect one client over `codec`. Read `server` and `client` inside tests.
 */
export function useFixture(codec: CodecName, probe?: Probe): FixtureSession {
  const session = {} as { server: FixtureSession['server']; client: FixtureSession['client'] };
  beforeAll(async () => {
    session.server = await startServer({ services: fixtureService(probe) });
    session.client = connect(api, session.server.url, codec);
  });
  afterAll(async () => {
    session.client.$close();
    await session.server.close({ deadlineMs: 100 });
  });
  return session;
}
