import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/**
 * Bundles the inspector's page script (web/main.ts with the browser client) into dist/page.js,
 * where the inspector serves it from. Part of the package's build; tests run it first.
 */
export async function buildPage(): Promise<string> {
  const outfile = fileURLToPath(new URL('../dist/page.js', import.meta.url));
  await mkdir(fileURLToPath(new URL('../dist/', import.meta.url)), { recursive: true });
  await build({
    entryPoints: [fileURLToPath(new URL('./web/main.ts', import.meta.url))],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    conditions: ['browser', 'default'],
    target: 'es2022',
    minify: true,
    logLevel: 'silent',
  });
  return outfile;
}
