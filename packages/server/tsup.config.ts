import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.base.js';

// Named entries: the ws adapter lives in src/adapters/ but is published as dist/ws.* (the `./ws` subpath);
// the test client (src/testing/index.ts) as dist/testing.* (`./testing`).
export default defineConfig({
  ...packageBuild([]),
  entry: { index: 'src/index.ts', ws: 'src/adapters/ws.ts', testing: 'src/testing/index.ts' },
});
