import { type CodecName, DEFAULT_LIMITS, MessageType } from '@switchboard/protocol';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CODECS } from '../helpers.js';
import { RawPeer } from '../raw.js';
import { anyScript, type FuzzScript, frameOf } from './arbitraries.js';
import {
  CONNECTIONS_PER_RUN,
  documentedCloseCodes,
  FUZZ_RUNS,
  FUZZ_SEED,
  type FuzzTarget,
  pool,
  startTarget,
} from './harness.js';

/** Small enough that long strings cross it (4413) and twice it (1009, the transport's hard limit). */
const MAX_FRAME = 64 * 1024;
/** How long a fuzzing connection may go without the server either answering its probe or closing it. */
const PROBE_DEADLINE_MS = 20_000;

interface Outcome {
  /** The close code the connection saw; 1006 when it ended without a close frame. */
  readonly code: number | undefined;
  /** The script never got an answer to its probe nor a close: the server hung on it. */
  readonly hung: boolean;
  /** The upgrade was refused with HTTP 503 (load shedding, once the server sheds load). */
  readonly shed?: boolean;
}

/** Plays one script on a fresh connection and reports how the server ended it. */
async function play(target: FuzzTarget, codec: CodecName, script: FuzzScript, maxBatch: number): Promise<Outcome> {
  const peer = new RawPeer(target.url, codec);
  let code: number | undefined;
  void peer.closed.then((closed) => {
    code = closed.code;
  });
  try {
    await peer.opened;
  } catch (error) {
    if (String(error).includes('503')) return { code: undefined, hung: false, shed: true };
    throw error;
  }
  if (script.hello === 'first') await peer.hello();
  for (const [i, frame] of script.frames.entries()) {
    if (peer.socket.readyState !== peer.socket.OPEN) break;
    if (i === 0 && script.hello === 'in-batch' && frame.kind === 'batch') {
      peer.sendFrame(
        frameOf(codec, { kind: 'batch', messages: [[MessageType.HELLO, null, null, 0], ...frame.messages] }, maxBatch),
      );
    } else {
      peer.sendFrame(frameOf(codec, frame, maxBatch));
    }
  }
  // A PING after the frames: answered with PONG when the server processed them all and kept the
  // connection, or the connection closes (a PING before WELCOME closes it with 4425). Either way
  // the server dealt with every frame.
  const pongs = (): number => peer.received.filter((message) => message[0] === MessageType.PONG).length;
  const before = pongs();
  let hung = false;
  if (peer.socket.readyState === peer.socket.OPEN) {
    peer.sendFrame(frameOf(codec, { kind: 'batch', messages: [[MessageType.PING, 0]] }, maxBatch));
    const timer = setTimeout(() => {
      hung = true;
      peer.socket.terminate();
    }, PROBE_DEADLINE_MS);
    await peer.until(() => pongs() > before);
    clearTimeout(timer);
  }
  if (script.leave === 'close') peer.socket.close(1000);
  else peer.socket.terminate();
  await peer.closed;
  return { code, hung };
}

describe.each(CODECS)('fuzzing protocol frames over %s', (codec) => {
  let target: FuzzTarget;
  const documented = documentedCloseCodes();
  const seen = new Map<number | undefined, number>();
  beforeAll(async () => {
    target = await startTarget(codec === 'json' ? 'msgpackr' : 'json', { limits: { maxFrameBytes: MAX_FRAME } });
  });
  afterAll(async () => {
    await target.close();
    console.log(
      `[fuzz ${codec}] close codes seen: ${JSON.stringify(Object.fromEntries(seen))}; ` +
        `healthy calls ${target.healthy.latencies.length}, failed ${target.healthy.failures.length}; ` +
        `server ${JSON.stringify(target.metrics())}`,
    );
  });

  it('never crashes, closes only with documented codes, and answers a healthy client throughout', async () => {
    target.healthy.start();
    const maxBatch = DEFAULT_LIMITS.maxBatch;
    await fc.assert(
      fc.asyncProperty(
        fc.array(anyScript(codec), { minLength: CONNECTIONS_PER_RUN, maxLength: CONNECTIONS_PER_RUN }),
        async (scripts) => {
          const outcomes: Outcome[] = [];
          await pool(scripts, CONNECTIONS_PER_RUN, async (script) => {
            outcomes.push(await play(target, codec, script, maxBatch));
          });
          const served = outcomes.filter((outcome) => !outcome.shed);
          for (const { code } of served) seen.set(code, (seen.get(code) ?? 0) + 1);
          expect(served.filter((outcome) => outcome.hung)).toEqual([]);
          expect(served.map((outcome) => outcome.code).filter((code) => !documented.has(code as number))).toEqual([]);
          expect(target.uncaught).toEqual([]);
          expect(target.unexpectedErrors).toEqual([]);
          expect(target.healthy.failures).toEqual([]);
        },
      ),
      { numRuns: FUZZ_RUNS, seed: FUZZ_SEED + CODECS.indexOf(codec), endOnFailure: true },
    );
    // After the fuzzing too: one more call, answered.
    expect(await target.healthy.call()).toBe(true);
    expect(target.healthy.failures).toEqual([]);
    expect(target.healthy.latencies.length).toBeGreaterThan(FUZZ_RUNS);
  });
});
