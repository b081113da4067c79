#!/usr/bin/env node
// Checks the packages as npm users get them, not as the workspace sees them (where `exports`
// point at source): it builds every published package, packs each with `pnpm pack` (which applies
// publishConfig and .pnpmfile.cjs), then
//   1. reads each tarball: README.md, LICENSE and dist/ present, no `workspace:` specifier left,
//      no `imports` map, no built file importing a `#` specifier (tsup resolves them);
//   2. runs publint (--strict) and are-the-types-wrong (node10, node16 from CJS and from ESM,
//      bundler) on each tarball;
//   3. installs all tarballs with zod into a fresh project in the OS temp directory with npm,
//      loads every entry point with import() and with require(), type-checks the README example
//      with strict TypeScript under node16 resolution as ESM (.mts) and CJS (.cts), and runs it as
//      ESM (.mjs) and as CJS (.cjs): a unary call and a server stream, then the client and the
//      server close and the process must exit by itself; runs the installed `switchboard` bin on a
//      TypeScript contract; and loads the entries and runs the example under Bun and Deno too
//      (scripts/pack-runtimes.mjs, both installed from npm);
//   4. bundles the installed client for the browser with esbuild (scripts/bundle-size.mjs): it
//      must bundle without the `browser` condition and without Node modules, and what a page
//      loads at start is held to the same ceiling as the workspace's source (checkClient).
// The example is read from README.md ("A contract, a server and a client"), so the README cannot
// drift from what is tested. Usage: node scripts/pack-check.mjs [--keep] (--keep leaves the
// temporary directory in place and prints it).
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { checkClient, checkConditions, measureClient } from './bundle-size.mjs';
import { installRuntimes, runtimeRuns } from './pack-runtimes.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const keep = process.argv.includes('--keep');
const started = Date.now();
const failures = [];
const windows = process.platform === 'win32';

function log(message) {
  console.log(`[pack-check ${((Date.now() - started) / 1000).toFixed(1)}s] ${message}`);
}

function fail(message) {
  failures.push(message);
  console.error(`[pack-check] FAIL ${message}`);
}

/** Runs a command to completion; resolves with its exit code and output, never rejects. */
function exec(command, args, options = {}) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: root, shell: windows, ...options });
    let output = '';
    child.stdout?.on('data', (data) => (output += data));
    child.stderr?.on('data', (data) => (output += data));
    const timer = options.timeoutMs
      ? setTimeout(() => {
          output += `\n(killed after ${options.timeoutMs} ms)`;
          child.kill('SIGKILL');
        }, options.timeoutMs)
      : undefined;
    child.on('error', (error) => (output += String(error)));
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

function runOrExit(command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', shell: windows, ...options });
  if (result.status !== 0) {
    console.error(`[pack-check] FAIL ${command} ${args.join(' ')} exited with ${result.status}`);
    process.exit(1);
  }
}

/** The files of a .tgz as a map of path to content (npm tarballs are plain ustar). */
function untar(file) {
  const data = gunzipSync(readFileSync(file));
  const files = new Map();
  for (let offset = 0; offset + 512 <= data.length; ) {
    const header = data.subarray(offset, offset + 512);
    if (header.every((byte) => byte === 0)) break;
    const text = (start, length) => header.toString('utf8', start, start + length).replace(/\0.*$/s, '');
    const prefix = text(345, 155);
    const name = (prefix ? `${prefix}/` : '') + text(0, 100);
    const size = Number.parseInt(text(124, 12).trim() || '0', 8);
    if (text(156, 1) === '0' || text(156, 1) === '') files.set(name, data.subarray(offset + 512, offset + 512 + size));
    offset += 512 + Math.ceil(size / 512) * 512;
  }
  return files;
}

const publishable = readdirSync(join(root, 'packages'))
  .map((dir) => ({ dir: join(root, 'packages', dir), manifest: readJson(join(root, 'packages', dir, 'package.json')) }))
  .filter(({ manifest }) => manifest && !manifest.private);

function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

// npm as a user runs it: none of the npm_* variables pnpm sets for its scripts.
const npmEnv = Object.fromEntries(
  Object.entries(process.env).filter(
    ([key]) => !key.startsWith('npm_') || ['npm_config_registry', 'npm_config_cache'].includes(key),
  ),
);

const work = mkdtempSync(join(tmpdir(), 'switchboard-pack-check-'));
const tarballs = join(work, 'tarballs');
mkdirSync(tarballs);

