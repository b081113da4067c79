/** A send that reached a process other than the one holding its connection (protocol.md 9.6). */
export interface RelayedSend {
  readonly connectionId: string;
  /** The send's Origin header, checked where the connection lives. */
  readonly origin: string | undefined;
  readonly body: Uint8Array;
}

/**
 * Carries sends between the processes of one deployment, so that a send reaching a process other
 * than the one holding its connection is answered as if it had reached the right one (no sticky
 * routing needed for sends). `RedisSendRelay` from `@switchboard/redis` implements it.
 */
export interface SendRelay {
  /** This process's id, without dots: the connection ids it hands out start with it and a dot. */
  readonly nodeId: string;
  /**
   * Delivers `send` to process `nodeId`, resolving with the HTTP status it answered: 404 when no
   * such process listens, 504 when it did not answer in time.
   */
  forward(nodeId: string, send: RelayedSend): Promise<number>;
  /** Serves the sends other processes forward here; returns a function that stops serving. */
  serve(handler: (send: RelayedSend) => number): () => void;
}

/** The process a connection id names (the part before its dot), or undefined for one without. */
export function nodeOf(connectionId: string): string | undefined {
  const dot = connectionId.indexOf('.');
  return dot > 0 ? connectionId.slice(0, dot) : undefined;
}
