import { describe, expect, it } from 'vitest';
import { BracketedSamples, bracketedOrder, type Figures } from './schedule.ts';

const figures = (deliveriesPerSecond: number, p50Ms = 1, p99Ms = 2): Figures => ({
  deliveriesPerSecond,
  p50Ms,
  p99Ms,
  serverCpuUs: 4,
  clientCpuUs: 9,
});

describe('bracketedOrder', () => {
  it('runs the baseline first, after every two other setups and last', () => {
    expect(bracketedOrder(['b', 'x', 'y', 'z'], 'b')).toEqual(['b', 'x', 'y', 'b', 'z', 'b']);
    expect(bracketedOrder(['b', 'x', 'y', 'z', 'w'], 'b')).toEqual(['b', 'x', 'y', 'b', 'z', 'w', 'b']);
    expect(bracketedOrder(['b'], 'b')).toEqual(['b']);
  });
});

describe('BracketedSamples', () => {
  it('pairs each run with the geometric mean of the baseline runs around it, per repetition', () => {
    const samples = new BracketedSamples('b');
    for (const [id, value] of [
      ['b', 100],
      ['x', 50],
      ['b', 400],
    ] as const)
      samples.add(id, figures(value, value / 10));
    samples.nextRepetition();
    for (const [id, value] of [
      ['b', 90],
      ['x', 45],
      ['b', 90],
    ] as const)
      samples.add(id, figures(value));
    const x = samples.metrics('x');
    expect(x?.deliveriesPerSecond).toEqual({ median: 47.5, samples: [50, 45], pairedBaseline: [200, 90] });
    expect(x?.p50Ms.pairedBaseline).toEqual([20, 1]);
    expect(x?.serverCpuUs.pairedBaseline).toEqual([4, 4]);
    const b = samples.metrics('b');
    expect(b?.deliveriesPerSecond.samples).toEqual([100, 400, 90, 90]);
    expect(b?.deliveriesPerSecond.pairedBaseline).toBeUndefined();
  });

  it('does not pair a run left without a closing baseline run, and knows nothing of a setup never run', () => {
    const samples = new BracketedSamples('b');
    samples.add('b', figures(100));
    samples.add('x', figures(50));
    samples.nextRepetition();
    samples.add('b', figures(100));
    expect(samples.metrics('x')?.deliveriesPerSecond).toEqual({ median: 50, samples: [50] });
    expect(samples.metrics('y')).toBeUndefined();
  });
});
