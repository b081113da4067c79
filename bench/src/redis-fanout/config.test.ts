import { describe, expect, it } from 'vitest';
import { FD_HEADROOM } from '../limits.ts';
import { FANOUT_FULL, FANOUT_QUICK, parseFanoutArgs } from './config.ts';

describe('parseFanoutArgs', () => {
  it('takes the full configuration and both scenarios by default, and ignores a forwarded --', () => {
    const options = parseFanoutArgs(['--'], 20_000, 6);
    expect(options.config).toEqual(FANOUT_FULL);
    expect(options.scenarios).toEqual(['paced', 'burst', 'publishers']);
    expect(options.setups).toBeUndefined();
    expect(options.warnings).toEqual([]);
  });

  it('applies --quick, then the counts, setups, scenarios and output given', () => {
    const options = parseFanoutArgs(
      [
        '--quick',
        '--reps=2',
        '--subscribers=40',
        '--items=80',
        '--setups=sb-redis-3',
        '--scenarios=publishers',
        '--out=x.json',
      ],
      20_000,
      2,
    );
    expect(options.config).toEqual({ ...FANOUT_QUICK, reps: 2, subscribers: 40, items: 80 });
    expect(options.setups).toEqual(['sb-redis-3']);
    expect(options.scenarios).toEqual(['publishers']);
    expect(options.out).toBe('x.json');
  });

  it('rejects an unknown scenario and a count that is not a positive integer', () => {
    expect(() => parseFanoutArgs(['--scenarios=burst,storm'], 20_000, 6)).toThrow(/storm/);
    expect(() => parseFanoutArgs(['--reps=0'], 20_000, 6)).toThrow(/--reps/);
    expect(() => parseFanoutArgs(['--items=1.5'], 20_000, 6)).toThrow(/--items/);
  });

  it('lowers the subscribers so every setup fits under the open-files limit, and says so', () => {
    const options = parseFanoutArgs([], 1_024, 6);
    const perSetup = Math.floor((1_024 - FD_HEADROOM) / 6);
    expect(options.config.subscribers).toBe(perSetup - FANOUT_FULL.publishers);
    expect(options.warnings[0]).toContain('ulimit -n is 1024');
  });

  it('holds a process to 20,000 open files even when ulimit -n allows more', () => {
    const options = parseFanoutArgs(['--subscribers=5000'], Number.POSITIVE_INFINITY, 6);
    const perSetup = Math.floor((20_000 - FD_HEADROOM) / 6);
    expect(options.config.subscribers).toBe(perSetup - FANOUT_FULL.publishers);
    expect(options.warnings).toHaveLength(1);
  });
});