try {
  // --only: each package's build reads its workspace dependencies from source, so none waits for
  // another's dist/ and all five build at once (turbo's cache makes a repeated run instant).
  log(`building ${publishable.map(({ manifest }) => manifest.name).join(', ')}`);
  const filters = publishable.map(({ manifest }) => `--filter=${manifest.name}`);
  runOrExit('pnpm', ['exec', 'turbo', 'run', 'build', '--only', '--output-logs=errors-only', ...filters], {
    env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1', DO_NOT_TRACK: '1' },
  });

  log('packing');
  const packs = await Promise.all(
    publishable.map(({ dir }) => exec('pnpm', ['pack', '--pack-destination', tarballs], { cwd: dir })),
  );
  for (const { code, output } of packs) if (code !== 0) fail(`pnpm pack:\n${output}`);
  const packed = readdirSync(tarballs).map((file) => join(tarballs, file));
  if (packed.length !== publishable.length) fail(`expected ${publishable.length} tarballs, found ${packed.length}`);
  for (const tarball of packed) checkContents(tarball);

  // The npm install waits on the network, the linters on the CPU: they run side by side.
  const project = join(work, 'project');
  const installed = install(project, packed);
  const runtimes = installRuntimes(join(work, 'runtimes'), exec, npmEnv);
  log('publint and are-the-types-wrong');
  const bin = (name) => join(root, 'node_modules', '.bin', windows ? `${name}.cmd` : name);
  const tools = packed.flatMap((tarball) => [
    ['publint', tarball, bin('publint'), ['run', tarball, '--strict', '--level', 'warning']],
    [
      'are-the-types-wrong',
      tarball,
      bin('attw'),
      [tarball, '--profile', 'strict', '--no-definitely-typed', '--no-color'],
    ],
  ]);
  await inBatches(tools, availableParallelism(), async ([tool, tarball, command, args]) => {
    const { code, output } = await exec(command, args);
    const name = basename(tarball);
    if (code === 0) log(`${tool} ${name}: ok`);
    else fail(`${tool} ${name}:\n${output}`);
  });

  if (await installed) {
    await smokeTest(project, await runtimes);
    await browserBundle(project);
  }
} finally {
  if (keep) log(`kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
}

if (failures.length > 0) {
  console.error(`[pack-check] ${failures.length} check(s) failed`);
  process.exit(1);
}
log('all packed packages check out');

function checkContents(tarball) {
  const files = untar(tarball);
  const manifest = JSON.parse(files.get('package/package.json')?.toString('utf8') ?? '{}');
  const name = manifest.name ?? tarball;
  for (const required of ['package/README.md', 'package/LICENSE']) {
    if (!files.has(required)) fail(`${name}: the tarball has no ${required.slice('package/'.length)}`);
  }
  const text = JSON.stringify(manifest);
  if (text.includes('workspace:')) fail(`${name}: a workspace: specifier is left in the packed package.json`);
  if (text.includes('./src/')) fail(`${name}: the packed package.json points into src/, which is not shipped`);
  if (manifest.imports) fail(`${name}: the packed package.json keeps an imports map`);
  if (manifest.publishConfig?.exports) fail(`${name}: publishConfig was not applied`);
  for (const field of ['main', 'module', 'types', 'repository', 'engines', 'license']) {
    if (manifest[field] === undefined) fail(`${name}: the packed package.json has no "${field}"`);
  }
  for (const [path, content] of files) {
    if (!/\.(c?js|d\.c?ts)$/.test(path)) continue;
    if (/(?:from\s*|import\s*\(\s*|require\s*\(\s*)["']#/.test(content.toString('utf8'))) {
      fail(`${name}: ${path} imports a # specifier, which only the workspace resolves`);
    }
  }
}

/**
 * The installed client bundled as a browser app does (scripts/bundle-size.mjs): without the
 * `browser` condition it must not reach the Node build; what a page loads at start must stay
 * under the ceiling and hold no msgpackr.
 */
async function browserBundle(project) {
  const say = (line) => log(`bundle: ${line}`);
  for (const failure of await checkConditions(project, say)) fail(failure);
  const { json } = await measureClient(project, say);
  for (const failure of checkClient(json, say)) fail(failure);
}

/** The README's example, from its "A contract, a server and a client" section. */
function readmeExample() {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const section = readme.split(/^## A contract, a server and a client$/m)[1];
  const code = section?.match(/```ts\n([\s\S]*?)```/)?.[1];
  if (!code) throw new Error('README.md has no ```ts block under "## A contract, a server and a client"');
  const lines = code.split('\n');
  const imports = lines.filter((line) => line.startsWith('import '));
  const body = lines.filter((line) => !line.startsWith('import ')).join('\n');
  const requires = imports.map((line) => {
    const match = line.match(/^import \{([^}]+)\} from '([^']+)';$/);
    if (!match) throw new Error(`cannot turn this README import into require(): ${line}`);
    return `const {${match[1]}} = require('${match[2]}');`;
  });
  // CommonJS has no top-level await: the body runs in an async function.
  const wrap = (body) =>
    `(async () => {\n${body}\n})().catch((error) => {\n  console.error(error);\n  process.exit(1);\n});\n`;
  return {
    esm: code,
    cjs: `${requires.join('\n')}\n${wrap(body)}`,
    cts: `${imports.join('\n')}\n${wrap(body)}`,
  };
}

