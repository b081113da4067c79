#!/usr/bin/env node
// The README's two commands go through this script so that a fresh clone needs only Node 20
// and npm: it finds pnpm 10 (or runs it through npx), installs the workspace from the lockfile,
// provides what the tests use beyond npm (Debian's Chromium for the browser test, a Redis server
// for the backplane tests, Debian's Python 3 with websockets, msgpack, pytest and mypy for the
// Python client's tests) where the machine lacks it, then runs the task.
// Usage: node scripts/run.mjs <test|demo|bench|example <name> [test]>
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const task = process.argv[2] ?? 'test';
const env = { ...process.env, TURBO_TELEMETRY_DISABLED: '1', DO_NOT_TRACK: '1' };

function log(message) {
  console.log(`[switchboard] ${message}`);
}

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: 'inherit', cwd: root, env, ...options });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

function works(command, args) {
  try {
    return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], env }).trim();
  } catch {
    return undefined;
  }
}

function pnpm() {
  const version = works('pnpm', ['--version']);
  if (version?.startsWith('10.')) return ['pnpm'];
  log('pnpm 10 not found: running it through npx');
  return ['npx', '--yes', 'pnpm@10.34.9'];
}

function apt(packages) {
  if (process.platform !== 'linux' || !works('apt-get', ['--version'])) return false;
  const asRoot = (args) => (process.getuid?.() === 0 ? ['apt-get', args] : ['sudo', ['-n', 'apt-get', ...args]]);
  log(`installing ${packages.join(' ')} with apt-get`);
  const aptEnv = { ...env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [
    ['update', '-qq'],
    ['install', '-y', '-qq', ...packages],
  ]) {
    const [command, full] = asRoot(args);
    if (spawnSync(command, full, { stdio: 'inherit', env: aptEnv }).status !== 0) return false;
  }
  return true;
}

function ensureChromium() {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'];
  if (candidates.some((path) => path && existsSync(path))) return;
  if (!apt(['chromium'])) log('chromium is not installed: the browser tests will be reported as failed');
}

// The Python client's tests run Debian's interpreter (not a pyenv or venv python3 first on PATH),
// with its packages of the libraries they need: each installed where its module is missing.
const PYTHON = '/usr/bin/python3';
const PYTHON_PACKAGES = {
  websockets: 'python3-websockets',
  msgpack: 'python3-msgpack',
  pytest: 'python3-pytest',
  mypy: 'mypy',
};

function ensurePython() {
  const hasPython = existsSync(PYTHON);
  const missing = Object.entries(PYTHON_PACKAGES)
    .filter(([module]) => !hasPython || spawnSync(PYTHON, ['-c', `import ${module}`], { stdio: 'ignore' }).status !== 0)
    .map(([, pkg]) => pkg);
  if (missing.length === 0) return;
  if (!apt([...(hasPython ? [] : ['python3']), ...missing]))
    log(`${missing.join(', ')} could not be installed: the Python client tests will be reported as failed`);
}

// Answers whether a Redis server replies to PING on 127.0.0.1:6379 within two seconds.
const PING_REDIS = `
const socket = require('node:net').connect(6379, '127.0.0.1');
const fail = () => process.exit(1);
socket.setTimeout(2000, fail).on('error', fail).on('connect', () => socket.write('PING\\r\\n'));
socket.on('data', (data) => process.exit(String(data).startsWith('+PONG') ? 0 : 1));
`;

function redisAnswers() {
  return spawnSync(process.execPath, ['-e', PING_REDIS], { stdio: 'ignore' }).status === 0;
}

// The Redis backplane tests use REDIS_URL, or a Redis server on 127.0.0.1:6379, started here
// (Debian's redis-server, without persistence) when nothing answers there.
function ensureRedis() {
  if (process.env.REDIS_URL || redisAnswers()) return;
  if (!works('redis-server', ['--version']) && !apt(['redis-server'])) {
    log('no Redis on 127.0.0.1:6379 and redis-server could not be installed: the Redis tests will fail');
    return;
  }
  log('starting redis-server on 127.0.0.1:6379');
  spawnSync('redis-server', ['--daemonize', 'yes', '--port', '6379', '--bind', '127.0.0.1', '--save', ''], {
    stdio: 'inherit',
  });
  for (let attempt = 0; attempt < 50 && !redisAnswers(); attempt++) spawnSync('sleep', ['0.1']);
  if (!redisAnswers()) log('redis-server did not answer on 127.0.0.1:6379: the Redis tests will fail');
}

/**
 * Runs an example's `src/main.ts` with Node and tsx, directly rather than through
 * `pnpm --filter … start`: Ctrl-C then reaches one process, which closes its servers and exits 0,
 * and no package manager reports the interrupt as a failure. This script waits for it and exits
 * with its code.
 */
function startExample(name) {
  const dir = join(root, 'examples', name);
  if (!existsSync(join(dir, 'src', 'main.ts'))) {
    console.error(`no example ${name}: use one of ${examples().join(', ')}`);
    process.exit(2);
  }
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { stdio: 'inherit', cwd: dir, env });
  // A terminal's Ctrl-C reaches the example too (one process group); a signal sent to this
  // script alone is passed on. The example stops once, however many arrive.
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 0 : 1)));
}

/** The examples that run (those with a `src/main.ts`; browser-kit is a library the others share). */
function examples() {
  return readdirSync(join(root, 'examples')).filter((name) =>
    existsSync(join(root, 'examples', name, 'src', 'main.ts')),
  );
}

const pm = pnpm();
const [bin, ...prefix] = pm;
log(`installing the workspace (${pm.join(' ')} install --frozen-lockfile)`);
run(bin, [...prefix, 'install', '--frozen-lockfile']);

if (task === 'test') {
  ensureChromium();
  ensureRedis();
  ensurePython();
  rmSync(join(root, 'test-artifacts', 'vitest.json'), { force: true });
  const check = spawnSync(bin, [...prefix, 'run', 'check'], { stdio: 'inherit', cwd: root, env });
  const report = join(root, 'test-artifacts', 'vitest.json');
  if (existsSync(report)) {
    // One plain closing line, whatever the runner printed above.
    const { numPassedTests, numFailedTests, numPendingTests } = JSON.parse(readFileSync(report, 'utf8'));
    console.log(`${numPassedTests} passed, ${numFailedTests} failed, ${numPendingTests} skipped`);
  }
  process.exit(check.status ?? 1);
} else if (task === 'demo') {
  startExample('cursors');
} else if (task === 'example') {
  const [name, action = 'start'] = process.argv.slice(3);
  if (!name || !['start', 'test'].includes(action)) {
    console.error(`usage: npm run example -- <${examples().join('|')}> [test]`);
    process.exit(2);
  }
  if (action === 'test') run(bin, [...prefix, 'exec', 'vitest', 'run', `examples/${name}/`]);
  else startExample(name);
} else if (task === 'bench') {
  run(bin, [...prefix, 'run', 'bench:run', ...process.argv.slice(3)]);
} else {
  console.error(`unknown task ${task}: use test, demo, bench or example`);
  process.exit(2);
}
