import type { Session } from './session.js';

/** What a session needs from the connection it is attached to. */
export interface SessionLink {
  writable(): Promise<void> | undefined;
  closeSlowConsumer(): void;
  /** A call of the session finished (a draining server closes once none is left). */
  callFinished(): void;
  /** Another connection resumed the session: this one closes (4440). */
  takenOver(): void;
}

/** Where a server keeps its sessions between connections, by resume token. */
export interface SessionRegistry {
  /** The session is attached to a connection (new or resumed). */
  keepSession(session: Session): void;
  /** The session lost its connection and waits for a resume. */
  sessionDetached(session: Session): void;
  /** The session ended. */
  forgetSession(session: Session): void;
}
