import { startHelloServer } from '@switchboard/example-hello/server';
import { build } from 'esbuild';
import { expect, it } from 'vitest';
import { greetAndCount } from './client.js';

it('greets and counts down on the hello server with the generated stubs alone', async () => {
  const server = await startHelloServer();
  try {
    expect(await greetAndCount(server.url, 'stubs', 2)).toEqual([
      'Hello, stubs!',
      'countdown 2',
      'countdown 1',
      'countdown 0',
    ]);
  } finally {
    await server.close({ deadlineMs: 100 });
  }
});

it('bundles for the browser without zod and without the contract', async () => {
  const result = await build({
    entryPoints: [new URL('./client.ts', import.meta.url).pathname],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const inputs = Object.keys(result.metafile.inputs);
  expect(inputs.some((input) => input.endsWith('src/generated/hello.ts'))).toBe(true);
  expect(inputs.filter((input) => /node_modules\/zod\/|examples\/hello\//.test(input))).toEqual([]);
});
