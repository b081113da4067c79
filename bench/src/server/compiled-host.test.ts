import { readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compiledHost, compiledScaleClient } from './compiled-host.ts';
import { compileServers, startServerProcess } from './spawn.ts';

describe('compiledHost', () => {
  it('bundles the host into JavaScript that imports no TypeScript, loading packages from their files', async () => {
    const host = await compiledHost();
    expect(await compiledHost()).toBe(host);
    const files = (await readdir(dirname(host))).filter((file) => file.endsWith('.mjs'));
    expect(files).toContain('host.mjs');
    expect(dirname(await compiledScaleClient())).toBe(dirname(host));
    expect(files).toContain('scale-client.mjs');
    const specifiers: string[] = [];
    for (const file of files) {
      const code = await readFile(join(dirname(host), file), 'utf8');
      for (const match of code.matchAll(/(?:from|import)\s*\(?\s*"([^"]+)"/g)) specifiers.push(match[1] as string);
    }
    expect(specifiers.filter((specifier) => specifier.endsWith('.ts'))).toEqual([]);
    // Libraries stay external, each at the file Node resolves (`ws` for every contender, `zod`
    // for Switchboard's contract); the workspace's own packages are bundled.
    expect(specifiers.some((specifier) => /\/node_modules\/ws\//.test(specifier))).toBe(true);
    expect(specifiers.some((specifier) => /\/node_modules\/zod\//.test(specifier))).toBe(true);
    expect(specifiers.some((specifier) => specifier.startsWith('@switchboard/'))).toBe(false);
  });

  it('runs a server child by plain node that serves and answers its requests', async () => {
    compileServers();
    const server = await startServerProcess('switchboard-msgpackr', { measuresMemory: true });
    try {
      expect(server.port).toBeGreaterThan(0);
      expect(await server.request('connections', null)).toBe(0);
      const memory = await server.request('memory', { gc: true });
      expect(memory.rss).toBeGreaterThan(memory.heapUsed);
    } finally {
      await server.stop();
    }
  });
});
