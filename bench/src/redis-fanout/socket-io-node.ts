// One Socket.IO node of the Redis fan-out bench: Socket.IO 4 on websocket only, with its in-memory
// adapter (FANOUT_ADAPTER=memory) or @socket.io/redis-adapter on FANOUT_PREFIX (the adapter's
// `key`). Subscribers join a room; a publisher's `burst` emits to the room, which the Redis adapter
// also publishes for the other nodes. Prints `{"port":N}` once listening; exits on SIGTERM.
import { once } from 'node:events';
import { createServer } from 'node:http';
import { createAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import { Server } from 'socket.io';
import { nowMs } from '../clock.ts';
import { answerCpuRequests } from './node-cpu.ts';

const ROOM = 'fan.items';

/** What a publisher asks for: `count` items of about `bytes` bytes each, on the room. */
interface Burst {
  count: number;
  bytes: number;
}

const redis =
  process.env.FANOUT_ADAPTER === 'redis' ? new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379') : undefined;
const subscriber = redis?.duplicate();
const http = createServer();
const io = new Server(http, {
  transports: ['websocket'],
  serveClient: false,
  ...(redis && subscriber
    ? { adapter: createAdapter(redis, subscriber, { key: process.env.FANOUT_PREFIX ?? 'bench' }) }
    : {}),
});
io.on('connection', (socket) => {
  socket.on('subscribe', (ack: (ok: boolean) => void) => {
    void socket.join(ROOM);
    ack(true);
  });
  socket.on('burst', ({ count, bytes }: Burst, ack: (ok: boolean) => void) => {
    const pad = 'x'.repeat(bytes);
    for (let seq = 1; seq <= count; seq++) io.to(ROOM).emit('item', { seq, sentAt: nowMs(), pad });
    ack(true);
  });
});
// The adapter's PSUBSCRIBE went out on `subscriber` when the namespace was made; a PING on the
// same connection answers after it, so no item published after this line is missed here.
await Promise.all([redis?.ping(), subscriber?.ping()]);
http.listen(0, '127.0.0.1');
await once(http, 'listening');
const address = http.address();
answerCpuRequests();
process.stdout.write(`${JSON.stringify({ port: typeof address === 'object' && address ? address.port : 0 })}\n`);
process.on('SIGTERM', () => {
  io.close(() => {
    void Promise.all([redis?.quit(), subscriber?.quit()]).then(() => process.exit(0));
  });
});
