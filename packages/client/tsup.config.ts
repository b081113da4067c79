import { defineConfig } from 'tsup';

// Two builds: Node (WebSocket from `ws`) and browsers (the native WebSocket, no `ws` in the
// bundle). `#websocket` resolves through package.json "imports" by platform condition.
export default defineConfig([
  {
    entry: ['src/index.ts'],
    format: ['esm', 'cjs'],
    platform: 'node',
    dts: true,
    clean: true,
    sourcemap: true,
    target: 'es2022',
    external: ['ws'],
  },
  {
    entry: { browser: 'src/index.ts' },
    format: ['esm'],
    platform: 'browser',
    dts: true,
    sourcemap: true,
    target: 'es2022',
    esbuildOptions(options) {
      options.conditions = ['browser', 'default'];
    },
  },
]);
