import { copyFile, mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/** Where `pnpm build` writes the page. */
export const WEB_ROOT = fileURLToPath(new URL('../dist/web/', import.meta.url));

const SOURCE = fileURLToPath(new URL('./web/', import.meta.url));

/** Inputs that would mean Node code landed in the page: the `ws` package or the client's Node entry. */
const NODE_ONLY = /(^|\/)node_modules\/(\.pnpm\/ws@[^/]+\/node_modules\/)?ws\/|client\/src\/(websocket-node|node)\.ts$/;

/**
 * Bundles the React page into `outDir`: main.js (with its source map) beside a copy of
 * index.html. Rejects with esbuild's errors when the page does not compile, and when Node-only
 * code was bundled.
 */
export async function buildPage(outDir = WEB_ROOT): Promise<{ readonly file: string; readonly bytes: number }> {
  await mkdir(outDir, { recursive: true });
  const file = join(outDir, 'main.js');
  const result = await build({
    entryPoints: [join(SOURCE, 'main.tsx')],
    outfile: file,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    conditions: ['browser', 'default'],
    target: 'es2022',
    jsx: 'automatic',
    define: { 'process.env.NODE_ENV': '"production"' },
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
