import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.base.js';

export default defineConfig([
  packageBuild(['src/index.ts']),
  // The bin: ESM only (top-level await), no types; it keeps its shebang.
  { ...packageBuild(['src/bin.ts']), format: ['esm'], dts: false, clean: false },
]);
