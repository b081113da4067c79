import { describe, expect, it } from 'vitest';
import { frameHeaderLength, isDataFrame, Opcode, readFrameHeader } from './frame-header.js';
import { encodeFrame } from './test-harness.js';

const MASK = Uint8Array.of(1, 2, 3, 4);

describe('readFrameHeader', () => {
  it.each([
    ['7-bit', 125, 2],
    ['16-bit', 126, 4],
    ['16-bit maximum', 0xffff, 4],
    ['64-bit', 0x10000, 10],
  ])('decodes a %s payload length', (_, length, headerLength) => {
    const frame = encodeFrame({ opcode: Opcode.Binary, payload: new Uint8Array(length) });
    expect(frameHeaderLength(frame, 0, frame.length)).toBe(headerLength);
    expect(readFrameHeader(frame, 0, 'server-to-client')).toEqual({
      direction: 'server-to-client',
      fin: true,
      rsv: 0,
      opcode: Opcode.Binary,
      masked: false,
      payloadLength: length,
      headerLength,
      totalLength: headerLength + length,
    });
  });

  it('counts the masking key of client frames in the header', () => {
    const frame = encodeFrame({ opcode: Opcode.Text, payload: Buffer.from('hi'), mask: MASK, fin: false });
    expect(frameHeaderLength(frame, 0, frame.length)).toBe(6);
    expect(readFrameHeader(frame, 0, 'client-to-server')).toMatchObject({
      fin: false,
      masked: true,
      opcode: Opcode.Text,
      payloadLength: 2,
      headerLength: 6,
      totalLength: 8,
    });
  });

  it('reads a header that starts inside a buffer', () => {
    const frame = Buffer.concat([Buffer.from('xyz'), encodeFrame({ opcode: Opcode.Ping, payload: Buffer.from('p') })]);
    expect(readFrameHeader(frame, 3, 'client-to-server')).toMatchObject({ opcode: Opcode.Ping, totalLength: 3 });
  });

  it('needs two bytes before it can tell the header length', () => {
    expect(frameHeaderLength(Uint8Array.of(0x81), 0, 1)).toBe(-1);
  });

  it('refuses a 64-bit length beyond Number.MAX_SAFE_INTEGER', () => {
    const header = Buffer.alloc(10);
    header[0] = 0x82;
    header[1] = 127;
    header.writeBigUInt64BE(2n ** 53n, 2);
    expect(readFrameHeader(header, 0, 'server-to-client')).toBeUndefined();
  });
});

describe('isDataFrame', () => {
  it('tells data frames from control frames', () => {
    const kinds = [Opcode.Continuation, Opcode.Text, Opcode.Binary, Opcode.Close, Opcode.Ping, Opcode.Pong].map(
      (opcode) => isDataFrame({ opcode } as Parameters<typeof isDataFrame>[0]),
    );
    expect(kinds).toEqual([true, true, true, false, false, false]);
  });
});
