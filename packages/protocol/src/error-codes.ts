/**
 * The protocol's error codes (docs/protocol.md section 7): what each means and whether a client
 * may retry a call that failed with it.
 */

/** One row of the error-code table. */
export interface ErrorCodeInfo {
  readonly retryable: boolean;
  /** `wire`: sent in ERROR messages; `local`: raised by the client itself, never sent. */
  readonly origin: 'wire' | 'local';
  readonly meaning: string;
}

/** The protocol's error codes with their retryability and meaning. */
export const ERROR_CODES = {
  CANCELLED: {
    retryable: false,
    origin: 'local',
    meaning: 'the caller aborted the call (AbortSignal, iterator return)',
  },
  INVALID_ARGUMENT: {
    retryable: false,
    origin: 'wire',
    meaning: "the input or payload failed the contract's schema; data.issues lists path and message",
  },
  NOT_FOUND: { retryable: false, origin: 'wire', meaning: 'no procedure of that kind at that path' },
  UNAUTHENTICATED: { retryable: false, origin: 'wire', meaning: 'the procedure needs credentials the session lacks' },
  PERMISSION_DENIED: { retryable: false, origin: 'wire', meaning: 'the session may not call the procedure' },
  FAILED_PRECONDITION: {
    retryable: false,
    origin: 'wire',
    meaning: "the request conflicts with the session's state (channel already subscribed)",
  },
  RESOURCE_EXHAUSTED: {
    retryable: true,
    origin: 'wire',
    meaning: 'a limit was reached (maxStreams, a bounded queue, the event key store, a rate limit: data.retryAfterMs)',
  },
  SLOW_CONSUMER: {
    retryable: false,
    origin: 'wire',
    meaning: "the stream's queue policy ended the stream because the client lagged",
  },
  HISTORY_LOST: {
    retryable: false,
    origin: 'wire',
    meaning:
      "a subscription's since is older than the topic's history or of another epoch; data.position: resubscribe since it",
  },
  UNAVAILABLE: { retryable: true, origin: 'wire', meaning: 'the server is draining or cannot serve now' },
  INTERNAL: {
    retryable: false,
    origin: 'wire',
    meaning: 'the handler failed unexpectedly or produced output its schema rejects',
  },
  UNSUPPORTED_PROTOCOL: {
    retryable: false,
    origin: 'wire',
    meaning: 'subprotocol negotiation failed; data lists offered and supported tokens',
  },
  PROTOCOL_ERROR: {
    retryable: false,
    origin: 'wire',
    meaning: 'the peer violated this protocol; the connection is closing',
  },
  DEADLINE_EXCEEDED: {
    retryable: true,
    origin: 'local',
    meaning: 'the per-call timeout elapsed before the call settled',
  },
  PAYLOAD_TOO_LARGE: {
    retryable: false,
    origin: 'local',
    meaning: "the message would exceed the server's maxFrameBytes, so it was not sent",
  },
  CONNECTION_CLOSED: {
    retryable: true,
    origin: 'local',
    meaning: 'the connection closed for good (terminal close code, client closed, retries exhausted)',
  },
  SESSION_MOVED: {
    retryable: true,
    origin: 'wire',
    meaning:
      'the call was running when its session moved to another server; it did not move and may or may not have run',
  },
  SESSION_LOST: {
    retryable: true,
    origin: 'local',
    meaning: 'the session could not be resumed; the call may or may not have run',
  },
} as const satisfies Record<string, ErrorCodeInfo>;

/** A protocol error code, e.g. `"NOT_FOUND"`. */
export type ProtocolErrorCode = keyof typeof ERROR_CODES;

/**
 * An error code: one of the protocol's, or an application's own
 * (`^[A-Z][A-Z0-9_]*$`). The `string & {}` keeps editor completion for the known ones.
 */
export type ErrorCode = ProtocolErrorCode | (string & {});

/** Whether `code` is one of the protocol's own error codes. */
export function isProtocolErrorCode(code: string): code is ProtocolErrorCode {
  return Object.hasOwn(ERROR_CODES, code);
}

// The retryable rows of ERROR_CODES, apart so that a client bundle does without the table's
// meanings; a test holds the table to them.
const RETRYABLE_CODES: Readonly<Record<string, true>> = {
  RESOURCE_EXHAUSTED: true,
  UNAVAILABLE: true,
  DEADLINE_EXCEEDED: true,
  CONNECTION_CLOSED: true,
  SESSION_MOVED: true,
  SESSION_LOST: true,
};

/**
 * Whether an error with `code` may be retried unless it says otherwise: the error-code table's
 * answer for the protocol's codes, false for an application's.
 */
export function defaultRetryable(code: string): boolean {
  return Object.hasOwn(RETRYABLE_CODES, code);
}
