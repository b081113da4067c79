import type { Socket } from 'node:net';

/**
 * Counts the TCP bytes a server's connections read and wrote, HTTP upgrade and WebSocket framing
 * included: what compression is for. Closed sockets keep counting in the totals.
 */
export class WireCounter {
  readonly #open = new Set<Socket>();
  #closedRead = 0;
  #closedWritten = 0;

  /** Counts `socket` from now until it closes, and after in the totals. */
  readonly track = (socket: Socket): void => {
    this.#open.add(socket);
    socket.once('close', () => {
      this.#open.delete(socket);
      this.#closedRead += socket.bytesRead;
      this.#closedWritten += socket.bytesWritten;
    });
  };

  /** Bytes read and written by every socket tracked so far. */
  totals(): { read: number; written: number } {
    let read = this.#closedRead;
    let written = this.#closedWritten;
    for (const socket of this.#open) {
      read += socket.bytesRead;
      written += socket.bytesWritten;
    }
    return { read, written };
  }
}
