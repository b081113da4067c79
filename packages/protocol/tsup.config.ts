import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.base.js';

// ESM keeps one file per module: with "sideEffects": false a bundler then leaves out the modules an
// application never uses, such as the MessagePack codecs (and msgpackr) in a JSON-only browser
// client. CJS, which Node loads, stays one file per entry: the index, and `./http` (the HTTP
// fallback's records).
export default defineConfig([
  {
    ...packageBuild(['src/*.ts', '!src/*.test.ts', '!src/*.test-d.ts']),
    format: ['esm'],
    bundle: false,
    dts: { entry: ['src/index.ts', 'src/http.ts'] },
  },
  { ...packageBuild(['src/index.ts', 'src/http.ts']), format: ['cjs'], clean: false },
]);
