import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.base.js';

// src/bin.ts is the `switchboard` bin of the published package (dist/bin.js, publishConfig.bin).
export default defineConfig(packageBuild(['src/index.ts', 'src/bin.ts', 'src/validate.ts']));
