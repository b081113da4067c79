import {
  clientImplements,
  clientOf,
  createServer,
  implement,
  RpcError,
  type ServerOptions,
  type SessionInfo,
  type SwitchboardServer,
} from '@switchboard/server';
import { type Listening, listen } from '@switchboard/server/ws';
import { Credentials, chat } from './contract.js';
import { RoomStore } from './rooms.js';

/** Options of {@link startChatServer}. */
export interface ChatServerOptions {
  /** The port; 0 picks a free one. @default 0 */
  readonly port?: number;
  /** The rooms; pass the previous server's store to restart without losing them. @default new RoomStore() */
  readonly store?: RoomStore;
  /** Overrides of the Switchboard limits (a short `resumeWindowMs` makes sessions unresumable). @default {} */
  readonly limits?: ServerOptions['limits'];
}

/** A chat server listening on loopback. */
export interface ChatServer extends Listening {
  readonly store: RoomStore;
  readonly server: SwitchboardServer;
}

/** How long a nudge waits for its answer unless the caller says. */
export const NUDGE_TIMEOUT_MS = 30_000;

/** Implements the chat contract on `store`. Clients must connect with `auth: { name }`. */
export function chatService(store: RoomStore) {
  // The latest session of each user who joined or wrote, so a nudge can reach their client.
  const online = new Map<string, SessionInfo>();
  return implement(
    chat,
    {
      context: ({ auth }) => {
        const credentials = Credentials.safeParse(auth);
        if (!credentials.success) throw new RpcError('UNAUTHENTICATED', 'connect with auth: { name }');
        return credentials.data;
      },
    },
    {
      join: async function* ({ room, after }, { ctx, signal, errors, session }) {
        online.set(ctx.name, session);
        const log = store.open(room);
        if (!log) throw errors.TOO_MANY_ROOMS({ limit: store.maxRooms });
        let last = after ?? 0;
        while (!signal.aborted) {
          const message = log.next(last);
          if (message) {
            last = message.id;
            yield message;
          } else {
            await log.appended(signal);
          }
        }
      },
      send: ({ room, text }, { ctx, errors, session }) => {
        online.set(ctx.name, session);
        const log = store.open(room);
        if (!log) throw errors.TOO_MANY_ROOMS({ limit: store.maxRooms });
        log.append(ctx.name, text);
      },
      rooms: () => store.list(),
      nudge: async ({ name, timeoutMs }, { ctx }) => {
        const session = online.get(name);
        if (!session || !clientImplements(session, 'nudged')) return { answer: 'offline' as const };
        try {
          const { ok } = await clientOf(chat, session).nudged(
            { from: ctx.name },
            { timeoutMs: timeoutMs ?? NUDGE_TIMEOUT_MS },
          );
          return { answer: ok ? ('yes' as const) : ('no' as const) };
        } catch (error) {
          if (error instanceof RpcError && error.code === 'DEADLINE_EXCEEDED') return { answer: 'timeout' as const };
          if (error instanceof RpcError && (error.code === 'SESSION_LOST' || error.code === 'NOT_FOUND')) {
            return { answer: 'offline' as const };
          }
          throw error;
        }
      },
    },
  );
}

/** Serves the chat contract on loopback. */
export async function startChatServer(options: ChatServerOptions = {}): Promise<ChatServer> {
  const store = options.store ?? new RoomStore();
  const server = createServer({ services: chatService(store), limits: options.limits ?? {} });
  const listening = await listen(server, { port: options.port ?? 0 });
  return Object.assign(listening, { store, server });
}
