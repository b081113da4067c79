import { CloseCode, isRpcError } from '@switchboard/protocol';
import type { SessionSettings } from './call/environment.js';
import { emptyContext, type Service } from './service.js';
import { EMPTY_CONTEXT } from './session.js';
import { parseCookies, type UpgradeRequest } from './socket.js';

/** Who a HELLO says the client is: its session context and the principal that context names. */
export type Identity =
  | { readonly ok: true; readonly ctx: unknown; readonly principal: string | undefined }
  | { readonly ok: false; readonly closeCode: number; readonly reason: string };

/**
 * Builds the session context of a HELLO with the service's `context` function, and its
 * principal. Every HELLO is authenticated, a resuming one too: its credentials may have expired
 * or been revoked since the session started. A service without a context option gets no
 * handshake built (its sessions make the empty context when a call first reads it). A refusal
 * says which close code ends the connection: 4100 for UNAUTHENTICATED, 4403 for
 * PERMISSION_DENIED, 1011 for anything else (reported to `onError`).
 */
export async function identify(
  service: Service,
  auth: unknown,
  request: UpgradeRequest,
  settings: SessionSettings,
): Promise<Identity> {
  const { context } = service;
  try {
    // The await stays for a service without context, so WELCOME leaves at the same point.
    const ctx = await (context === emptyContext
      ? EMPTY_CONTEXT
      : context({
          auth,
          headers: request.headers,
          cookies: parseCookies(request.headers.cookie),
          url: request.url,
          get remoteAddress() {
            return request.remoteAddress;
          },
        }));
    return { ok: true, ctx, principal: service.principalOf(ctx === EMPTY_CONTEXT ? {} : ctx) };
  } catch (error) {
    const code = isRpcError(error) ? error.code : 'INTERNAL';
    if (code === 'UNAUTHENTICATED')
      return { ok: false, closeCode: CloseCode.UNAUTHENTICATED, reason: messageOf(error, 'unauthenticated') };
    if (code === 'PERMISSION_DENIED')
      return { ok: false, closeCode: CloseCode.FORBIDDEN, reason: messageOf(error, 'forbidden') };
    settings.reportError(error, 'context');
    return { ok: false, closeCode: CloseCode.INTERNAL_ERROR, reason: 'could not build the session context' };
  }
}

function messageOf(error: unknown, fallback: string): string {
  return isRpcError(error) ? error.message : fallback;
}
