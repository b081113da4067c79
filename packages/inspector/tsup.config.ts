import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.base.js';

// shims: the CJS build finds the page bundle beside it through import.meta.url too.
export default defineConfig({ ...packageBuild(['src/index.ts']), shims: true });
