/**
 * A test double of the client's transport: a {@link ClientSocket} the test drives by hand,
 * speaking JSON frames, so the connection's state machine runs without a network. For tests only
 * (no entry point exports it).
 */
import { buildSubprotocol, codecFor, DEFAULT_LIMITS, type Limits, type Message } from '@switchboard/protocol';
import type { ClientSocket, ClientSocketEvents, OpenSocket } from '../socket.js';

const json = codecFor('json');

/** Limits a fake server advertises: the defaults, with heartbeats off unless a test asks. */
export const FAKE_LIMITS: Limits = { ...DEFAULT_LIMITS, heartbeatMs: 0 };

/** One socket the connection opened; the test plays the server. */
export class FakeSocket implements ClientSocket {
  protocol = '';
  readyState = 0;
  bufferedAmount = 0;
  /** Every message the client sent on this socket, in order. */
  readonly sent: Message[] = [];
  /** The same messages, frame by frame. */
  readonly frames: Message[][] = [];
  /** The close code and reason the client closed with, once it did. */
  closedWith: [number | undefined, string | undefined] | undefined;
  private waiters: Array<() => void> = [];

  constructor(
    readonly url: string,
    readonly protocols: readonly string[],
    private readonly events: ClientSocketEvents,
  ) {}

  send(frame: string | Uint8Array): void {
    const messages = json.decode(frame as string, false) as Message[];
    this.frames.push(messages);
    for (const message of messages) this.sent.push(message);
    for (const wake of this.waiters.splice(0)) wake();
  }

  close(code?: number, reason?: string): void {
    this.closedWith = [code, reason];
    this.readyState = 2;
  }

  /** The upgrade succeeds with the JSON subprotocol. */
  accept(protocol = buildSubprotocol('json')): void {
    this.protocol = protocol;
    this.readyState = 1;
    this.events.open();
  }

  /** The server sends `messages` in one frame. */
  receive(...messages: Message[]): void {
    this.events.message(json.frame(messages.map((message) => json.encode(message))), false);
  }

  /** The server sends raw text. */
  receiveText(text: string): void {
    this.events.message(text, false);
  }

  /** The socket closes with `code`. */
  drop(code: number, reason = ''): void {
    this.readyState = 3;
    this.events.close(code, reason);
  }

  /** Resolves with the first message of `type` the client sent from `from` on, once it is sent. */
  async next(type: number, from = 0): Promise<Message> {
    for (;;) {
      const found = this.sent.slice(from).find((message) => message[0] === type);
      if (found) return found;
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  /** The messages of `type` the client sent. */
  ofType(type: number): Message[] {
    return this.sent.filter((message) => message[0] === type);
  }
}

/** An {@link OpenSocket} that hands out {@link FakeSocket}s and keeps them in order. */
export function fakeTransport(): { readonly open: OpenSocket; readonly sockets: FakeSocket[]; last(): FakeSocket } {
  const sockets: FakeSocket[] = [];
  return {
    open: (url, protocols, events) => {
      const socket = new FakeSocket(url, protocols, events);
      sockets.push(socket);
      return socket;
    },
    sockets,
    last: () => {
      const socket = sockets.at(-1);
      if (!socket) throw new Error('no socket was opened');
      return socket;
    },
  };
}