/** Runs `task` on every item, at most `limit` at a time. */
async function inBatches(items, limit, task) {
  const queue = [...items];
  const worker = async () => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) await task(item);
  };
  await Promise.all(Array.from({ length: Math.max(1, limit) }, worker));
}

/** Installs the tarballs with zod and Node's types into a new project; resolves whether it worked. */
async function install(project, packed) {
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), `${JSON.stringify({ name: 'smoke', private: true }, null, 2)}\n`);
  log('npm install of the tarballs, zod and @types/node@20 into a fresh project (in the background)');
  const { code, output } = await exec(
    'npm',
    ['install', '--no-audit', '--no-fund', '--loglevel=error', ...packed, 'zod@4', '@types/node@20'],
    { cwd: project, env: npmEnv, timeoutMs: 90_000 },
  );
  if (code !== 0) fail(`npm install in a fresh project:\n${output}`);
  else log('npm install: ok');
  return code === 0;
}

async function smokeTest(project, runtimes) {
  const env = npmEnv;
  const example = readmeExample();
  writeFileSync(join(project, 'example.mjs'), example.esm);
  writeFileSync(join(project, 'example.cjs'), example.cjs);
  writeFileSync(join(project, 'example.mts'), example.esm);
  writeFileSync(join(project, 'example.cts'), example.cts);
  const entries = publishable.flatMap(({ manifest }) =>
    Object.keys(manifest.publishConfig.exports).map((subpath) => manifest.name + subpath.slice(1)),
  );
  // A JSON entry (@switchboard/codegen/manifest.schema.json) imports with its attribute.
  writeFileSync(
    join(project, 'entries.mjs'),
    `for (const entry of ${JSON.stringify(entries)}) await import(entry, entry.endsWith('.json') ? { with: { type: 'json' } } : undefined);\n`,
  );
  writeFileSync(join(project, 'entries.cjs'), `for (const entry of ${JSON.stringify(entries)}) require(entry);\n`);
  writeFileSync(
    join(project, 'tsconfig.json'),
    `${JSON.stringify(
      {
        compilerOptions: {
          strict: true,
          noUncheckedIndexedAccess: true,
          exactOptionalPropertyTypes: true,
          module: 'node16',
          moduleResolution: 'node16',
          target: 'es2022',
          types: ['node'],
          noEmit: true,
        },
        files: ['example.mts', 'example.cts'],
      },
      null,
      2,
    )}\n`,
  );

  // The `switchboard` bin as npx runs it, on a TypeScript contract with no build step.
  writeFileSync(
    join(project, 'contract.mts'),
    [
      "import { defineContract, unary } from '@switchboard/contract';",
      "import { z } from 'zod';",
      'export const api = defineContract({',
      '  procedures: { greet: unary({ input: z.object({ name: z.string() }), output: z.string() }) },',
      '});',
      '',
    ].join('\n'),
  );
  const switchboard = join(project, 'node_modules', '@switchboard', 'codegen', 'dist', 'bin.js');

  const tsc = createRequire(join(root, 'package.json')).resolve('typescript/bin/tsc');
  const expected = ['Hello, you!', '3', '2', '1', '0'];
  const runs = [
    ['load every entry point with import()', process.execPath, ['entries.mjs']],
    ['load every entry point with require()', process.execPath, ['entries.cjs']],
    ['type-check the README example (strict, node16, ESM and CJS)', process.execPath, [tsc, '-p', '.']],
    ['run the README example as ESM', process.execPath, ['example.mjs'], expected],
    ['run the README example as CJS', process.execPath, ['example.cjs'], expected],
    ...(runtimes.failed ? [] : runtimeRuns(runtimes, expected)),
    [
      'run the switchboard bin on a TypeScript contract',
      process.execPath,
      [switchboard, 'generate', 'ts', 'contract.mts', '--out', '-'],
      /readonly greet: UnaryProcedure<TypedSchema<GreetInput>, TypedSchema<GreetOutput>, \{\}>;/,
    ],
  ];
  if (runtimes.failed) fail(`npm install of Bun and Deno:\n${runtimes.failed}`);
  const outcomes = await Promise.all(
    runs.map(([, command, args]) => exec(command, args, { cwd: project, env, timeoutMs: 120_000 })),
  );
  outcomes.forEach(({ code, output }, index) => {
    const [what, , , lines] = runs[index];
    const printed = output.trim().split('\n');
    if (code !== 0) fail(`${what}: exit code ${code}\n${output}`);
    else if (lines instanceof RegExp) {
      if (!lines.test(output)) fail(`${what}: printed ${output}, expected a match of ${lines}`);
      else log(`${what}: ok`);
    } else if (lines && JSON.stringify(printed) !== JSON.stringify(lines)) {
      fail(`${what}: printed ${JSON.stringify(printed)}, expected ${JSON.stringify(lines)}`);
    } else log(`${what}: ok`);
  });
}
