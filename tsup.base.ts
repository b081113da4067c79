import type { Options } from 'tsup';

/** The build every published package shares: ESM and CJS with .d.ts, for Node 20 and browsers. */
export function packageBuild(entry: string[]): Options {
  return { entry, format: ['esm', 'cjs'], dts: true, clean: true, sourcemap: true, target: 'es2022' };
}
