import { afterEach, describe, expect, it, vi } from 'vitest';
import { Heartbeat, type HeartbeatTarget, PING_SLICE } from './heartbeat.js';

class Target implements HeartbeatTarget {
  readonly pings: number[] = [];
  readonly checks: number[] = [];
  ping(round: number): void {
    this.pings.push(round);
  }
  checkPong(round: number): void {
    this.checks.push(round);
  }
}

afterEach(() => {
  vi.useRealTimers();
});

describe('Heartbeat', () => {
  it('pings every target each heartbeatMs and checks each round heartbeatTimeoutMs later', () => {
    vi.useFakeTimers();
    const targets = new Set([new Target(), new Target()]);
    const heartbeat = new Heartbeat(targets, 100, 30);
    heartbeat.start();
    heartbeat.start();
    vi.advanceTimersByTime(99);
    for (const target of targets) expect(target.pings).toEqual([]);
    vi.advanceTimersByTime(1);
    for (const target of targets) expect(target.pings).toEqual([1]);
    vi.advanceTimersByTime(30);
    for (const target of targets) expect(target.checks).toEqual([1]);
    vi.advanceTimersByTime(170);
    for (const target of targets) {
      expect(target.pings).toEqual([1, 2, 3]);
      expect(target.checks).toEqual([1, 2]);
    }
    heartbeat.stop();
    vi.advanceTimersByTime(1000);
    for (const target of targets) expect(target.pings).toEqual([1, 2, 3]);
  });

  it('pings a round one slice per turn of the event loop and checks it after its last PING', async () => {
    vi.useFakeTimers();
    const targets = new Set(Array.from({ length: PING_SLICE * 2 + 1 }, () => new Target()));
    const heartbeat = new Heartbeat(targets, 100, 30);
    heartbeat.start();
    vi.advanceTimersByTime(100);
    const pinged = () => [...targets].filter((target) => target.pings.length === 1).length;
    expect(pinged()).toBe(PING_SLICE);
    // A target that closes before its slice is skipped; one that opens meanwhile is reached.
    const [, , ...rest] = targets;
    const gone = rest.at(-1) as Target;
    targets.delete(gone);
    const late = new Target();
    targets.add(late);
    await vi.advanceTimersToNextTimerAsync();
    expect(pinged()).toBe(PING_SLICE * 2);
    await vi.advanceTimersToNextTimerAsync();
    expect(pinged()).toBe(PING_SLICE * 2 + 1);
    expect(late.pings).toEqual([1]);
    expect(gone.pings).toEqual([]);
    vi.advanceTimersByTime(29);
    expect(late.checks).toEqual([]);
    vi.advanceTimersByTime(1);
    for (const target of targets) expect(target.checks).toEqual([1]);
    heartbeat.stop();
  });

  it('reaches targets added after it started, and does nothing when heartbeats are off', () => {
    vi.useFakeTimers();
    const targets = new Set<Target>();
    const heartbeat = new Heartbeat(targets, 50, 10);
    heartbeat.start();
    const late = new Target();
    targets.add(late);
    vi.advanceTimersByTime(50);
    expect(late.pings).toEqual([1]);
    heartbeat.stop();

    const off = new Heartbeat(targets, 0, 10);
    off.start();
    vi.advanceTimersByTime(1000);
    expect(late.pings).toEqual([1]);
  });
});
