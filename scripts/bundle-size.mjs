#!/usr/bin/env node
// Measures the browser client as an application bundles it: a tiny app that imports
// @switchboard/client with its contract as a type only, bundled by esbuild for the browser,
// minified, then gzipped (node:zlib, level 9). It fails when
//   - the JSON-only client is above 10 KB gzip (10,240 bytes), or holds msgpackr;
//   - the client does not bundle without the `browser` condition (esbuild --platform=neutral, as
//     Metro and edge builds resolve): the Node build, with `ws`, `net` and `crypto`, is only under
//     the `node` condition.
// It also prints the app with MessagePack imported from @switchboard/client/msgpack. With
// --peers it measures @trpc/client (wsLink) and socket.io-client the same way (bench/ depends on
// both), the figures of docs/performance.md's "Browser bundle". In the workspace it also prints the
// cursors example's client made from its contract and from its generated stubs.
// By default the packages resolve from the workspace (their source); pack-check runs the same
// measurement in the project where it installed the packed tarballs (`--project <dir>`).
// Usage: node scripts/bundle-size.mjs [--peers] [--project <dir>]
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

/** The most gzip bytes the JSON-only browser client may take (issue 18). */
export const JSON_CLIENT_LIMIT = 10 * 1024;

const CLIENT = `
import type { Contract } from '@switchboard/contract';
import { createClient } from '@switchboard/client';

const client = createClient<Contract>({ url: 'ws://localhost:8080', api: { name: 'chat', version: '1' } });
const c = client as any;
c.users.get({ id: '42' }).then(console.log, console.error);
for await (const tick of c.ticks({ every: 100 })) console.log(tick);
client.$close();
`;

const MSGPACK_CLIENT = `
import type { Contract } from '@switchboard/contract';
import { createClient, jsonCodec } from '@switchboard/client';
import { msgpackCodec, msgpackrCodec } from '@switchboard/client/msgpack';

const client = createClient<Contract>({
  url: 'ws://localhost:8080',
  api: { name: 'chat', version: '1' },
  codecs: [msgpackrCodec, msgpackCodec, jsonCodec],
});
const c = client as any;
c.users.get({ id: '42' }).then(console.log, console.error);
for await (const tick of c.ticks({ every: 100 })) console.log(tick);
client.$close();
`;

const TRPC_CLIENT = `
import { createTRPCClient, createWSClient, wsLink } from '@trpc/client';

const wsClient = createWSClient({ url: 'ws://localhost:8080' });
const client = createTRPCClient<any>({ links: [wsLink({ client: wsClient })] });
client.users.get.query({ id: '42' }).then(console.log, console.error);
client.ticks.subscribe({ every: 100 }, { onData: console.log });
wsClient.close();
`;

const SOCKET_IO_CLIENT = `
import { io } from 'socket.io-client';

const socket = io('http://localhost:8080');
socket.emit('users.get', { id: '42' }, console.log);
socket.on('tick', console.log);
socket.close();
`;

/** The cursors page's client made from `from`: the contract's module or its generated stubs. */
const CURSORS_CLIENT = (from) => `
import { createClient } from '@switchboard/client';
import { cursors } from '${from}';

const client = createClient(cursors, { url: 'ws://localhost:8080' });
const channel = client.join();
void channel.send({ x: 1, y: 2 });
for await (const event of client.cursors()) console.log(event);
client.$close();
`;

