import type { SessionInfo } from './handlers.js';
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

/**
 * What few sessions need, in one object a session allocates on first use, so that an idle one
 * holds one field for all of it: a detached session's expiry, the producers waiting for it to be
 * attached again, its topic subscriptions, the info hooks see, and whether it ended.
 */
export interface SessionRare {
  expiry?: ReturnType<typeof setTimeout> | undefined;
  /** Producers (stream generators) waiting for the session to be attached to a connection again. */
  waiters?: Array<() => void> | undefined;
  subscriptions?: Set<string>;
  info?: SessionInfo;
  ended?: boolean;
  /** Its id, when it is not its token's (a session moved from a server that gave random ids). */
  id?: string;
}
