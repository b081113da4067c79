import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FrameInfo } from './frame-header.js';
import { encodeFrame } from './test-harness.js';
import { type SegmentSink, WsStreamParser } from './ws-stream-parser.js';

const REQUEST = 'GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n';

interface Segment {
  bytes: Buffer;
  frame: FrameInfo | undefined;
  offset: number;
}

function collect(options: { rejectWith?: number } = {}) {
  const segments: Segment[] = [];
  const sink: SegmentSink = {
    segment: (bytes, frame, offset) => segments.push({ bytes: Buffer.from(bytes), frame, offset }),
    headEnd: (parser, statusCode) => {
      if (options.rejectWith !== undefined && statusCode === options.rejectWith) parser.becomeOpaque();
    },
  };
  return { segments, parser: new WsStreamParser('client-to-server', sink) };
}

/** Splits `bytes` at the given fractions of its length. */
function chunk(bytes: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((cut) => Math.floor(cut * bytes.length)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let start = 0;
  for (const point of [...points, bytes.length]) {
    if (point > start) chunks.push(bytes.subarray(start, point));
    start = point;
  }
  return chunks;
}

const frameArbitrary = fc.record({
  opcode: fc.constantFrom(0x0, 0x1, 0x2, 0x8, 0x9, 0xa),
  length: fc.oneof(fc.integer({ min: 0, max: 300 }), fc.constantFrom(125, 126, 127, 0xffff, 0x10000, 70_000)),
  masked: fc.boolean(),
  fin: fc.boolean(),
});

describe('WsStreamParser', () => {
  it('cuts any chunking of a stream into segments that never span two frames', () => {
    fc.assert(
      fc.property(
        fc.array(frameArbitrary, { maxLength: 12 }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 40 }),
        (specs, cuts) => {
          const encoded = specs.map((spec) =>
            encodeFrame({
              opcode: spec.opcode,
              payload: new Uint8Array(spec.length).fill(spec.length & 0xff),
              fin: spec.fin,
              ...(spec.masked ? { mask: Uint8Array.of(9, 8, 7, 6) } : {}),
            }),
          );
          const stream = Buffer.concat([Buffer.from(REQUEST), ...encoded]);
          const { segments, parser } = collect();
          for (const piece of chunk(stream, cuts)) parser.push(piece);

          // Buffer#equals: toEqual walks large buffers byte by byte and takes minutes.
          expect(Buffer.concat(segments.map((segment) => segment.bytes)).equals(stream)).toBe(true);
          const head = segments.filter((segment) => segment.frame === undefined);
          expect(Buffer.concat(head.map((segment) => segment.bytes)).toString()).toBe(REQUEST);

          const byFrame = new Map<FrameInfo, Segment[]>();
          for (const segment of segments) {
            if (segment.frame) byFrame.set(segment.frame, [...(byFrame.get(segment.frame) ?? []), segment]);
          }
          const frames = [...byFrame.keys()];
          expect(frames.map((frame) => [frame.opcode, frame.payloadLength, frame.masked, frame.fin])).toEqual(
            specs.map((spec) => [spec.opcode, spec.length, spec.masked, spec.fin]),
          );
          frames.forEach((frame, index) => {
            const pieces = byFrame.get(frame)!;
            let offset = 0;
            for (const piece of pieces) {
              expect(piece.offset).toBe(offset);
              offset += piece.bytes.length;
            }
            expect(Buffer.concat(pieces.map((piece) => piece.bytes)).equals(encoded[index]!)).toBe(true);
          });
        },
      ),
      { numRuns: 300 },
    );
  });

  it('survives a split at every byte, and a stream fed one byte at a time', () => {
    // Two-byte frames last: a header completed by the final byte of a chunk must not wait for more.
    const small = [
      encodeFrame({ opcode: 0x2, payload: new Uint8Array(125) }),
      encodeFrame({ opcode: 0x2, payload: new Uint8Array(126), mask: Uint8Array.of(1, 2, 3, 4) }),
      encodeFrame({ opcode: 0x1, payload: new Uint8Array(0), mask: Uint8Array.of(1, 2, 3, 4) }),
      encodeFrame({ opcode: 0x9, payload: new Uint8Array(0) }),
    ];
    const check = (frames: Buffer[], chunks: Buffer[]) => {
      const { segments, parser } = collect();
      for (const piece of chunks) parser.push(piece);
      const stream = Buffer.concat(chunks);
      expect(Buffer.concat(segments.map((segment) => segment.bytes)).equals(stream)).toBe(true);
      const ends = segments.filter(({ frame, offset, bytes }) => frame && offset + bytes.length === frame.totalLength);
      expect(ends.map(({ frame }) => frame!.totalLength)).toEqual(frames.map((frame) => frame.length));
    };
    const stream = Buffer.concat([Buffer.from(REQUEST), ...small]);
    for (let at = 1; at < stream.length; at++) check(small, [stream.subarray(0, at), stream.subarray(at)]);

    const large = [
      ...small,
      encodeFrame({ opcode: 0x2, payload: new Uint8Array(0x10000), mask: Uint8Array.of(5, 6, 7, 8) }),
    ];
    const whole = Buffer.concat([Buffer.from(REQUEST), ...large]);
    check(
      large,
      Array.from({ length: whole.length }, (_, i) => whole.subarray(i, i + 1)),
    );
  });

  it('holds a split header back until it is whole, then hands it on with the payload', () => {
    const { segments, parser } = collect();
    const frame = encodeFrame({ opcode: 0x2, payload: new Uint8Array(0x10000), mask: Uint8Array.of(1, 2, 3, 4) });
    parser.push(Buffer.from(REQUEST));
    for (const byte of frame.subarray(0, 13)) parser.push(Buffer.of(byte));
    expect(segments).toHaveLength(1);
    parser.push(frame.subarray(13, 20));
    expect(segments[1]).toMatchObject({ offset: 0, frame: { headerLength: 14, payloadLength: 0x10000 } });
    expect(segments[1]!.bytes.equals(frame.subarray(0, 20))).toBe(true);
    parser.push(frame.subarray(20, 30));
    expect(segments[2]).toMatchObject({ offset: 20 });
  });

  it('passes bytes through unsplit after a refused upgrade', () => {
    const { segments, parser } = collect({ rejectWith: 401 });
    const response = Buffer.from('HTTP/1.1 401 Unauthorized\r\nContent-Length: 4\r\n\r\n\x81\x02ok');
    parser.push(response);
    expect(segments.every((segment) => segment.frame === undefined)).toBe(true);
    expect(Buffer.concat(segments.map((segment) => segment.bytes))).toEqual(response);
  });

  it('passes the body of a request that cannot upgrade (a POST) through whole, never as frames', () => {
    const { segments, parser } = collect();
    // 0x82 0x7f: a binary frame with a 64-bit length, its header cut short: read as frames, the
    // last bytes would wait for the rest of a header that never comes.
    const request = Buffer.concat([
      Buffer.from('POST /?sb=send HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\n'),
      Buffer.of(0x01, 0x02, 0x82, 0x7f),
    ]);
    parser.push(request);
    expect(segments.every((segment) => segment.frame === undefined)).toBe(true);
    expect(Buffer.concat(segments.map((segment) => segment.bytes))).toEqual(request);
  });

  it('hands on the start of a header the stream ended in', () => {
    const { segments, parser } = collect();
    parser.push(Buffer.concat([Buffer.from(REQUEST), Buffer.of(0x81)]));
    parser.flush();
    expect(segments.at(-1)).toMatchObject({ frame: undefined, bytes: Buffer.of(0x81) });
  });
});
