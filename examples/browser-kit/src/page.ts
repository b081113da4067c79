import { copyFile, mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { build } from 'esbuild';

/**
 * Inputs that would mean Node code landed in a page: the `ws` package, or the client's Node
 * entry (`node.ts`) or Node WebSocket (`websocket-node.ts`, the `ws` fallback). The client picks
 * its WebSocket through the `#websocket` import conditions; without `node` among them it takes the
 * browser's own, so none of these should ever be bundled.
 */
export const NODE_ONLY =
  /(^|\/)node_modules\/(\.pnpm\/ws@[^/]+\/node_modules\/)?ws\/|client\/src\/(websocket-node|node)\.ts$/;

/** The inputs of a bundle (esbuild's metafile) that are Node-only ({@link NODE_ONLY}). */
export function nodeOnlyInputs(inputs: Iterable<string>): string[] {
  return [...inputs].filter((input) => NODE_ONLY.test(input));
}

/** A page to bundle. */
export interface PageOptions {
  /** The page's folder: its entry module and its index.html. */
  readonly source: string;
  /** The entry module's file name in `source` (`main.ts`, `main.tsx`). */
  readonly entry: string;
  /** Where main.js, its source map and the copy of index.html go; made when missing. */
  readonly outDir: string;
  /** A React page: JSX with the automatic runtime, and React's production build. @default false */
  readonly react?: boolean;
}

/** The bundle a page loads, and its size. */
export interface BuiltPage {
  readonly file: string;
  readonly bytes: number;
}

/**
 * Bundles a page for the browser into `outDir`: main.js (minified, ESM, with a linked source
 * map) beside a copy of index.html. Rejects with esbuild's errors when the page does not compile,
 * and when Node-only code was bundled ({@link NODE_ONLY}).
 */
export async function bundlePage({ source, entry, outDir, react = false }: PageOptions): Promise<BuiltPage> {
  await mkdir(outDir, { recursive: true });
  const file = join(outDir, 'main.js');
  const result = await build({
    entryPoints: [join(source, entry)],
    outfile: file,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    conditions: ['browser', 'default'],
    target: 'es2022',
    ...(react ? { jsx: 'automatic', define: { 'process.env.NODE_ENV': '"production"' } } : {}),
    minify: true,
    sourcemap: 'linked',
    metafile: true,
    logLevel: 'silent',
  });
  const nodeOnly = nodeOnlyInputs(Object.keys(result.metafile.inputs));
  if (nodeOnly.length > 0) throw new Error(`the page bundle pulled in Node-only modules: ${nodeOnly.join(', ')}`);
  await copyFile(join(source, 'index.html'), join(outDir, 'index.html'));
  return { file, bytes: (await stat(file)).size };
}
