import { copyFile, mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { WEB_ROOT } from './server.js';

const SOURCE = fileURLToPath(new URL('./web/', import.meta.url));

/**
 * Inputs that would mean a Node WebSocket landed in the browser bundle: the client's Node
 * default (`websocket-node.ts`, the `ws` fallback), its Node entry (`node.ts`) or the `ws` package.
 */
const NODE_ONLY = /(^|\/)node_modules\/(\.pnpm\/ws@[^/]+\/node_modules\/)?ws\/|client\/src\/(websocket-node|node)\.ts$/;

/**
 * Bundles the page into `outDir`: main.js (with its source map) beside a copy of index.html.
 * The client picks its WebSocket through the `#websocket` import conditions; without `node`
 * among them it takes the browser's own, so no Node WebSocket code lands in the bundle. Rejects with
 * esbuild's errors when the page does not compile, and when Node-only code was bundled anyway.
 */
export async function buildPage(outDir = WEB_ROOT): Promise<{ readonly file: string; readonly bytes: number }> {
  await mkdir(outDir, { recursive: true });
  const file = join(outDir, 'main.js');
  const result = await build({
    entryPoints: [join(SOURCE, 'main.ts')],
    outfile: file,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    conditions: ['browser', 'default'],
    target: 'es2022',
    minify: true,
    sourcemap: 'linked',
    metafile: true,
    logLevel: 'silent',
  });
  const nodeOnly = Object.keys(result.metafile.inputs).filter((input) => NODE_ONLY.test(input));
  if (nodeOnly.length > 0) throw new Error(`the page bundle pulled in Node-only modules: ${nodeOnly.join(', ')}`);
  await copyFile(join(SOURCE, 'index.html'), join(outDir, 'index.html'));
  return { file, bytes: (await stat(file)).size };
}
