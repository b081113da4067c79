import { describe, expect, it } from 'vitest';
import { FD_HEADROOM, fitConnections } from './limits.ts';

describe('fitConnections', () => {
  it('keeps the wanted count when every set fits, or when the limit is unknown', () => {
    expect(fitConnections(2_000, 20_000)).toEqual({ count: 2_000 });
    expect(fitConnections(200, 200 * 8 + FD_HEADROOM, 8)).toEqual({ count: 200 });
    expect(fitConnections(200, undefined, 8)).toEqual({ count: 200 });
  });

  it('shares what the limit leaves equally among the sets, and says how to raise it', () => {
    const fit = fitConnections(200, 1_024, 8);
    expect(fit.count).toBe(Math.floor((1_024 - FD_HEADROOM) / 8));
    expect(fit.warning).toContain('8 sets of 200 connections');
    expect(fit.warning).toContain('ulimit -n 4096');
    expect(fitConnections(2_000, 1_024).count).toBe(1_024 - FD_HEADROOM);
  });
});
