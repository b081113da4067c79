import { defineConfig } from 'tsup';

// Two builds: Node (the global WebSocket, else `ws`; `./node` adds `ws` options) and browsers (the
// native WebSocket, no Node module in the bundle). `#websocket` resolves through package.json
// "imports" by platform condition.
export default defineConfig([
  {
    entry: ['src/index.ts', 'src/node.ts'],
    format: ['esm', 'cjs'],
    platform: 'node',
    dts: true,
    clean: true,
    sourcemap: true,
    target: 'es2022',
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
