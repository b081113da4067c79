/**
 * An unmasked, unfragmented, uncompressed text or binary frame holding `frame` (RFC 6455 5.2).
 */
export function wireFrame(frame: string | Uint8Array): Buffer {
  const payload = typeof frame === 'string' ? Buffer.from(frame) : frame;
  const length = payload.length;
  const headerBytes = length < 126 ? 2 : length < 0x10000 ? 4 : 10;
  const wire = Buffer.allocUnsafe(headerBytes + length);
  wire[0] = typeof frame === 'string' ? 0x81 : 0x82;
  if (length < 126) {
    wire[1] = length;
  } else if (length < 0x10000) {
    wire[1] = 126;
    wire.writeUInt16BE(length, 2);
  } else {
    wire[1] = 127;
    wire.writeUInt32BE(0, 2);
    wire.writeUInt32BE(length, 6);
  }
  wire.set(payload, headerBytes);
  return wire;
}
