import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bundlePage, nodeOnlyInputs } from './page.js';

describe('nodeOnlyInputs', () => {
  it('finds the ws package and the client’s Node modules, and nothing else', () => {
    const inputs = [
      '../../node_modules/.pnpm/ws@8.18.3/node_modules/ws/lib/websocket.js',
      'node_modules/ws/index.js',
      '../../packages/client/src/node.ts',
      '../../packages/client/src/websocket-node.ts',
      '../../packages/client/src/websocket-browser.ts',
      '../../packages/client/src/index.ts',
      'node_modules/wsx/index.js',
    ];
    expect(nodeOnlyInputs(inputs)).toEqual(inputs.slice(0, 4));
  });
});

describe('bundlePage', () => {
  let source: string;
  let outDir: string;

  beforeEach(async () => {
    source = await mkdtemp(join(tmpdir(), 'browser-kit-page-'));
    outDir = join(source, 'out');
    await writeFile(
      join(source, 'index.html'),
      '<!doctype html><html><script type="module" src="main.js"></script></html>',
    );
  });

  afterEach(async () => {
    await rm(source, { recursive: true, force: true });
  });

  it('writes main.js with its source map beside a copy of index.html', async () => {
    await writeFile(
      join(source, 'main.ts'),
      "const greeting: string = 'hello from the page';\ndocument.title = greeting;\n",
    );
    const { file, bytes } = await bundlePage({ source, entry: 'main.ts', outDir });
    expect(file).toBe(join(outDir, 'main.js'));
    expect((await readdir(outDir)).sort()).toEqual(['index.html', 'main.js', 'main.js.map']);
    const bundle = await readFile(file, 'utf8');
    expect(bundle).toContain('hello from the page');
    expect(bytes).toBe(Buffer.byteLength(bundle));
  });

  it('rejects a page that pulled in Node-only code, naming the module', async () => {
    await mkdir(join(source, 'client', 'src'), { recursive: true });
    await writeFile(join(source, 'client', 'src', 'node.ts'), 'export const side = "node";\n');
    await writeFile(join(source, 'main.ts'), "import { side } from './client/src/node.ts';\ndocument.title = side;\n");
    await expect(bundlePage({ source, entry: 'main.ts', outDir })).rejects.toThrow(
      /the page bundle pulled in Node-only modules: .*client\/src\/node\.ts/,
    );
  });

  it('rejects with esbuild’s errors when the page does not compile', async () => {
    await writeFile(join(source, 'main.ts'), "import { missing } from './nowhere.js';\ndocument.title = missing;\n");
    await expect(bundlePage({ source, entry: 'main.ts', outDir })).rejects.toThrow(/nowhere/);
  });
});
