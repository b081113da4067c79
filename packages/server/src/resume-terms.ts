/**
 * Who may resume a session, and over which service and codec: one definition for a session live
 * on this server (`Session.belongsTo`, `Session.canResume`) and for a record moved from another
 * (`resumable` in session-state.ts). A live session is matched by its service and codec objects,
 * a record, which crossed a process, by their names: `TService` and `TCodec` say which. Whether
 * the client's position falls between kept entries is each side's own check, against what it keeps.
 */
export interface ResumeTerms<TService, TCodec> {
  /** The principal only a HELLO of which may resume the session (undefined: nobody may). */
  readonly principal: string | undefined;
  readonly service: TService;
  readonly codec: TCodec;
}

/**
 * Whether a HELLO whose context gave `principal` may resume a session of `owner`: only its own
 * principal may, and nobody may resume a session without one (a token alone is not enough).
 */
export function ownedBy(owner: string | undefined, principal: string | undefined): boolean {
  return owner !== undefined && principal === owner;
}

/** Whether a connection of `service` and `codec` is one `terms`' session can resume over. */
export function sameTerms<TService, TCodec>(
  terms: ResumeTerms<TService, TCodec>,
  service: TService,
  codec: TCodec,
): boolean {
  return terms.service === service && terms.codec === codec;
}
