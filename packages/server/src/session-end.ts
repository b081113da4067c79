import { RpcError } from '@switchboard/protocol';
import type { Session } from './session.js';

/** Ends a session whose resume window passed; the timer gets its session as an argument: no closure per session. */
export function expire(session: Session): void {
  session.destroy('the session expired');
}

/** The error a session ends with: a string stands for UNAVAILABLE with that message. */
export function endError(reason: RpcError | string): RpcError {
  return typeof reason === 'string' ? new RpcError('UNAVAILABLE', reason) : reason;
}
