import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { expect, it } from 'vitest';

// The cursors page's client made two ways, bundled for the browser as an application would:
// from the contract's value (its source and zod come along) and from the generated stubs.
const cursorsDir = fileURLToPath(new URL('../../../examples/cursors/', import.meta.url));

const app = (from: string) => `
import { createClient } from '@switchboard/client';
import { cursors } from '${from}';

const client = createClient(cursors, { url: 'ws://localhost:8080' });
const channel = client.join();
void channel.send({ x: 1, y: 2 });
for await (const event of client.cursors()) console.log(event);
client.$close();
`;

async function bundle(from: string) {
  const result = await build({
    stdin: { contents: app(from), loader: 'ts', resolveDir: cursorsDir, sourcefile: 'app.ts' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const output = Object.values(result.metafile.outputs)[0];
  const inputs = Object.entries(output?.inputs ?? {})
    .filter(([, input]) => input.bytesInOutput > 0)
    .map(([path]) => path);
  const code = result.outputFiles[0]?.contents ?? new Uint8Array();
  return { inputs, gzip: gzipSync(code, { level: 9 }).length, bytes: code.length };
}

const zodOrContract = (inputs: string[]) =>
  inputs.filter((input) => /\/zod\/|examples\/cursors\/src\/(contract|api)\.ts/.test(input));

it('bundles the stub client of the cursors contract without zod and without the contract source', async () => {
  const [fromContract, fromStubs] = await Promise.all([
    bundle('./src/contract.js'),
    bundle('./src/generated/cursors.js'),
  ]);
  // The control: the same app made from the contract's value carries both.
  expect(zodOrContract(fromContract.inputs).length).toBeGreaterThan(1);
  expect(zodOrContract(fromStubs.inputs)).toEqual([]);
  expect(fromStubs.inputs.filter((input) => input.endsWith('src/generated/cursors.ts'))).toHaveLength(1);
  console.log(
    `[bundle] cursors client from the contract: ${fromContract.gzip} bytes gzip (${fromContract.bytes} minified); ` +
      `from the generated stubs: ${fromStubs.gzip} bytes gzip (${fromStubs.bytes} minified)`,
  );
});
