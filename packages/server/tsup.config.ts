import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.base.js';

// Named entries: the ws and http adapters live in src/adapters/ but are published as dist/ws.* and
// dist/http.* (the `./ws` and `./http` subpaths); the test client (src/testing/index.ts) as
// dist/testing.* (`./testing`).
export default defineConfig({
  ...packageBuild([]),
  entry: {
    index: 'src/index.ts',
    ws: 'src/adapters/ws.ts',
    http: 'src/adapters/http.ts',
    testing: 'src/testing/index.ts',
  },
});
