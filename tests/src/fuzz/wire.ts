import { randomBytes } from 'node:crypto';
import { type Socket, connect as tcpConnect } from 'node:net';

/** WebSocket opcodes (RFC 6455 section 5.2). */
export const Opcode = { CONTINUATION: 0x0, TEXT: 0x1, BINARY: 0x2, CLOSE: 0x8, PING: 0x9, PONG: 0xa } as const;

/** One WebSocket frame as a client writes it, including everything a conforming client never would. */
export interface FrameSpec {
  readonly opcode: number;
  readonly payload: Uint8Array;
  /** @default true */
  readonly fin?: boolean;
  /** RSV1..RSV3 as bits 0b100, 0b010, 0b001. @default 0 */
  readonly rsv?: number;
  /** Client frames must be masked; false writes one unmasked. @default true */
  readonly mask?: boolean;
  /** A length to announce instead of the payload's (a lie, to test oversize headers). */
  readonly announcedLength?: bigint;
}

/** Encodes a frame exactly as `spec` says, valid or not. */
export function encodeFrame(spec: FrameSpec): Buffer {
  const { payload } = spec;
  const length = spec.announcedLength ?? BigInt(payload.length);
  const masked = spec.mask ?? true;
  const head = [((spec.fin ?? true) ? 0x80 : 0) | (((spec.rsv ?? 0) & 7) << 4) | (spec.opcode & 0x0f)];
  const maskBit = masked ? 0x80 : 0;
  let extended = Buffer.alloc(0);
  if (length < 126n) head.push(maskBit | Number(length));
  else if (length < 65536n) {
    head.push(maskBit | 126);
    extended = Buffer.alloc(2);
    extended.writeUInt16BE(Number(length));
  } else {
    head.push(maskBit | 127);
    extended = Buffer.alloc(8);
    extended.writeBigUInt64BE(length & 0xffff_ffff_ffff_ffffn);
  }
  if (!masked) return Buffer.concat([Buffer.from(head), extended, payload]);
  const key = randomBytes(4);
  const body = Buffer.from(payload);
  for (let i = 0; i < body.length; i++) body[i] = (body[i] as number) ^ (key[i & 3] as number);
  return Buffer.concat([Buffer.from(head), extended, key, body]);
}

/** A close frame's payload: a two-byte code, then a reason. */
export function closePayload(code: number, reason: Uint8Array = new Uint8Array(0)): Uint8Array {
  const payload = Buffer.alloc(2 + reason.length);
  payload.writeUInt16BE(code & 0xffff);
  payload.set(reason, 2);
  return payload;
}

/** The upgrade request a raw client writes. */
export function upgradeRequest(port: number, protocol: string, path = '/'): string {
  return [
    `GET ${path} HTTP/1.1`,
    `Host: 127.0.0.1:${port}`,
    'Upgrade: websocket',
    'Connection: Upgrade',
    `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`,
    'Sec-WebSocket-Version: 13',
    `Sec-WebSocket-Protocol: ${protocol}`,
    '',
    '',
  ].join('\r\n');
}

/**
 * A WebSocket client written over a bare TCP socket: it performs the upgrade, then writes any
 * bytes at all, and reads the server's frames far enough to see its pongs and its close code.
 */
export class RawWire {
  /** Close codes the server sent in close frames (normally at most one). */
  readonly closeCodes: number[] = [];
  /** Pong frames received. */
  pongs = 0;
  /** Resolves when the TCP connection ended, however it ended. */
  readonly ended: Promise<void>;
  /** HTTP status of the upgrade response (101 when it succeeded). */
  status = 0;
  private buffered: Buffer = Buffer.alloc(0);
  private upgraded = false;
  private wakers: Array<() => void> = [];

  private constructor(readonly socket: Socket) {
    this.ended = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.on('error', () => undefined);
    socket.on('close', () => this.wake());
    socket.on('data', (chunk: Buffer) => this.read(chunk));
  }

  /** Connects and upgrades; resolves once the server answered the upgrade (or the socket ended). */
  static async open(port: number, protocol: string): Promise<RawWire> {
    const socket = tcpConnect(port, '127.0.0.1');
    const wire = new RawWire(socket);
    socket.once('connect', () => socket.write(upgradeRequest(port, protocol)));
    await wire.waitFor(() => wire.upgraded);
    return wire;
  }

  /** Whether the TCP connection is still open for writing. */
  get open(): boolean {
    return !this.socket.destroyed && this.socket.writable;
  }

  /** Writes raw bytes, unless the connection is gone. */
  write(bytes: Uint8Array): void {
    if (this.open) this.socket.write(bytes);
  }

  /** Resolves when `predicate` holds or the connection ended. */
  async waitFor(predicate: () => boolean): Promise<void> {
    while (!predicate() && !this.socket.destroyed) {
      await new Promise<void>((resolve) => this.wakers.push(resolve));
    }
  }

  private wake(): void {
    const wakers = this.wakers;
    this.wakers = [];
    for (const wake of wakers) wake();
  }

  private read(chunk: Buffer): void {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    if (!this.upgraded) {
      const end = this.buffered.indexOf('\r\n\r\n');
      if (end === -1) return;
      this.status = Number(this.buffered.subarray(9, 12).toString('latin1'));
      this.upgraded = true;
      this.buffered = this.buffered.subarray(end + 4);
      if (this.status !== 101) this.socket.destroy();
    }
    this.parseFrames();
    this.wake();
  }

  /** Reads the server's (unmasked) frames, noting pongs and close codes. */
  private parseFrames(): void {
    for (;;) {
      const b = this.buffered;
      if (b.length < 2) return;
      const opcode = (b[0] as number) & 0x0f;
      let length = (b[1] as number) & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (b.length < 4) return;
        length = b.readUInt16BE(2);
        offset = 4;
      } else if (length === 127) {
        if (b.length < 10) return;
        length = Number(b.readBigUInt64BE(2));
        offset = 10;
      }
      if (b.length < offset + length) return;
      const payload = b.subarray(offset, offset + length);
      if (opcode === Opcode.PONG) this.pongs++;
      if (opcode === Opcode.CLOSE && payload.length >= 2) this.closeCodes.push(payload.readUInt16BE(0));
      this.buffered = b.subarray(offset + length);
    }
  }
}
