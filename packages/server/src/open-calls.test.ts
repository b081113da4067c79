import { describe, expect, it } from 'vitest';
import type { ServerCall } from './call/call.js';
import { OpenCalls } from './open-calls.js';

// OpenCalls reads nothing of a call but its stream id.
const call = (id: number): ServerCall => ({ id }) as ServerCall;

describe('OpenCalls', () => {
  it('finds, counts and forgets one call at a time', () => {
    const calls = new OpenCalls();
    for (let id = 1; id <= 3; id++) {
      const open = call(id);
      calls.add(open);
      expect(calls.size).toBe(1);
      expect(calls.get(id)).toBe(open);
      expect(calls.get(id + 1)).toBeUndefined();
      calls.delete(open);
      expect(calls.size).toBe(0);
      expect(calls.get(id)).toBeUndefined();
    }
  });

  it('keeps several open at once and lists them in the order they opened', () => {
    const calls = new OpenCalls();
    const [a, b, c, d] = [call(1), call(2), call(3), call(4)];
    calls.add(a);
    calls.add(b);
    calls.add(c);
    expect(calls.size).toBe(3);
    expect(calls.list()).toEqual([a, b, c]);
    // The first call ends; the next one takes its slot yet is listed after the older ones.
    calls.delete(a);
    calls.add(d);
    expect(calls.list()).toEqual([b, c, d]);
    expect(calls.get(4)).toBe(d);
    expect(calls.get(2)).toBe(b);
    calls.delete(c);
    expect(calls.list()).toEqual([b, d]);
    expect(calls.size).toBe(2);
  });

  it('ignores a call that is not open, and a second delete', () => {
    const calls = new OpenCalls();
    const a = call(1);
    calls.add(a);
    calls.delete(call(7));
    calls.delete(a);
    calls.delete(a);
    expect(calls.size).toBe(0);
    expect(calls.list()).toEqual([]);
  });

  it('lists a copy, so calls can end while it is walked', () => {
    const calls = new OpenCalls();
    const all = [call(1), call(2), call(3)];
    for (const open of all) calls.add(open);
    for (const open of calls.list()) calls.delete(open);
    expect(calls.size).toBe(0);
  });
});
