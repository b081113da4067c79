import { codecFor } from '@switchboard/protocol';
import { describe, expect, it } from 'vitest';
import { ServerMetrics } from './metrics.js';
import { SocketWriter } from './socket-writer.js';
import { FakeSocket } from './testing/fake-socket.js';

const json = codecFor('json');
const frame = json.frame([json.encode([3, 0])]);

function writer(socket: FakeSocket, metrics = new ServerMetrics()): SocketWriter {
  return new SocketWriter(socket, json, { metrics, highWatermark: 1000, lowWatermark: 100 });
}

describe('SocketWriter', () => {
  it('writes frames without a sent callback while the socket stays under the low watermark', () => {
    const socket = new FakeSocket();
    const metrics = new ServerMetrics();
    writer(socket, metrics).write(frame);
    socket.flushSent(0);
    expect(socket.frames).toEqual([frame]);
    expect(metrics.framesSent).toBe(1);
    expect(metrics.bytesSent).toBe(frame.length);
  });

  it('has room up to the high watermark, counting what the outbox still queues', () => {
    const socket = new FakeSocket();
    const out = writer(socket);
    socket.bufferedAmount = 600;
    expect(out.room(400)).toBeUndefined();
    expect(out.room(401)).toBeInstanceOf(Promise);
  });

  it('wakes waiting producers once a frame left and the socket drained below the low watermark', async () => {
    const socket = new FakeSocket();
    const out = writer(socket);
    socket.bufferedAmount = 500;
    out.write(frame);
    socket.bufferedAmount = 5000;
    let woken = 0;
    void out.room(0)?.then(() => woken++);
    socket.flushSent(200);
    await Promise.resolve();
    expect(woken).toBe(0);
    out.write(frame);
    socket.flushSent(50);
    await Promise.resolve();
    expect(woken).toBe(1);
  });

  it('wakes every waiting producer when the socket closes, and has room from then on', async () => {
    const socket = new FakeSocket();
    const out = writer(socket);
    socket.bufferedAmount = 5000;
    const waiting = out.room(0);
    out.socketClosed();
    await expect(waiting).resolves.toBeUndefined();
    expect(out.room(0)).toBeUndefined();
  });
});
