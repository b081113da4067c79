/**
 * An unmasked, unfragmented, uncompressed text or binary frame holding `frame` (RFC 6455 5.2).
 */
export function wireFrame(frame: string | Uint8Array): Buffer {
  const text = typeof frame === 'string';
  const length = text ? Buffer.byteLength(frame) : frame.length;
  const headerBytes = length < 126 ? 2 : length < 0x10000 ? 4 : 10;
  const wire = Buffer.allocUnsafe(headerBytes + length);
  wire[0] = text ? 0x81 : 0x82;
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
  // A string is encoded straight into the frame, with no intermediate buffer.
  if (text) wire.write(frame, headerBytes, length, 'utf8');
  else wire.set(frame, headerBytes);
  return wire;
}
