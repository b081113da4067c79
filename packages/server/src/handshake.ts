import { CloseCode, type Codec, isRpcError } from '@switchboard/protocol';
import type { SessionSettings } from './call/environment.js';
import { isThenable } from './call/validation.js';
import type { ServerMetrics } from './metrics.js';
import { emptyContext, type Service } from './service.js';
import { EMPTY_CONTEXT, type Session } from './session.js';
import { parseCookies, type UpgradeRequest } from './socket.js';

/** Who a HELLO says the client is: its session context and the principal that context names. */
export type Identity =
  | { readonly ok: true; readonly ctx: unknown; readonly principal: string | undefined }
  | { readonly ok: false; readonly closeCode: number; readonly reason: string };

/**
 * Builds the session context of a HELLO with the service's `context` function, and its
 * principal. Every HELLO is authenticated, a resuming one too: its credentials may have expired
 * or been revoked since the session started. A service without a context option gets no
 * handshake built (its sessions make the empty context when a call first reads it). The identity
 * is returned at once, not as a promise, unless the context function returned a promise: most
 * servers have no auth hook or a synchronous one, and a promise and its microtask per handshake
 * were most of what answering cost. A refusal says which close code ends the connection: 4100
 * for UNAUTHENTICATED, 4403 for PERMISSION_DENIED, 1011 for anything else (reported to `onError`).
 */
export function identify(
  service: Service,
  auth: unknown,
  request: UpgradeRequest,
  settings: SessionSettings,
): Identity | Promise<Identity> {
  const { context } = service;
  try {
    if (context === emptyContext) return { ok: true, ctx: EMPTY_CONTEXT, principal: service.principalOf({}) };
    const ctx = context({
      auth,
      headers: request.headers,
      cookies: parseCookies(request.headers.cookie),
      url: request.url,
      get remoteAddress() {
        return request.remoteAddress;
      },
    });
    if (!isThenable(ctx)) return { ok: true, ctx, principal: service.principalOf(ctx) };
    return Promise.resolve(ctx).then(
      (value): Identity => {
        try {
          return { ok: true, ctx: value, principal: service.principalOf(value) };
        } catch (error) {
          return refused(error, settings);
        }
      },
      (error: unknown) => refused(error, settings),
    );
  } catch (error) {
    return refused(error, settings);
  }
}

/**
 * The session a resuming HELLO of `identity` gets back: `previous`, the session its token names
 * (here, or claimed from another server), when it belongs to the HELLO's principal and can resume
 * over `connection`'s service and codec from the client's `received` count; it then sees the new
 * context. Else undefined, and the HELLO starts a fresh session: another principal's session
 * (a stolen token, a shared device) stays for its owner, any other is ended. Counted in `metrics`.
 */
export function resumable(
  previous: Session | undefined,
  identity: Identity & { readonly ok: true },
  connection: { readonly service: Service; readonly codec: Codec },
  received: number,
  metrics: ServerMetrics,
): Session | undefined {
  if (previous && !previous.belongsTo(identity.principal)) {
    metrics.resumesRefused++;
  } else if (previous?.canResume(connection.service, connection.codec, received)) {
    previous.replaceContext(identity.ctx);
    metrics.sessionsResumed++;
    return previous;
  } else {
    previous?.destroy();
  }
  metrics.resumesFailed++;
  return undefined;
}

function refused(error: unknown, settings: SessionSettings): Identity {
  const code = isRpcError(error) ? error.code : 'INTERNAL';
  if (code === 'UNAUTHENTICATED')
    return { ok: false, closeCode: CloseCode.UNAUTHENTICATED, reason: messageOf(error, 'unauthenticated') };
  if (code === 'PERMISSION_DENIED')
    return { ok: false, closeCode: CloseCode.FORBIDDEN, reason: messageOf(error, 'forbidden') };
  settings.reportError(error, 'context');
  return { ok: false, closeCode: CloseCode.INTERNAL_ERROR, reason: 'could not build the session context' };
}

function messageOf(error: unknown, fallback: string): string {
  return isRpcError(error) ? error.message : fallback;
}
