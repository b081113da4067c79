import { defineConfig } from 'tsup';

// Two builds: Node (the global WebSocket, else `ws`; every codec built in; `./node` adds `ws`
// options) and browsers (the native WebSocket, JSON built in, no Node module in the bundle).
// `#websocket` and `#codecs` resolve through package.json "imports" by platform condition.
// `./msgpack` only re-exports the protocol's MessagePack codecs, the same file for both.
export default defineConfig([
  {
    entry: ['src/index.ts', 'src/node.ts', 'src/msgpack.ts'],
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
