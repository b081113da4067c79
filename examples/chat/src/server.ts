import { createServer, implement, RpcError, type ServerOptions, type SwitchboardServer } from '@switchboard/server';
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

/** Implements the chat contract on `store`. Clients must connect with `auth: { name }`. */
export function chatService(store: RoomStore) {
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
      join: async function* ({ room, after }, { signal, errors }) {
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
      send: ({ room, text }, { ctx, errors }) => {
        const log = store.open(room);
        if (!log) throw errors.TOO_MANY_ROOMS({ limit: store.maxRooms });
        log.append(ctx.name, text);
      },
      rooms: () => store.list(),
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
