import { Server, Socket } from 'node:net';
import { createTestClient } from '@switchboard/server/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RoomStore } from './rooms.js';
import { chatService } from './server.js';

// Handler unit tests: the chat service runs behind createTestClient, the real server and client
// cores joined in memory, so these tests need no port, no socket and no credentials.

const disposers: Array<() => Promise<void>> = [];

afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(disposers.splice(0).map((dispose) => dispose()));
});

type ChatService = ReturnType<typeof chatService>;

function chatAs(name: string, store: RoomStore | ChatService, nudged?: (from: string) => Promise<boolean>) {
  const service = store instanceof RoomStore ? chatService(store) : store;
  const handlers = nudged ? { nudged: async ({ from }: { from: string }) => ({ ok: await nudged(from) }) } : {};
  const client = createTestClient(service, { context: { name }, client: { handlers } });
  disposers.push(() => client.$dispose());
  return client;
}

describe('chat handlers', () => {
  it('stores a sent message under the next id with its sender, and opens no port', async () => {
    const listen = vi.spyOn(Server.prototype, 'listen');
    const connect = vi.spyOn(Socket.prototype, 'connect');
    const store = new RoomStore();
    const ada = chatAs('ada', store);
    await ada.send({ room: 'general', text: 'hello' });
    await ada.send({ room: 'general', text: 'again' });
    expect(await ada.rooms()).toEqual([{ name: 'general', lastId: 2, oldestId: 1 }]);
    const first = store.open('general')?.next(0);
    expect(first).toMatchObject({ id: 1, from: 'ada', text: 'hello' });
    expect(listen).not.toHaveBeenCalled();
    expect(connect).not.toHaveBeenCalled();
  });

  it('streams history after `after`, then live messages from another sender', async () => {
    const store = new RoomStore();
    const ada = chatAs('ada', store);
    const bob = chatAs('bob', store);
    for (const text of ['one', 'two', 'three']) await ada.send({ room: 'general', text });
    const seen: string[] = [];
    const follow = bob.join({ room: 'general', after: 1 });
    const done = (async () => {
      for await (const message of follow) {
        seen.push(`${message.from}:${message.text}`);
        if (message.id === 4) return;
      }
    })();
    await ada.send({ room: 'general', text: 'four' });
    await done;
    expect(seen).toEqual(['ada:two', 'ada:three', 'ada:four']);
  });

  it('rejects an invalid room name with INVALID_ARGUMENT before the handler runs', async () => {
    const store = new RoomStore();
    const ada = chatAs('ada', store);
    await expect(ada.send({ room: 'Not A Room', text: 'x' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(await ada.rooms()).toEqual([]);
  });

  it('answers TOO_MANY_ROOMS with the limit as typed data', async () => {
    const ada = chatAs('ada', new RoomStore({ maxRooms: 1 }));
    await ada.send({ room: 'one', text: 'x' });
    await expect(ada.send({ room: 'two', text: 'x' })).rejects.toMatchObject({
      code: 'TOO_MANY_ROOMS',
      data: { limit: 1 },
    });
  });

  it('refuses a session without credentials through the real context builder', async () => {
    const anonymous = createTestClient(chatService(new RoomStore()), { client: { reconnect: false } });
    disposers.push(() => anonymous.$dispose());
    await expect(anonymous.rooms()).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  it('nudges another user through their client and returns the answer they gave', async () => {
    const service = chatService(new RoomStore());
    const asked: string[] = [];
    const bob = chatAs('bob', service, async (from) => {
      asked.push(from);
      return true;
    });
    const ada = chatAs('ada', service);
    // Bob is reachable once a handler has seen his session.
    await bob.send({ room: 'general', text: 'here' });
    expect(await ada.nudge({ name: 'bob' })).toEqual({ answer: 'yes' });
    expect(asked).toEqual(['ada']);
  });

  it('answers offline for a user without a session or without a nudge handler, and timeout when none comes', async () => {
    const service = chatService(new RoomStore());
    const ada = chatAs('ada', service);
    const carol = chatAs('carol', service, () => new Promise<boolean>(() => {}));
    expect(await ada.nudge({ name: 'nobody' })).toEqual({ answer: 'offline' });
    await ada.send({ room: 'general', text: 'no handler here' });
    expect(await carol.nudge({ name: 'ada' })).toEqual({ answer: 'offline' });
    await carol.send({ room: 'general', text: 'slow to answer' });
    expect(await ada.nudge({ name: 'carol', timeoutMs: 20 })).toEqual({ answer: 'timeout' });
  });
});
