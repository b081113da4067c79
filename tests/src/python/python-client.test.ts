import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createFaultProxy, type FaultProxy } from '@switchboard/fault-proxy';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHelloServer } from '../../../examples/hello/src/server.js';
import { startServer } from '../helpers.js';
import { pythonService } from './service.js';

// The Python client (clients/python) against the real server on loopback: pytest runs every
// procedure kind on both codecs, a 100,000-item stream to a slow consumer, and a resume through
// the fault proxy; mypy --strict checks the runtime and the generated packages. Debian's Python
// (scripts/run.mjs installs it and its packages where missing), never a python3 first on PATH.

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const clientDir = join(root, 'clients/python');
const PYTHON = '/usr/bin/python3';

/** Runs `args` with Debian's Python in clients/python; resolves with the exit code and output. */
function python(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; output: string }> {
  return new Promise((done, reject) => {
    const child = spawn(PYTHON, args, {
      cwd: clientDir,
      env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk;
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => done({ code, output }));
  });
}

describe('the Python client', () => {
  let server: Awaited<ReturnType<typeof startServer>> | undefined;
  let proxy: FaultProxy | undefined;
  let hello: Awaited<ReturnType<typeof startHelloServer>> | undefined;

  beforeAll(async () => {
    // Frequent heartbeats: every test runs under PINGs, and an idle client must answer them.
    server = await startServer({ services: pythonService(), limits: { heartbeatMs: 200, heartbeatTimeoutMs: 1000 } });
    hello = await startHelloServer();
    proxy = await createFaultProxy({ target: { port: server.port } });
    // Every proxied connection is cut after a random few frames (half of them inside a frame).
    proxy.cutRandomly({ seed: 20, meanFrames: 12, midFrameProbability: 0.5 });
  });

  afterAll(async () => {
    await proxy?.close();
    await server?.close({ deadlineMs: 0 });
    await hello?.close({ deadlineMs: 0 });
  });

  it('passes pytest against the live servers on json and msgpack, resume through the fault proxy included', async () => {
    const { code, output } = await python(['-m', 'pytest', '-q', '-p', 'no:cacheprovider', 'tests'], {
      SWITCHBOARD_URL: server?.url ?? '',
      SWITCHBOARD_PROXY_URL: proxy?.url('/') ?? '',
      SWITCHBOARD_HELLO_URL: hello?.url ?? '',
    });
    console.log(output.trim().split('\n').slice(-3).join('\n'));
    expect(output).not.toMatch(/skipped/);
    expect(code, output).toBe(0);
    // Through the proxy every connection was cut; the sessions resumed (none started over).
    const metrics = server?.server.metrics;
    expect(metrics?.sessionsResumed).toBeGreaterThanOrEqual(10);
  }, 120_000);

  it('type-checks with mypy --strict: the runtime, its tests and the generated packages', async () => {
    const generated = ['chat', 'cursors', 'hello', 'services'].map(
      (name) => `../../examples/${name}/src/generated/python/${name}_client`,
    );
    const { code, output } = await python(
      [
        '-m',
        'mypy',
        '--strict',
        '--cache-dir',
        join(tmpdir(), 'switchboard-mypy'),
        'switchboard_rt',
        'tests',
        ...generated,
      ],
      {
        MYPYPATH: `${clientDir}:${join(clientDir, 'tests/generated')}`,
      },
    );
    expect(code, output).toBe(0);
  }, 120_000);
});
