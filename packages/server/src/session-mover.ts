import { type Codec, RpcError } from '@switchboard/protocol';
import { environmentOf, type SessionSettings } from './call/environment.js';
import type { SessionHandover } from './handover.js';
import { sameToken, tokenLookup } from './resume-token.js';
import type { Service } from './service.js';
import { Session } from './session.js';
import {
  decodeRecord,
  encodeRecord,
  resumable,
  type SessionRecord,
  settleForMove,
  tokenVerifier,
  verifies,
} from './session-state.js';

const MOVED = new RpcError('SESSION_MOVED', 'the session moved to another server');

/** A record found under a lookup, whose verifier the presented token matched. */
interface Found {
  readonly bytes: Uint8Array;
  readonly record: SessionRecord;
}

/**
 * One server's side of a {@link SessionHandover}: it moves this server's sessions out (on drain,
 * or when another server asks for one) and claims sessions other servers gave up, for a HELLO
 * that presents a token this server does not know.
 */
export class SessionMover {
  constructor(
    private readonly handover: SessionHandover,
    private readonly settings: SessionSettings,
    private readonly requestTimeoutMs: number,
  ) {}

  /**
   * Gives `session` up: what cannot move settles (session-state.ts), the rest is offered for the
   * resume window, and the session ends here (`sessionLost` with SESSION_MOVED). With `closeLink`
   * the connection it is attached to closes (4440, as for a takeover); a draining server closes
   * its connections itself. Resolves false, counted in `metrics.handoverFailures` and reported to
   * `onError`, when the offer failed: the session is then lost as without a handover.
   */
  async moveOut(session: Session, closeLink: boolean): Promise<boolean> {
    const ttlMs = this.settings.limits.resumeWindowMs;
    if (session.destroyed || session.principal === undefined || ttlMs <= 0) return false;
    const record = settleForMove(session);
    const link = session.link;
    if (closeLink && link) {
      session.link = undefined;
      link.takenOver();
    }
    session.destroy(MOVED);
    try {
      await this.handover.offer(tokenLookup(session.resumeToken), encodeRecord(record), ttlMs);
      this.settings.metrics.sessionsHandedOver++;
      return true;
    } catch (error) {
      this.settings.metrics.handoverFailures++;
      this.settings.reportError(error, 'handover');
      return false;
    }
  }

  /**
   * The session `token` names, moved here from another server, for a HELLO of `principal` on a
   * connection of `service` and `codec` whose client received `received`: an offered record is
   * checked against the token (constant time) and the HELLO before it is claimed; when none was
   * offered, the live holder is asked for it (`handoverTimeoutMs`). Undefined when there is
   * nothing to resume (a dead holder, a wrong token, another principal, a failing handover).
   */
  async claim(
    token: string,
    service: Service,
    codec: Codec,
    ctx: unknown,
    principal: string | undefined,
    received: number,
  ): Promise<Session | undefined> {
    const lookup = tokenLookup(token);
    try {
      let found = await this.find(lookup, token);
      if (found === undefined) {
        if (principal === undefined) return undefined;
        const request = { lookup, verifier: tokenVerifier(token), principal };
        if (!(await this.handover.request(request, this.requestTimeoutMs))) return undefined;
        found = await this.find(lookup, token);
      }
      if (!found || !resumable(found.record, service, codec, principal, received)) return undefined;
      if (!(await this.handover.claim(lookup, found.bytes))) return undefined;
      const { record } = found;
      const env = environmentOf(service, this.settings);
      const session = new Session(env, codec, ctx, record.principal, record.id, token);
      session.outbox.restore(record.base, record.entries);
      session.inbox.restore(record.received, record.lastStreamId);
      this.settings.metrics.sessionsClaimed++;
      return session;
    } catch (error) {
      this.settings.metrics.handoverFailures++;
      this.settings.reportError(error, 'handover');
      return undefined;
    }
  }

  /**
   * Answers other servers' requests for this server's sessions, found by `find`: a session is
   * given up only to a request whose verifier is its token's (compared in constant time) and
   * whose principal is its own.
   */
  serve(find: (lookup: string) => Session | undefined): () => void {
    return this.handover.serve(async ({ lookup, verifier, principal }) => {
      const session = find(lookup);
      if (session === undefined || !sameToken(verifier, tokenVerifier(session.resumeToken))) return false;
      if (!session.belongsTo(principal)) return false;
      return this.moveOut(session, true);
    });
  }

  /** The record under `lookup` if `token` is its token; `null` when one is there for another token. */
  private async find(lookup: string, token: string): Promise<Found | null | undefined> {
    const bytes = await this.handover.peek(lookup);
    if (bytes === undefined) return undefined;
    const record = decodeRecord(bytes);
    return record !== undefined && verifies(record, token) ? { bytes, record } : null;
  }
}
