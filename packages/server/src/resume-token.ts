import * as crypto from 'node:crypto';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

// A resume token is a lookup part (how the server finds the session) followed by a secret part
// (144 random bits, compared in constant time): knowing or guessing the lookup part is not enough.
const LOOKUP_BYTES = 9;
const SECRET_BYTES = 18;
const TOKEN_BYTES = LOOKUP_BYTES + SECRET_BYTES;
/** Characters of a resume token that look its session up (base64url of 9 bytes). */
export const TOKEN_LOOKUP_CHARS = (LOOKUP_BYTES / 3) * 4;

let pool: Buffer | undefined;
let offset = 0;

/** 27 random bytes as base64url, drawn from a pool refilled by the CSPRNG once per 128 tokens. */
export function newResumeToken(): string {
  if (pool === undefined || offset + TOKEN_BYTES > pool.length) {
    pool = randomBytes(TOKEN_BYTES * 128);
    offset = 0;
  }
  const token = pool.toString('base64url', offset, offset + TOKEN_BYTES);
  pool.fill(0, offset, offset + TOKEN_BYTES);
  offset += TOKEN_BYTES;
  return token;
}

/** The part of `token` a session is looked up by. */
export function tokenLookup(token: string): string {
  return token.slice(0, TOKEN_LOOKUP_CHARS);
}

/** Whether `offered` is `expected`, compared in constant time. */
export function sameToken(offered: string, expected: string): boolean {
  const a = Buffer.from(offered, 'latin1');
  const b = Buffer.from(expected, 'latin1');
  return a.length === b.length && timingSafeEqual(a, b);
}

// Hashed before the token, so that an id shares nothing with the token's plain SHA-256, the
// verifier a handover stores (session-state.ts).
const SESSION_ID_DOMAIN = 'switchboard.sessionId\n';

// SHA-256 of a string as hex: the one-shot `crypto.hash` (Node 20.12 and later), half the CPU of
// a `Hash` object made and fed for one digest; `createHash` on older Node 20 releases. Read from
// the namespace: a named import of `hash` would fail to link on those.
const oneShotHash: typeof crypto.hash | undefined = crypto.hash;
const sha256Hex = (text: string): string =>
  oneShotHash !== undefined ? oneShotHash('sha256', text, 'hex') : createHash('sha256').update(text).digest('hex');

/**
 * The id of the session `token` resumes: a UUID (version 4 layout) cut from a SHA-256 of the
 * token, so that a session holds no id string beside its token. It says nothing of the token
 * (neither its lookup part nor its secret) or of its handover verifier, and it is as unique as
 * tokens are.
 */
export function sessionIdOf(token: string): string {
  const hex = sha256Hex(SESSION_ID_DOMAIN + token);
  const variant = ((Number.parseInt(hex.charAt(16), 16) & 3) | 8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
