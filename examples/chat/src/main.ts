// Two scripted bots chat in #lobby for a few seconds. Half-way through, the server restarts on
// the same port with the same rooms: the sessions cannot resume, so each bot rejoins after the
// last message it has, and both end with every message exactly once.
import { type Client, createClient } from '@switchboard/client';
import { type ChatContract, type ChatMessage, chat } from './contract.js';
import { followRoom, say } from './room-feed.js';
import { RoomStore } from './rooms.js';
import { type ChatServer, startChatServer } from './server.js';

const ROOM = 'lobby';
const TYPING_MS = 250;

const SCRIPT = {
  alice: [
    'Morning, Bob. Did the deploy go out?',
    'Great. Any alerts overnight?',
    'Odd. Was that the restart just now?',
    'And the history came back?',
    'Nice. Lunch at noon?',
  ],
  bob: [
    'Morning! Yes, version 2 is live.',
    'One, a disk warning on the cache box. Cleared it.',
    'Yes, the chat server restarted. We rejoined after our last message id.',
    'Every message once, none missing. See the check at the end.',
    'Noon works. See you then.',
  ],
} as const;
type Name = keyof typeof SCRIPT;

const total = SCRIPT.alice.length + SCRIPT.bob.length;
const store = new RoomStore();
let server: ChatServer = await startChatServer({ port: Number(process.env.PORT ?? 0), store });
console.log(`chat server on ${server.url}`);

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function connect(name: Name): Client<ChatContract> {
  const client = createClient(chat, { url: server.url, auth: { name }, reconnect: { initialDelayMs: 50 } });
  let connected = false;
  client.$on('state', (change) => {
    if (change.state === 'reconnecting') console.log(`  [${name}] connection closed (${change.code}), reconnecting`);
    if (change.state !== 'open') return;
    // `resumed` is false on the first open too: only a later open tells whether the session survived.
    if (connected) console.log(`  [${name}] connected again, session ${change.resumed ? 'resumed' : 'lost'}`);
    connected = true;
  });
  return client;
}

/** Follows the room, answers each line of the other bot with its own next line, stops when all were said. */
async function bot(name: Name, speaksFirst: boolean): Promise<number[]> {
  const client = connect(name);
  const lines = [...SCRIPT[name]];
  const seen: number[] = [];
  if (speaksFirst) await say(client, ROOM, lines.shift() as string);
  const feed = followRoom(client, ROOM, {
    onRejoin: (after) => console.log(`  [${name}] rejoining #${ROOM} after message ${after}`),
    onGap: ({ from, to }) => console.log(`  [${name}] messages ${from}-${to} are no longer kept`),
  });
  for await (const message of feed) {
    seen.push(message.id);
    if (name === 'alice') print(message);
    if (message.from !== name && lines.length > 0) {
      await pause(TYPING_MS);
      await say(client, ROOM, lines.shift() as string);
    }
    if (seen.length === total) break;
  }
  client.$close();
  return seen;
}

function print(message: ChatMessage): void {
  console.log(`#${message.room} ${String(message.id).padStart(2)}  ${message.from.padEnd(5)}  ${message.text}`);
}

const bots = Promise.all([bot('alice', true), bot('bob', false)]);

// Restart once the conversation is under way: GOAWAY, a short drain, then a new server on the port.
await new Promise<void>((resolve) => {
  const check = setInterval(() => {
    if ((store.get(ROOM)?.lastId ?? 0) >= 4) {
      clearInterval(check);
      resolve();
    }
  }, 10);
});
console.log('  [server] restarting');
await server.close({ deadlineMs: 100 });
server = await startChatServer({ port: server.port, store });
console.log('  [server] back');

const [alice, bob] = await bots;
const expected = Array.from({ length: total }, (_, i) => i + 1);
const exact = (ids: number[]) => ids.join() === expected.join();
console.log(`alice saw ${alice.join(' ')}: ${exact(alice) ? 'all, once each' : 'MISMATCH'}`);
console.log(`bob   saw ${bob.join(' ')}: ${exact(bob) ? 'all, once each' : 'MISMATCH'}`);

const observer = createClient(chat, { url: server.url, auth: { name: 'observer' }, reconnect: false });
console.log('rooms:', JSON.stringify(await observer.rooms()));
observer.$close();
await server.close({ deadlineMs: 100 });
if (!exact(alice) || !exact(bob)) process.exitCode = 1;
