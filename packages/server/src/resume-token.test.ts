import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { newResumeToken, sameToken, sessionIdOf, TOKEN_LOOKUP_CHARS, tokenLookup } from './resume-token.js';

describe('resume tokens', () => {
  it('are 27 random bytes as base64url: a 12-character lookup part and a 144-bit secret', () => {
    const tokens = new Set(Array.from({ length: 1000 }, newResumeToken));
    expect(tokens.size).toBe(1000);
    for (const token of tokens) {
      expect(token).toMatch(/^[A-Za-z0-9_-]{36}$/);
      expect(Buffer.from(token, 'base64url')).toHaveLength(27);
    }
    const lookups = new Set([...tokens].map(tokenLookup));
    expect(lookups.size).toBe(1000);
    expect(tokenLookup('abcdefghijklmnop')).toHaveLength(TOKEN_LOOKUP_CHARS);
  });

  it('match only in full: another secret, a prefix or a longer string do not', () => {
    const token = newResumeToken();
    expect(sameToken(token, token)).toBe(true);
    expect(sameToken(`${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`, token)).toBe(false);
    expect(sameToken(token.slice(0, -1), token)).toBe(false);
    expect(sameToken(`${token}x`, token)).toBe(false);
    expect(sameToken('', token)).toBe(false);
  });

  it('give each session an id in UUID version 4 layout, the same for the same token, holding no part of it', () => {
    const tokens = Array.from({ length: 1000 }, newResumeToken);
    const ids = new Set(tokens.map(sessionIdOf));
    expect(ids.size).toBe(1000);
    for (const token of tokens.slice(0, 50)) {
      const id = sessionIdOf(token);
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(sessionIdOf(token)).toBe(id);
      expect(id).not.toContain(tokenLookup(token).toLowerCase());
      // Nothing of the verifier a handover stores (the token's plain SHA-256).
      const verifier = createHash('sha256').update(token).digest('hex');
      expect(verifier).not.toContain(id.replaceAll('-', '').slice(0, 12));
    }
  });

  it('derive the id from SHA-256 of a domain prefix and the token, so that servers of every version agree', () => {
    for (const token of Array.from({ length: 20 }, newResumeToken)) {
      const hex = createHash('sha256').update('switchboard.sessionId\n').update(token).digest('hex');
      const id = sessionIdOf(token).replaceAll('-', '');
      expect(id.slice(0, 12)).toBe(hex.slice(0, 12));
      expect(id.slice(13, 16)).toBe(hex.slice(13, 16));
      expect(id.slice(17)).toBe(hex.slice(17, 32));
    }
  });
});
