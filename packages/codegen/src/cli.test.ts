import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { type CliOutput, runCli } from './cli.js';
import { GENERATORS } from './commands.js';

const contract = fileURLToPath(new URL('./testing/contract.ts', import.meta.url));
const bin = fileURLToPath(new URL('../bin/switchboard.mjs', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'switchboard-codegen-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the CLI in this process; resolves with its exit code and what it printed. */
async function cli(...argv: string[]) {
  let out = '';
  let err = '';
  const io: CliOutput = { out: (text) => (out += text), err: (text) => (err += text) };
  const code = await runCli(argv, io);
  return { code, out, err };
}

describe('switchboard', () => {
  it('exports the contract of a TypeScript module without a build step, naming it with --export', async () => {
    const { code, out } = await cli('export', contract, '--export', 'todo', '--out', '-');
    expect(code).toBe(0);
    const manifest = JSON.parse(out);
    expect(manifest.api).toEqual({ name: 'todo', version: '1' });
    expect(manifest.procedures.map((proc: { path: string }) => proc.path)).toEqual(['add', 'list']);
  });

  it('asks for --export when a module holds several contracts, and names a missing export', async () => {
    const several = await cli('export', contract, '--out', '-');
    expect(several).toMatchObject({
      code: 1,
      err: `${contract}: several exports are contracts (empty, todo): name one with --export\n`,
    });
    const missing = await cli('export', contract, '--export', 'nope', '--out', '-');
    expect(missing.err).toBe(`${contract}: export "nope" does not exist\n`);
  });

  it('answers a usage error with exit code 2 and the usage', async () => {
    const { code, err } = await cli('generate', 'cobol', contract);
    expect(code).toBe(2);
    expect(err).toMatch(/^generate needs a target: one of ts, python\n\nUsage:/);
  });

  it('writes a file, then --check passes; once stale, --check fails with a diff and writes nothing', async () => {
    const out = join(dir, 'todo.ts');
    const args = ['generate', 'ts', contract, '--export', 'todo', '--out', out];
    expect(await cli(...args)).toMatchObject({ code: 0, err: `wrote ${out}\n` });
    expect(await cli(...args, '--check')).toEqual({ code: 0, out: '', err: '' });
    const fresh = readFileSync(out, 'utf8');
    writeFileSync(out, fresh.replace('readonly add:', 'readonly addOld:'));
    const stale = await cli(...args, '--check');
    expect(stale.code).toBe(1);
    expect(stale.err).toContain(`${out} is stale: run switchboard ${args.join(' ')}`);
    expect(stale.err).toContain('-  readonly addOld:');
    expect(stale.err).toContain('+  readonly add:');
    expect(readFileSync(out, 'utf8')).not.toBe(fresh);
    const missing = await cli('export', contract, '--export', 'todo', '--out', join(dir, 'none.json'), '--check');
    expect(missing).toMatchObject({ code: 1, err: expect.stringContaining('none.json does not exist') });
  });

  it('writes a generator`s several files under the --out directory and checks each', async () => {
    GENERATORS.pair = {
      summary: 'two files per procedure path, for this test',
      defaultOut: 'pair',
      render: (manifest, { name }) => ({
        [`${name}/paths.txt`]: `${manifest.procedures.map((proc) => proc.path).join('\n')}\n`,
        [`${name}/kinds.txt`]: `${manifest.procedures.map((proc) => proc.kind).join('\n')}\n`,
      }),
    };
    try {
      const out = join(dir, 'pair');
      const args = ['generate', 'pair', contract, '--export', 'todo', '--out', out];
      expect((await cli(...args)).err).toBe(
        `wrote ${join(out, 'todo/paths.txt')}\nwrote ${join(out, 'todo/kinds.txt')}\n`,
      );
      expect(readFileSync(join(out, 'todo/kinds.txt'), 'utf8')).toBe('unary\nserverStream\n');
      expect(await cli(...args, '--check')).toEqual({ code: 0, out: '', err: '' });
      writeFileSync(join(out, 'todo/kinds.txt'), 'unary\n');
      const stale = await cli(...args, '--check');
      expect(stale.code).toBe(1);
      expect(stale.err).toMatch(/kinds\.txt is stale/);
      expect(stale.err).not.toMatch(/paths\.txt/);
      expect((await cli('generate', 'pair', contract, '--export', 'todo', '--out', '-')).err).toMatch(
        /writes several files: --out must be a directory/,
      );
    } finally {
      delete GENERATORS.pair;
    }
  });

  it('--watch writes again when the source changes', async () => {
    const manifest = join(dir, 'watched.json');
    const out = join(dir, 'watched.ts');
    expect((await cli('export', contract, '--export', 'todo', '--out', manifest)).code).toBe(0);
    const child = spawn(process.execPath, [bin, 'generate', 'ts', manifest, '--out', out, '--watch']);
    let err = '';
    const printed = (text: string) =>
      new Promise<void>((resolve) => {
        const check = () => {
          if (!err.includes(text)) return;
          child.stderr.off('data', onData);
          resolve();
        };
        const onData = (data: Buffer) => {
          err += data;
          check();
        };
        child.stderr.on('data', onData);
        check();
      });
    try {
      await printed('watching 1 file(s)');
      expect(readFileSync(out, 'utf8')).toContain('readonly add:');
      err = '';
      const renamed = readFileSync(manifest, 'utf8').replace('"path": "add"', '"path": "create"');
      writeFileSync(manifest, renamed);
      await printed(`wrote ${out}`);
      expect(readFileSync(out, 'utf8')).toContain('readonly create:');
    } finally {
      child.kill();
    }
  });
});
