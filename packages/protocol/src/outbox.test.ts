import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Codec } from './codec.js';
import { DEFAULT_OUTBOX } from './defaults.js';
import { decodeServerFrame } from './frame.js';
import { jsonCodec } from './json-codec.js';
import { type Message, MessageType } from './messages.js';
import { msgpackCodec } from './msgpack-codec.js';
import { msgpackrCodec } from './msgpackr-codec.js';
import { Outbox, outboxLimits } from './outbox.js';

const LIMITS = { maxFrameBytes: 16 * 1024 * 1024, maxBatch: 1024 };

function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function collect(outbox: Outbox): Array<string | Uint8Array> {
  const frames: Array<string | Uint8Array> = [];
  outbox.attach((frame) => frames.push(frame));
  return frames;
}

describe('Outbox', () => {
  it('writes the messages of one turn as one frame, after the turn', async () => {
    const outbox = new Outbox({ codec: jsonCodec });
    const frames = collect(outbox);
    outbox.push([MessageType.DATA, 1, 'a']);
    outbox.push([MessageType.DATA, 1, 'b']);
    outbox.push([MessageType.END, 1]);
    expect(frames).toEqual([]);
    await nextTurn();
    expect(frames).toEqual(['[[11,1,"a"],[11,1,"b"],[13,1]]']);
  });

  it('writes to a FrameWriter object as to a function, through its write method', async () => {
    const outbox = new Outbox({ codec: jsonCodec });
    const writer = {
      frames: [] as Array<string | Uint8Array>,
      write(frame: string | Uint8Array): void {
        this.frames.push(frame);
      },
    };
    outbox.attach(writer);
    outbox.push([MessageType.DATA, 1, 'a']);
    outbox.flush();
    expect(writer.frames).toEqual(['[[11,1,"a"]]']);
    outbox.detach();
    outbox.push([MessageType.DATA, 1, 'b']);
    await nextTurn();
    expect(writer.frames).toHaveLength(1);
  });

  it('flushes every outbox of a turn on one shared callback, each in its own frame', async () => {
    const outboxes = Array.from({ length: 50 }, () => new Outbox({ codec: jsonCodec }));
    const frames = outboxes.map(collect);
    for (const [i, outbox] of outboxes.entries()) outbox.push([MessageType.DATA, 1, i]);
    await nextTurn();
    expect(frames).toEqual(outboxes.map((_, i) => [`[[11,1,${i}]]`]));
  });

  it('writes at once when the queued bytes reach flushBytes, so large messages do not wait for the turn', async () => {
    const outbox = new Outbox({ codec: jsonCodec, flushBytes: 100 });
    const frames = collect(outbox);
    const big = 'x'.repeat(120);
    outbox.push([MessageType.DATA, 1, 'small']);
    expect(frames).toHaveLength(0);
    outbox.push([MessageType.DATA, 1, big]);
    expect(frames).toEqual([`[[11,1,"small"],[11,1,"${big}"]]`]);
    outbox.push([MessageType.END, 1]);
    await nextTurn();
    expect(frames).toEqual([`[[11,1,"small"],[11,1,"${big}"]]`, '[[13,1]]']);
  });

  it('holds what is queued while corked and writes it as one frame on uncork, before the turn ends', async () => {
    const outbox = new Outbox({ codec: jsonCodec });
    const frames = collect(outbox);
    outbox.cork();
    outbox.push([MessageType.END, 1, 'a']);
    outbox.push([MessageType.END, 2, 'b']);
    expect(frames).toEqual([]);
    outbox.uncork();
    expect(frames).toEqual(['[[13,1,"a"],[13,2,"b"]]']);
    outbox.push([MessageType.END, 3]);
    await nextTurn();
    expect(frames).toEqual(['[[13,1,"a"],[13,2,"b"]]', '[[13,3]]']);
  });

  it('keeps sequenced messages until acknowledged and retransmits them in order', async () => {
    const outbox = new Outbox({ codec: msgpackCodec });
    collect(outbox);
    const sent: Message[] = [
      [MessageType.DATA, 1, { n: 1 }],
      [MessageType.PING, 0],
      [MessageType.DATA, 1, { n: 2 }],
      [MessageType.END, 1, new Map([[1, 2]])],
    ];
    for (const message of sent) outbox.push(message);
    await nextTurn();
    expect(outbox.sent).toBe(3);
    expect(outbox.unacknowledged).toBe(3);
    outbox.ack(1);
    expect(outbox.unacknowledged).toBe(2);
    const frames = collect(outbox);
    expect(outbox.retransmitFrom(1)).toBe(true);
    await nextTurn();
    expect(frames).toHaveLength(1);
    expect(decodeServerFrame(msgpackCodec, frames[0] as Uint8Array, true, LIMITS)).toStrictEqual([sent[2], sent[3]]);
    outbox.ack(3);
    expect(outbox.unacknowledged).toBe(0);
    expect(outbox.canResumeFrom(3)).toBe(true);
    expect(outbox.canResumeFrom(2)).toBe(false);
  });

  it('writes the same frame bytes to every subscriber of a broadcast encoded once', async () => {
    const part = msgpackCodec.encode([MessageType.PUB, 'ticks', { seq: 1 }]);
    const outboxes = Array.from({ length: 3 }, () => new Outbox({ codec: msgpackCodec }));
    const frames = outboxes.map(collect);
    for (const outbox of outboxes) outbox.pushEncoded(part, true);
    await nextTurn();
    const [first] = frames[0] as Uint8Array[];
    for (const written of frames) {
      expect(written).toHaveLength(1);
      expect(written[0]).toBe(first);
    }
    expect(decodeServerFrame(msgpackCodec, first as Uint8Array, true, LIMITS)).toStrictEqual([
      [MessageType.PUB, 'ticks', { seq: 1 }],
    ]);
  });

  it('retransmits a window of 1,024 items of 200 bytes in frames of at most 16 KiB, not one frame', async () => {
    const outbox = new Outbox({ codec: jsonCodec });
    collect(outbox);
    const items = Array.from({ length: 1024 }, (_, n): Message => [MessageType.DATA, 1, { n, pad: 'x'.repeat(180) }]);
    for (const item of items) outbox.push(item);
    await nextTurn();
    const frames = collect(outbox);
    expect(outbox.retransmitFrom(0)).toBe(true);
    await nextTurn();
    expect(DEFAULT_OUTBOX.frameBytes).toBe(16 * 1024);
    expect(frames.length).toBeGreaterThanOrEqual(13);
    for (const frame of frames) expect(frameBytes(frame)).toBeLessThanOrEqual(DEFAULT_OUTBOX.frameBytes);
    expect(frames.flatMap((frame) => decodeServerFrame(jsonCodec, frame, false, LIMITS))).toStrictEqual(items);
  });

  it('sends a message larger than frameBytes alone in its own frame, between the frames around it', () => {
    const outbox = new Outbox({ codec: jsonCodec, frameBytes: 64, schedule: () => {} });
    const frames = collect(outbox);
    const big = 'y'.repeat(200);
    outbox.push([MessageType.DATA, 1, 'a']);
    outbox.push([MessageType.DATA, 1, big]);
    outbox.push([MessageType.DATA, 1, 'b']);
    outbox.flush();
    expect(frames).toEqual(['[[11,1,"a"]]', `[[11,1,"${big}"]]`, '[[11,1,"b"]]']);
  });

  it('caps frameBytes at maxFrameBytes', () => {
    const outbox = new Outbox({ codec: jsonCodec, maxFrameBytes: 40, frameBytes: 1000, schedule: () => {} });
    const frames = collect(outbox);
    for (let i = 0; i < 6; i++) outbox.push([MessageType.DATA, 1, i]);
    outbox.flush();
    for (const frame of frames) expect(frameBytes(frame)).toBeLessThanOrEqual(40);
    expect(frames.length).toBeGreaterThan(1);
  });

  it('applies limits resolved once to every outbox that shares them, each with its own buffer', () => {
    const limits = outboxLimits({ maxFrameBytes: 40, frameBytes: 1000, bufferMessages: 2, schedule: () => {} });
    expect(limits.frameBytes).toBe(40);
    expect(Object.isFrozen(limits)).toBe(true);
    const [a, b] = [new Outbox({ codec: jsonCodec, limits }), new Outbox({ codec: jsonCodec, limits })];
    const frames = collect(a);
    for (let i = 0; i < 6; i++) a.push([MessageType.DATA, 1, i]);
    a.flush();
    for (const frame of frames) expect(frameBytes(frame)).toBeLessThanOrEqual(40);
    expect(frames.length).toBeGreaterThan(1);
    // a's kept messages were trimmed to its bound of 2; b's count is its own.
    expect(a.unacknowledged).toBe(2);
    expect(a.canResumeFrom(3)).toBe(false);
    b.push([MessageType.DATA, 1, 'x']);
    expect(b.unacknowledged).toBe(1);
    expect(b.canResumeFrom(0)).toBe(true);
  });

  it('retransmits any window in order, in frames within frameBytes (or one larger message alone), none lost or repeated', () => {
    const codecs: Codec[] = [jsonCodec, msgpackCodec, msgpackrCodec];
    fc.assert(
      fc.property(
        fc.constantFrom(...codecs),
        fc.array(fc.nat({ max: 600 }), { minLength: 1, maxLength: 120 }),
        fc.integer({ min: 16, max: 2048 }),
        fc.integer({ min: 1, max: 64 }),
        fc.nat(),
        (codec, sizes, bound, maxBatch, ackSeed) => {
          const outbox = new Outbox({ codec, frameBytes: bound, maxBatch, schedule: () => {} });
          const first = collect(outbox);
          const sent = sizes.map((size, n): Message => [MessageType.DATA, 1, { n, pad: 'z'.repeat(size) }]);
          for (const message of sent) outbox.push(message);
          outbox.flush();
          const received = ackSeed % (sent.length + 1);
          outbox.detach();
          const frames = collect(outbox);
          expect(outbox.retransmitFrom(received)).toBe(true);
          outbox.flush();
          const isBinary = codec !== jsonCodec;
          for (const frame of [...first, ...frames]) {
            const messages = decodeServerFrame(codec, frame, isBinary, LIMITS);
            expect(messages.length).toBeLessThanOrEqual(maxBatch);
            if (messages.length > 1) expect(frameBytes(frame)).toBeLessThanOrEqual(bound);
          }
          const again = frames.flatMap((frame) => decodeServerFrame(codec, frame, isBinary, LIMITS));
          expect(again).toStrictEqual(sent.slice(received));
        },
      ),
      { numRuns: 200 },
    );
  });
});

