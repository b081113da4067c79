// Bun and Deno for the packed-package smoke test (scripts/pack-check.mjs). Both ship on the npm
// registry as packages with a platform binary, so a machine with only Node and npm gets them the
// same way it gets the tarballs; they are installed into their own directory, beside the smoke
// project, so that the project is what a user's npm install makes of our tarballs and nothing else.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The runtimes' versions: pinned, like every tool the checks run. */
export const RUNTIMES = { bun: '1.4.5', deno: '2.9.6' };

/**
 * Installs Bun and Deno into `dir` with npm; resolves with the path of each binary, or with the
 * npm output when the install failed.
 */
export async function installRuntimes(dir, exec, env) {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ name: 'runtimes', private: true }, null, 2)}\n`);
  const specs = Object.entries(RUNTIMES).map(([name, version]) => `${name}@${version}`);
  const { code, output } = await exec('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...specs], {
    cwd: dir,
    env,
    timeoutMs: 180_000,
  });
  const bin = (name) => join(dir, 'node_modules', '.bin', name);
  if (code !== 0 || !existsSync(bin('bun')) || !existsSync(bin('deno'))) return { failed: output };
  return { bun: bin('bun'), deno: bin('deno') };
}

/**
 * The smoke runs under Bun and Deno, in the form of pack-check's runs: a description, the command,
 * its arguments and, for the README example, the lines it must print. Deno resolves the packages
 * from the project's node_modules (it has a package.json); -A because the example listens on a port.
 */
export function runtimeRuns({ bun, deno }, expected) {
  return [
    [`load every entry point with import() under Bun ${RUNTIMES.bun}`, bun, ['entries.mjs']],
    [`load every entry point with require() under Bun ${RUNTIMES.bun}`, bun, ['entries.cjs']],
    [`run the README example under Bun ${RUNTIMES.bun} (ESM)`, bun, ['example.mjs'], expected],
    [`run the README example under Bun ${RUNTIMES.bun} (TypeScript)`, bun, ['example.mts'], expected],
    [`load every entry point with import() under Deno ${RUNTIMES.deno}`, deno, ['run', '-A', 'entries.mjs']],
    [`run the README example under Deno ${RUNTIMES.deno} (ESM)`, deno, ['run', '-A', 'example.mjs'], expected],
  ];
}
