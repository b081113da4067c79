import { codecFor, DEFAULT_LIMITS, type Limits, msg, Outbox } from '@switchboard/protocol';
import { describe, expect, it } from 'vitest';
import { newResumeToken, sessionIdOf } from './resume-token.js';
import { writeWelcome } from './welcome.js';

function written(codecName: 'json' | 'msgpack' | 'msgpackr', write: (outbox: Outbox) => void): unknown[] {
  const outbox = new Outbox({ codec: codecFor(codecName) });
  const frames: unknown[] = [];
  outbox.attach((frame) => frames.push(typeof frame === 'string' ? frame : Buffer.from(frame).toString('hex')));
  write(outbox);
  return frames;
}

describe('writeWelcome', () => {
  it('takes ids and tokens that fit its template: 36 characters that JSON writes as they are', () => {
    for (let i = 0; i < 300; i++) {
      const token = newResumeToken();
      expect(token).toMatch(/^[\w-]{36}$/);
      expect(sessionIdOf(token)).toMatch(/^[\w-]{36}$/);
    }
  });

  const limits: Limits = { ...DEFAULT_LIMITS, maxStreams: 77 };

  for (const codec of ['json', 'msgpack', 'msgpackr'] as const) {
    it(`writes a new session's WELCOME in ${codec} as encoding it would, at once and alone in its frame`, () => {
      for (let i = 0; i < 3; i++) {
        const token = newResumeToken();
        const id = sessionIdOf(token);
        const expected = written(codec, (outbox) => {
          outbox.push(msg.welcome(id, token, false, 0, limits));
          outbox.flush();
        });
        expect(written(codec, (outbox) => writeWelcome(outbox, id, token, false, 0, limits))).toEqual(expected);
      }
    });

    it(`encodes a resumed session's WELCOME, and one with other ids, in ${codec}`, () => {
      for (const [id, resumed, received] of [
        ['6f1c1d8e-0a51-4a7e-9c1e-2f0c5f3b8a11', true, 12],
        ['moved-from-an-older-server', false, 0],
      ] as const) {
        const token = newResumeToken();
        const expected = written(codec, (outbox) => {
          outbox.push(msg.welcome(id, token, resumed, received, limits));
          outbox.flush();
        });
        expect(written(codec, (outbox) => writeWelcome(outbox, id, token, resumed, received, limits))).toEqual(
          expected,
        );
      }
    });
  }
});
