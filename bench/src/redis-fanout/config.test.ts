import { describe, expect, it } from 'vitest';
import { FD_HEADROOM } from '../limits.ts';
import { FANOUT_FULL, FANOUT_QUICK, fitSubscribers, parseFanoutArgs } from './config.ts';

describe('parseFanoutArgs', () => {
  it('takes the full configuration and every scenario by default, and ignores a forwarded --', () => {
    const options = parseFanoutArgs(['--']);
    expect(options.config).toEqual(FANOUT_FULL);
    expect(options.scenarios).toEqual(['paced', 'burst', 'publishers']);
    expect(options.setups).toBeUndefined();
    expect(options.out).toBeUndefined();
    expect(options.profile).toBeUndefined();
  });

  it('applies --quick, then the counts, setups, scenarios and output given', () => {
    const options = parseFanoutArgs([
      '--quick',
      '--reps=2',
      '--subscribers=40',
      '--items=80',
      '--setups=sb-redis-3',
      '--scenarios=publishers',
      '--out=x.json',
      '--profile=prof',
    ]);
    expect(options.config).toEqual({ ...FANOUT_QUICK, reps: 2, subscribers: 40, items: 80 });
    expect(options.setups).toEqual(['sb-redis-3']);
    expect(options.scenarios).toEqual(['publishers']);
    expect(options.out).toBe('x.json');
    expect(options.profile).toBe('prof');
  });

  it('rejects an unknown scenario or flag and a count that is not a positive integer', () => {
    expect(() => parseFanoutArgs(['--scenarios=burst,storm'])).toThrow(/storm/);
    expect(() => parseFanoutArgs(['--reps=0'])).toThrow(/--reps/);
    expect(() => parseFanoutArgs(['--items=1.5'])).toThrow(/--items/);
    expect(() => parseFanoutArgs(['--nodes=5'])).toThrow();
  });
});

describe('fitSubscribers', () => {
  it('leaves the configuration alone when every setup fits', () => {
    const config = { ...FANOUT_FULL };
    expect(fitSubscribers(config, 20_000, 6)).toBeUndefined();
    expect(fitSubscribers(config, undefined, 6)).toBeUndefined();
    expect(config.subscribers).toBe(FANOUT_FULL.subscribers);
  });

  it('lowers the subscribers so every setup fits under the open-files limit, and says so', () => {
    const config = { ...FANOUT_FULL };
    const warning = fitSubscribers(config, 1_024, 6);
    expect(config.subscribers).toBe(Math.floor((1_024 - FD_HEADROOM) / 6) - FANOUT_FULL.publishers);
    expect(warning).toContain('ulimit -n is 1024');
  });

  it('holds a process to 20,000 open files even when ulimit -n allows more', () => {
    const config = { ...FANOUT_FULL, subscribers: 5_000 };
    expect(fitSubscribers(config, Number.POSITIVE_INFINITY, 6)).toContain('subscribers lowered');
    expect(config.subscribers).toBe(Math.floor((20_000 - FD_HEADROOM) / 6) - FANOUT_FULL.publishers);
  });
});
