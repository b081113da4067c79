import { fileURLToPath } from 'node:url';
import { type BuiltPage, bundlePage } from '@switchboard/example-browser-kit';

/** Where `pnpm build` writes the page. */
export const WEB_ROOT = fileURLToPath(new URL('../dist/web/', import.meta.url));

/**
 * Bundles the React page (`web/main.tsx`) into `outDir`: main.js (with its source map) beside a
 * copy of index.html. Rejects with esbuild's errors when the page does not compile, and when
 * Node-only code was bundled (the browser examples' shared `bundlePage`, examples/browser-kit).
 */
export function buildPage(outDir = WEB_ROOT): Promise<BuiltPage> {
  return bundlePage({
    source: fileURLToPath(new URL('./web/', import.meta.url)),
    entry: 'main.tsx',
    outDir,
    react: true,
  });
}
