import { describe, expect, it } from 'vitest';
import {
  flood,
  hugeCreditThenDrop,
  manyEvents,
  nestedJson,
  refusedUpgradeThenReset,
  slowlorisUpgrade,
  unfinishedFragments,
} from './fuzz/attacks.js';
import { useServerChild } from './fuzz/child.js';
import { percentile } from './fuzz/harness.js';

/**
 * Issue 16's "Done when" scenario: 200 clients each doing one of seven attacks against one server
 * with default options, in its own process, while a healthy client makes sequential calls.
 *
 * It runs the issue's sizes: 2 × 16 MiB (the old maxFrameBytes) of unfinished fragments, which now
 * end with 1009 at maxFrameBytes + 1 KiB; 100,000 events with 1 KiB keys, which end with 4400 at
 * the first key over 128 bytes; 2 MB of nested JSON, which ends with 4413 or 1009; call floods,
 * which end with 4420; slowloris upgrades, which the upgrade timeout ends. `HOSTILE_MIX_REDUCED=1`
 * runs smaller sizes, for a quick look.
 */
const FULL = process.env.HOSTILE_MIX_REDUCED !== '1';
const CLIENTS = Number(process.env.HOSTILE_MIX_CLIENTS ?? 200);
/** How long the attackers that hold resources (fragments, slowloris, floods) keep at it. */
const ATTACK_MS = Number(process.env.HOSTILE_MIX_MS ?? 8000);
/** maxFrameBytes before issue 16 lowered it to 1 MiB: the attack holds twice that. */
const OLD_MAX_FRAME_BYTES = 16 * 1024 * 1024;
const SIZES = FULL
  ? { fragmentBytes: 2 * OLD_MAX_FRAME_BYTES - 1024 * 1024, events: 100_000, keyBytes: 1024, nestedDepth: 1_000_000 }
  : { fragmentBytes: 2 * 1024 * 1024, events: 2_000, keyBytes: 64, nestedDepth: 100_000 };
/**
 * The server's resident memory must stay under this (docs/guides/security.md names it). The
 * reduced mix measured a peak near 400 MiB from a baseline near 100 MiB: 2 MiB of unfinished
 * fragments on each of 29 connections, the results 28 floods left unacknowledged in their
 * sessions' retransmission buffers, and the rest's sessions and event keys. Override with
 * HOSTILE_MIX_RSS_MIB.
 */
const RSS_BOUND_MIB = Number(process.env.HOSTILE_MIX_RSS_MIB ?? 512);

const ATTACKS = [
  'refused upgrade + reset',
  'huge credit + drop',
  'unfinished fragments',
  'many events',
  'call flood',
  'nested JSON',
  'slowloris upgrade',
] as const;
type Attack = (typeof ATTACKS)[number];

describe('hostile mix: 200 attacking clients against one server with default options', () => {
  const setup = useServerChild();

  it('cannot stop a healthy client from getting every call answered, and server RSS stays bounded', {
    timeout: 120_000,
  }, async () => {
    const { server, healthy } = setup;
    const before = await server.figures();
    let peakRss = before.rss;
    let maxDelayMs = 0;
    const sampler = setInterval(() => {
      if (!server.alive) return;
      void server.figures().then((figures) => {
        peakRss = Math.max(peakRss, figures.rss);
        maxDelayMs = Math.max(maxDelayMs, figures.maxDelayMs);
      });
    }, 250);
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const outcomes = new Map<Attack, { done: number; failed: number; note: string[] }>(
      ATTACKS.map((attack) => [attack, { done: 0, failed: 0, note: [] }]),
    );
    const run = async (attack: Attack): Promise<void> => {
      const { url, port } = server;
      switch (attack) {
        case 'refused upgrade + reset':
          for (let i = 0; i < 20; i++) await refusedUpgradeThenReset(port);
          return;
        case 'huge credit + drop':
          return hugeCreditThenDrop(url);
        case 'unfinished fragments':
          return unfinishedFragments(port, SIZES.fragmentBytes, held);
        case 'many events': {
          const answered = await manyEvents(url, SIZES.events, SIZES.keyBytes);
          outcomes.get(attack)?.note.push(String(answered));
          return;
        }
        case 'call flood': {
          const result = await flood(url, ATTACK_MS);
          outcomes.get(attack)?.note.push(`${result.calls}/${result.closeCode}`);
          return;
        }
        case 'nested JSON': {
          const code = await nestedJson(url, SIZES.nestedDepth);
          outcomes.get(attack)?.note.push(String(code));
          return;
        }
        case 'slowloris upgrade':
          return slowlorisUpgrade(port, 500, held);
      }
    };

    healthy.start();
    const started = Date.now();
    const attackers = Array.from({ length: CLIENTS }, async (_, i) => {
      const attack = ATTACKS[i % ATTACKS.length] as Attack;
      const outcome = outcomes.get(attack) as { done: number; failed: number; note: string[] };
      try {
        await run(attack);
        outcome.done++;
      } catch (error) {
        outcome.failed++;
        outcome.note.push(String(error));
      }
    });
    setTimeout(release, ATTACK_MS);
    await Promise.all(attackers);
    const attackMs = Date.now() - started;
    // The healthy client goes on a little after the attack, then one more call must be answered.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await healthy.call()).toBe(true);
    clearInterval(sampler);
    const after = await server.figures();
    peakRss = Math.max(peakRss, after.rss);

    const mib = (bytes: number): string => (bytes / 2 ** 20).toFixed(0);
    const lines = [...outcomes].map(([attack, o]) => {
      const notes = o.note.length ? ` [${[...new Set(o.note)].slice(0, 6).join(', ')}]` : '';
      return `  ${attack}: ${o.done} done, ${o.failed} failed${notes}`;
    });
    console.log(
      [
        `[hostile-mix ${FULL ? 'full' : 'reduced'} sizes ${JSON.stringify(SIZES)}] ${CLIENTS} clients over ${attackMs} ms`,
        ...lines,
        `  healthy client: ${healthy.latencies.length} calls answered, ${healthy.failures.length} failed, ` +
          `p50 ${percentile(healthy.latencies, 50).toFixed(2)} ms, p99 ${percentile(healthy.latencies, 99).toFixed(2)} ms, ` +
          `max ${Math.max(...healthy.latencies).toFixed(0)} ms`,
        `  server rss: before ${mib(before.rss)} MiB, peak ${mib(peakRss)} MiB, after ${mib(after.rss)} MiB ` +
          `(bound ${RSS_BOUND_MIB} MiB); max event-loop delay ${maxDelayMs.toFixed(0)} ms`,
        `  server metrics: ${JSON.stringify(after.metrics)}`,
      ].join('\n'),
    );

    expect(server.alive).toBe(true);
    expect(after.errors).toEqual([]);
    expect(healthy.failures).toEqual([]);
    expect(healthy.latencies.length).toBeGreaterThan(0);
    expect(peakRss / 2 ** 20).toBeLessThan(RSS_BOUND_MIB);
  });
});
