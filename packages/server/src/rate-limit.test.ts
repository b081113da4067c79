import { CloseCode, ProtocolViolation } from '@switchboard/protocol';
import { describe, expect, it } from 'vitest';
import { DEFAULT_RATE_LIMITS } from './defaults.js';
import { RateLimiter, type RateLimits } from './rate-limit.js';

/** A limiter on a clock the test moves, with its refusal counter. */
function limiter(limits: Partial<RateLimits> = {}) {
  const clock = { now: 1_000_000 };
  const metrics = { rateLimited: 0 };
  const rl = new RateLimiter({ ...DEFAULT_RATE_LIMITS, ...limits }, metrics, () => clock.now);
  return { rl, clock, metrics };
}

/** How many of `n` CALLs in a row are admitted. */
function admitted(rl: RateLimiter, session: object, principal: string | undefined, n: number): number {
  let count = 0;
  for (let i = 0; i < n; i++) if (rl.admit(session, principal) === 0) count++;
  return count;
}

describe('RateLimiter', () => {
  it('admits a burst, then refuses with the ms until the next token, and refills at the rate', () => {
    const { rl, clock, metrics } = limiter({ perSession: { perSecond: 10, burst: 5 }, perPrincipal: false });
    const session = {};
    expect(admitted(rl, session, 'alice', 5)).toBe(5);
    expect(rl.admit(session, 'alice')).toBe(100);
    expect(metrics.rateLimited).toBe(1);
    clock.now += 40;
    expect(rl.admit(session, 'alice')).toBe(60);
    clock.now += 60;
    expect(rl.admit(session, 'alice')).toBe(0);
    clock.now += 10_000;
    expect(admitted(rl, session, 'alice', 10)).toBe(5);
  });

  it('gives each session its own bucket', () => {
    const { rl } = limiter({ perSession: { perSecond: 1, burst: 3 }, perPrincipal: false });
    expect(admitted(rl, {}, undefined, 10)).toBe(3);
    expect(admitted(rl, {}, undefined, 10)).toBe(3);
  });

  it('shares the principal bucket across its sessions, and gives back the session token it refused', () => {
    const { rl, clock } = limiter({ perSession: { perSecond: 1, burst: 4 }, perPrincipal: { perSecond: 1, burst: 6 } });
    const [a, b, c] = [{}, {}, {}];
    expect(admitted(rl, a, 'bob', 4)).toBe(4);
    expect(admitted(rl, b, 'bob', 4)).toBe(2);
    // b's refused CALLs did not spend its own tokens: with the principal refilled, it has 2 left.
    clock.now += 10_000;
    expect(admitted(rl, b, 'bob', 4)).toBe(4);
    expect(admitted(rl, c, 'carol', 4)).toBe(4);
  });

  it('does not share a bucket among sessions without a principal or of the anonymous one', () => {
    const { rl } = limiter({ perSession: { perSecond: 1, burst: 4 }, perPrincipal: { perSecond: 1, burst: 1 } });
    expect(admitted(rl, {}, undefined, 4) + admitted(rl, {}, undefined, 4)).toBe(8);
    expect(admitted(rl, {}, '', 4) + admitted(rl, {}, '', 4)).toBe(8);
    expect(rl.principalCount).toBe(0);
  });

  it('closes a flood with 4420: more than floodRefusals refusals within a second', () => {
    const { rl, clock } = limiter({ perSession: { perSecond: 1, burst: 1 }, perPrincipal: false, floodRefusals: 3 });
    const session = {};
    expect(admitted(rl, session, undefined, 4)).toBe(1);
    // A second later the window starts over: three more refusals are allowed.
    clock.now += 1000;
    expect(admitted(rl, session, undefined, 4)).toBe(1);
    let thrown: unknown;
    try {
      rl.admit(session, undefined);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ProtocolViolation);
    expect((thrown as ProtocolViolation).closeCode).toBe(CloseCode.RATE_LIMITED);
  });

  it('forgets the buckets of principals that are full again, at most once a minute', () => {
    const { rl, clock } = limiter({ perSession: false, perPrincipal: { perSecond: 1, burst: 2 } });
    for (let i = 0; i < 100; i++) rl.admit({}, `user${i}`);
    expect(rl.principalCount).toBe(100);
    clock.now += 60_000;
    rl.admit({}, 'late');
    expect(rl.principalCount).toBe(1);
  });

  it('admits everything when both buckets are off', () => {
    const { rl } = limiter({ perSession: false, perPrincipal: false, floodRefusals: 0 });
    expect(admitted(rl, {}, 'alice', 100_000)).toBe(100_000);
  });
});
