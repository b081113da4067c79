import { fileURLToPath } from 'node:url';
import { type BuiltPage, bundlePage } from '@switchboard/example-browser-kit';
import { WEB_ROOT } from './server.js';

/**
 * Bundles the page (`web/main.ts`) into `outDir`: main.js (with its source map) beside a copy of
 * index.html. The client picks its WebSocket through the `#websocket` import conditions; without
 * `node` among them it takes the browser's own, so no Node WebSocket code lands in the bundle.
 * Rejects with esbuild's errors when the page does not compile, and when Node-only code was
 * bundled anyway (the browser examples' shared `bundlePage`, examples/browser-kit).
 */
export function buildPage(outDir = WEB_ROOT): Promise<BuiltPage> {
  return bundlePage({ source: fileURLToPath(new URL('./web/', import.meta.url)), entry: 'main.ts', outDir });
}
