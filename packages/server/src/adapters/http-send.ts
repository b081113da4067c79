import { CloseCode, decodeText, parseClose, RecordError, RecordKind, RecordReader } from '@switchboard/protocol/http';
import type { SwitchboardServer } from '../server.js';
import type { StreamSocket } from './http-stream-socket.js';

/** How far past maxFrameBytes a send's body may grow before it is refused with 413 (as for `ws`). */
export const BODY_OVERRUN_BYTES = 1024;

/** The answer to a send: an HTTP status and, for a failure, why. */
export interface SendOutcome {
  readonly status: number;
  readonly reason: string;
}

/**
 * Whether a send with this `Origin` may reach `socket`'s connection. A browser sends no Origin
 * with a same-origin GET but always one with a POST: a send must carry its stream's Origin, or,
 * when the stream had none, one the server allows.
 */
export function sendAllowed(server: SwitchboardServer, socket: StreamSocket, origin: string | string[] | undefined) {
  return socket.origin === undefined ? server.allowsOrigin(origin) : String(origin) === String(socket.origin);
}

/**
 * Hands the records of one send to its connection as they arrive (protocol.md 9.3). A malformed
 * or oversized send closes the connection (1002, 1007, 1009) and is answered 400 or 413.
 */
export class SendDelivery {
  private readonly reader: RecordReader;
  private received = 0;
  private failure: SendOutcome | undefined;
  private readonly onRecord = (kind: RecordKind, payload: Uint8Array): void => this.record(kind, payload);

  constructor(
    private readonly socket: StreamSocket,
    /** The longest frame record: a longer one fails with 1009 before it is buffered. */
    maxRecord: number,
    private readonly maxBody: number,
  ) {
    this.reader = new RecordReader(maxRecord);
  }

  /** Reads one chunk of the body; false once the send failed (read no more). */
  chunk(data: Uint8Array): boolean {
    if (this.failure) return false;
    this.received += data.byteLength;
    if (this.received > this.maxBody) {
      this.fail(413, CloseCode.MESSAGE_TOO_BIG, `a send over ${this.maxBody} bytes`);
      return false;
    }
    try {
      this.reader.read(data, this.onRecord);
    } catch (error) {
      if (!(error instanceof RecordError)) throw error;
      this.fail(error.closeCode === CloseCode.MESSAGE_TOO_BIG ? 413 : 400, error.closeCode, error.message);
    }
    return this.failure === undefined;
  }

  /** The body ended: what to answer. */
  end(): SendOutcome {
    if (!this.failure && this.reader.pending > 0) {
      this.fail(400, CloseCode.WS_PROTOCOL_ERROR, 'a record cut short at the end of a send');
    }
    return this.failure ?? { status: 204, reason: '' };
  }

  private fail(status: number, code: number, reason: string): void {
    this.failure = { status, reason };
    this.socket.violation(code, reason);
  }

  private record(kind: RecordKind, payload: Uint8Array): void {
    const socket = this.socket;
    const connection = socket.connection;
    if (this.failure || !socket.open || !connection) return;
    if (kind === RecordKind.BINARY) connection.receive(payload, true, payload.byteLength);
    else if (kind === RecordKind.TEXT) {
      const text = decodeText(payload);
      if (text === undefined) this.fail(400, CloseCode.INVALID_PAYLOAD, 'a TEXT record that is not UTF-8');
      else connection.receive(text, false, payload.byteLength);
    } else if (kind === RecordKind.CLOSE) {
      const { code, reason } = parseClose(payload);
      socket.closedByClient(code, reason);
    } else this.fail(400, CloseCode.WS_PROTOCOL_ERROR, 'an OPEN record from the client');
  }
}
