import { CloseCode } from '@switchboard/protocol';
import type { Connection } from '../connection.js';
import type { SwitchboardServer } from '../server.js';
import type { SocketLike, UpgradeRequest } from '../socket.js';

/**
 * An in-process link between the real client core and the real server core: a class with the
 * browser's WebSocket API for `createClient({ WebSocket })` whose every socket is paired, in
 * memory, with a {@link SocketLike} handed to `server.accept`. No socket, no port: frames cross as
 * strings or byte copies, each direction in order, delivered in a later microtask (as a network
 * would deliver them in a later turn, so neither side re-enters the other); the link sets no timer.
 */

/** WebSocket readyState values. */
const CONNECTING = 0;
const OPEN = 1;
const CLOSING = 2;
const CLOSED = 3;

/** What the upgrade request of every in-memory socket carries. */
export interface MemoryRequest {
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly url: string;
  readonly remoteAddress: string | undefined;
}

/** The sockets a link has opened, so a test can cut the current one. */
export interface MemoryLink {
  /** The WebSocket class to give `createClient`. */
  readonly WebSocket: typeof WebSocket;
  /** Sockets opened so far (reconnects open new ones). */
  readonly opened: number;
  /** Cuts the open socket, if any, as a lost network would: both sides see `code` (1006). */
  drop(code?: number): void;
}

/** One direction of a link: frames queued in order, drained in one microtask. */
class Lane {
  private readonly queue: Array<() => void> = [];
  private scheduled = false;

  push(deliver: () => void): void {
    this.queue.push(deliver);
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => this.drain());
  }

  private drain(): void {
    this.scheduled = false;
    // Items pushed while draining run in this drain too: order is kept either way.
    for (let i = 0; i < this.queue.length; i++) (this.queue[i] as () => void)();
    this.queue.length = 0;
  }
}

function copy(frame: string | Uint8Array): string | Uint8Array {
  return typeof frame === 'string' ? frame : frame.slice();
}

type Listener = ((event: never) => void) | null;

/** The client's end of one in-memory socket, with the part of the WebSocket API the client uses. */
class MemorySocket {
  readyState = CONNECTING;
  protocol = '';
  readonly bufferedAmount = 0;
  binaryType = 'arraybuffer';
  onopen: Listener = null;
  onmessage: Listener = null;
  onclose: Listener = null;
  onerror: Listener = null;
  private connection: Connection | undefined;
  private readonly toServer = new Lane();
  private readonly toClient = new Lane();
  /** The server's end, as `server.accept` drives it. */
  readonly serverEnd: SocketLike;

  constructor(
    private readonly server: SwitchboardServer,
    request: MemoryRequest,
    protocols: readonly string[],
  ) {
    const self = this;
    this.serverEnd = {
      bufferedAmount: 0,
      send(frame, onSent) {
        const data = copy(frame);
        self.toClient.push(() => {
          if (self.readyState === OPEN) self.emit('onmessage', { data });
          onSent?.();
        });
      },
      close(code, reason) {
        self.toClient.push(() => self.closeBoth(code, reason));
      },
      terminate() {
        self.toClient.push(() => self.closeBoth(CloseCode.ABNORMAL, ''));
      },
    };
    const upgrade: UpgradeRequest = {
      ...request,
      headers: { ...request.headers, 'sec-websocket-protocol': protocols.join(', ') },
    };
    this.toClient.push(() => this.upgrade(upgrade));
  }

  private upgrade(request: UpgradeRequest): void {
    if (this.readyState !== CONNECTING) return;
    const decision = this.server.decideUpgrade(request, '/');
    if (!decision.ok) {
      this.server.metrics.refuse(decision.reason);
      this.emit('onerror', { message: `Unexpected server response: ${decision.status}` });
      this.closeBoth(CloseCode.ABNORMAL, '');
      return;
    }
    this.protocol = decision.acceptance.ok ? decision.acceptance.token : '';
    this.readyState = OPEN;
    this.connection = this.server.accept(this.serverEnd, request, decision.acceptance);
    // A refusal after the upgrade queued its close; the client still sees the open first.
    this.emit('onopen', {});
  }

  send(frame: string | Uint8Array): void {
    if (this.readyState === CONNECTING) throw new Error('InvalidStateError: the socket is still connecting');
    if (this.readyState !== OPEN) return;
    const data = copy(frame);
    this.toServer.push(() => this.connection?.receive(data, typeof data !== 'string'));
  }

  close(code: number = CloseCode.NORMAL, reason = ''): void {
    if (this.readyState === CLOSING || this.readyState === CLOSED) return;
    this.readyState = CLOSING;
    this.toServer.push(() => this.closeBoth(code, reason));
  }

  /** Both ends learn of the close: the server's connection, then the client's `onclose`. */
  closeBoth(code: number, reason: string): void {
    if (this.readyState === CLOSED) return;
    this.readyState = CLOSED;
    this.connection?.closed(code);
    this.emit('onclose', { code, reason, wasClean: code !== CloseCode.ABNORMAL });
  }

  private emit(name: 'onopen' | 'onmessage' | 'onclose' | 'onerror', event: object): void {
    (this[name] as ((event: object) => void) | null)?.(event);
  }
}

/**
 * Opens an in-memory link to `server`: every socket its WebSocket class opens is accepted by the
 * server as if it had come through an HTTP upgrade carrying `request`.
 */
export function memoryLink(server: SwitchboardServer, request: MemoryRequest): MemoryLink {
  let current: MemorySocket | undefined;
  let opened = 0;
  class MemoryWebSocket extends MemorySocket {
    constructor(_url: string | URL, protocols?: string | string[]) {
      super(server, request, typeof protocols === 'string' ? [protocols] : (protocols ?? []));
      current = this;
      opened++;
    }
  }
  return {
    WebSocket: MemoryWebSocket as unknown as typeof WebSocket,
    get opened() {
      return opened;
    },
    drop(code: number = CloseCode.ABNORMAL) {
      const socket = current;
      if (socket && socket.readyState !== CLOSED) socket.closeBoth(code, '');
    },
  };
}
