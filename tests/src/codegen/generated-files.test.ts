import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Parser } from '@asyncapi/parser';
import { type CliOutput, runCli } from '@switchboard/codegen';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import targets from '../../../scripts/codegen-targets.json' with { type: 'json' };

// Every generated file committed in the repository, as scripts/codegen-targets.json lists them:
// each must be what the CLI writes today, so that CI fails on a stale file.
const root = fileURLToPath(new URL('../../../', import.meta.url));
const outOf = (args: string[]) => join(root, args[args.indexOf('--out') + 1] as string);
const manifests = targets.filter(([command]) => command === 'export').map(outOf);
const asyncapis = targets.filter(([command]) => command === 'asyncapi').map(outOf);

/** The CLI with `--check`, its paths (the source and `--out`) made absolute from the root. */
async function check(args: string[]) {
  let err = '';
  const io: CliOutput = { out: () => undefined, err: (text) => (err += text) };
  const source = args[0] === 'generate' ? 2 : 1;
  const absolute = args.map((arg, index) => (index === source || args[index - 1] === '--out' ? join(root, arg) : arg));
  return { code: await runCli([...absolute, '--check'], io), err };
}

describe('the generated files in the repository', () => {
  it.each(targets.map((args) => [args.join(' '), args]))('are up to date: switchboard %s', async (_, args) => {
    const { code, err } = await check(args);
    expect(err, 'run `pnpm generate` and commit the result').toBe('');
    expect(code).toBe(0);
  });

  it('hold manifests that validate against the manifest format`s JSON Schema', () => {
    const schema = createRequire(import.meta.url)('@switchboard/codegen/manifest.schema.json');
    const validate = new Ajv2020({ allErrors: true }).compile(schema);
    for (const file of manifests) {
      expect(validate(JSON.parse(readFileSync(file, 'utf8'))), `${file}: ${JSON.stringify(validate.errors)}`).toBe(
        true,
      );
    }
  });

  it('hold AsyncAPI documents the official parser accepts without errors or warnings', async () => {
    const parser = new Parser();
    for (const file of asyncapis) {
      const { document, diagnostics } = await parser.parse(readFileSync(file, 'utf8'));
      expect(
        diagnostics.filter((d) => d.severity <= 1).map((d) => `${d.code} ${d.message}`),
        file,
      ).toEqual([]);
      expect(document?.operations().length, file).toBeGreaterThan(0);
    }
  });
});