function frameBytes(frame: string | Uint8Array): number {
  return typeof frame === 'string' ? Buffer.byteLength(frame) : frame.byteLength;
}

describe('Outbox handover', () => {
  it('moves its unacknowledged messages to another outbox, which numbers on and retransmits exactly them', async () => {
    const from = new Outbox({ codec: jsonCodec });
    for (let i = 1; i <= 5; i++) from.push([MessageType.DATA, 1, i]);
    from.ack(2);
    const { base, entries } = from.retained();
    expect(base).toBe(2);
    const to = new Outbox({ codec: jsonCodec });
    to.restore(base, entries);
    expect([to.sent, to.unacknowledged, to.canResumeFrom(1), to.canResumeFrom(3)]).toEqual([5, 3, false, true]);
    to.push([MessageType.END, 1]);
    const frames = collect(to);
    to.retransmitFrom(3);
    await nextTurn();
    expect(frames).toEqual(['[[11,1,4],[11,1,5],[13,1]]']);
  });

  it('moves a run of stream items whole: the other outbox resumes between entries, never inside the run', async () => {
    const from = new Outbox({ codec: jsonCodec });
    from.push([MessageType.DATA, 1, 1]);
    from.pushRun([
      [MessageType.DATA, 1, 2],
      [MessageType.DATA, 1, 3],
      [MessageType.DATA, 1, 4],
    ]);
    const { base, entries } = from.retained();
    expect(entries.map((entry) => entry.count)).toEqual([1, 3]);
    const to = new Outbox({ codec: jsonCodec });
    to.restore(base, entries);
    expect([to.sent, to.canResumeFrom(1), to.canResumeFrom(2), to.canResumeFrom(4)]).toEqual([4, true, false, true]);
    const frames = collect(to);
    to.retransmitFrom(1);
    await nextTurn();
    expect(frames).toEqual(['[[11,1,2],[11,1,3],[11,1,4]]']);
  });
});