/** Bundles `contents` as an app in `resolveDir`: minified bytes, gzip bytes and the inputs. */
export async function measure(contents, resolveDir, platform = 'browser') {
  const result = await build({
    stdin: { contents, loader: 'ts', resolveDir, sourcefile: 'app.ts' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform,
    // Neutral resolves as Metro or an edge build would: no `browser` field or condition.
    ...(platform === 'neutral' ? { mainFields: ['module', 'main'] } : {}),
    target: 'es2022',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const code = result.outputFiles[0].contents;
  // The modules with code in the bundle, not every module parsed on the way.
  const output = Object.values(result.metafile.outputs)[0];
  const inputs = Object.entries(output.inputs)
    .filter(([, input]) => input.bytesInOutput > 0)
    .map(([path]) => path);
  return { bytes: code.length, gzip: gzipSync(code, { level: 9 }).length, inputs };
}

const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;

/** Measures the JSON-only client and the one with MessagePack in `resolveDir`, and prints both. */
export async function measureClient(resolveDir, log = console.log) {
  const json = await measure(CLIENT, resolveDir);
  log(`@switchboard/client, JSON only: ${kb(json.gzip)} gzip (${json.gzip} bytes; ${kb(json.bytes)} minified)`);
  const msgpack = await measure(MSGPACK_CLIENT, resolveDir);
  log(`@switchboard/client with @switchboard/client/msgpack: ${kb(msgpack.gzip)} gzip (${msgpack.gzip} bytes)`);
  return { json, msgpack };
}

/**
 * Bundles the client in `resolveDir` without the `browser` condition, as Metro and edge builds
 * resolve it; returns the failures (a Node module in the bundle, or a build that fails on one).
 */
export async function checkConditions(resolveDir, log = console.log) {
  try {
    const neutral = await measure(CLIENT, resolveDir, 'neutral');
    const node = neutral.inputs.filter((input) => /(^|\/)(ws|net|crypto)(\/|$)|websocket-node/.test(input));
    if (node.length > 0) return [`without the browser condition the client bundles ${node.join(', ')}`];
    log(`@switchboard/client without the browser condition (platform neutral): ${kb(neutral.gzip)} gzip`);
    return [];
  } catch (error) {
    return [`the client does not bundle without the browser condition (platform neutral):\n${error.message}`];
  }
}

/**
 * Measures the cursors example's client made from the contract's value (its source and zod come
 * along) and from the stubs `switchboard generate ts` wrote (issue 19), in `cursorsDir`.
 */
export async function measureStubs(cursorsDir, log = console.log) {
  const contract = await measure(CURSORS_CLIENT('./src/contract.js'), cursorsDir);
  log(`cursors client from the contract (zod): ${kb(contract.gzip)} gzip (${contract.gzip} bytes)`);
  const stubs = await measure(CURSORS_CLIENT('./src/generated/cursors.js'), cursorsDir);
  log(`cursors client from the generated stubs: ${kb(stubs.gzip)} gzip (${stubs.gzip} bytes)`);
  return { contract, stubs };
}

/** Measures @trpc/client (wsLink) and socket.io-client from bench/, which depends on both. */
export async function measurePeers(benchDir, log = console.log) {
  const trpc = await measure(TRPC_CLIENT, benchDir);
  log(`@trpc/client (createWSClient + wsLink): ${kb(trpc.gzip)} gzip (${trpc.gzip} bytes)`);
  const socketIo = await measure(SOCKET_IO_CLIENT, benchDir);
  log(`socket.io-client: ${kb(socketIo.gzip)} gzip (${socketIo.gzip} bytes)`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  const projectIndex = process.argv.indexOf('--project');
  // bench/ depends on the client, the contract and both peers, so they all resolve from it.
  const resolveDir = projectIndex > 0 ? process.argv[projectIndex + 1] : join(root, 'bench');
  const { json } = await measureClient(resolveDir);
  const failures = await checkConditions(resolveDir);
  if (json.gzip > JSON_CLIENT_LIMIT)
    failures.push(`JSON-only client is ${json.gzip} bytes gzip, above ${JSON_CLIENT_LIMIT}`);
  if (json.inputs.some((input) => input.includes('msgpackr'))) failures.push('JSON-only client bundles msgpackr');
  if (projectIndex < 0) await measureStubs(join(root, 'examples', 'cursors'));
  if (process.argv.includes('--peers')) await measurePeers(join(root, 'bench'));
  for (const failure of failures) console.error(`[bundle-size] FAIL ${failure}`);
  process.exit(failures.length > 0 ? 1 : 0);
}
