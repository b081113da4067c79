/**
 * A test double of the server's transport: a {@link SocketLike} the test drives by hand, speaking
 * JSON frames, so the connection's state machine runs without a network. For tests only (no entry
 * point exports it).
 */
import { buildSubprotocol, codecFor, type Message, MessageType } from '@switchboard/protocol';
import type { Connection } from '../connection.js';
import type { SwitchboardServer } from '../server.js';
import type { SocketLike, UpgradeRequest } from '../socket.js';

const json = codecFor('json');

/** A connection's socket; the test plays the client. */
export class FakeSocket implements SocketLike {
  bufferedAmount = 0;
  /** Every message the server sent, decoded, in order. */
  readonly sent: Message[] = [];
  /** Frames the server sent, as written. */
  readonly frames: Array<string | Uint8Array> = [];
  /** The close code and reason, once the server closed. */
  closedWith: [number, string] | undefined;
  terminated = false;
  pings = 0;
  /** Callbacks of frames not yet "written to the network" (see {@link flushSent}). */
  private readonly pendingSent: Array<() => void> = [];
  connection: Connection | undefined;

  send(frame: string | Uint8Array, onSent?: () => void): void {
    this.frames.push(frame);
    for (const message of json.decode(frame as string, false) as Message[]) this.sent.push(message);
    if (onSent) this.pendingSent.push(onSent);
  }

  close(code: number, reason: string): void {
    this.closedWith = [code, reason];
  }

  terminate(): void {
    this.terminated = true;
  }

  ping(): void {
    this.pings++;
  }

  /** The network took every buffered byte: runs the pending `onSent` callbacks. */
  flushSent(bufferedAmount = 0): void {
    this.bufferedAmount = bufferedAmount;
    for (const done of this.pendingSent.splice(0)) done();
  }

  /** The client sends `messages` in one frame. */
  receive(...messages: unknown[]): void {
    this.connection?.receive(json.frame(messages.map((message) => json.encode(message as Message))), false);
  }

  /** Messages of type `type` the server sent. */
  ofType(type: number): Message[] {
    return this.sent.filter((message) => message[0] === type);
  }

  /** The fields of the last WELCOME the server sent (undefined fields when none came). */
  welcome(): { sessionId: string; token: string; resumed: unknown; received: unknown } {
    const message = (this.ofType(MessageType.WELCOME).at(-1) ?? []) as unknown[];
    return { sessionId: message[1] as string, token: message[2] as string, resumed: message[3], received: message[4] };
  }
}

const REQUEST: UpgradeRequest = { headers: {}, url: '/', remoteAddress: '127.0.0.1' };

/** Accepts a fake socket on `server` as a JSON connection (throws if the server refuses it). */
export function connectFake(server: SwitchboardServer, request: UpgradeRequest = REQUEST): FakeSocket {
  const socket = new FakeSocket();
  const upgrade = { ...request, headers: { ...request.headers, 'sec-websocket-protocol': buildSubprotocol('json') } };
  const decision = server.decideUpgrade(upgrade, '/');
  if (!decision.ok) throw new Error(`upgrade refused: ${decision.status} ${decision.body}`);
  socket.connection = server.accept(socket, upgrade, decision.acceptance);
  return socket;
}
