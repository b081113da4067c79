import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generatePython } from './generate.js';
import type { Manifest } from './manifest-type.js';

/** A committed Python package generated from a committed manifest. */
export interface PythonTarget {
  /** The manifest, relative to the repository root. */
  readonly manifest: string;
  /** The directory the package directory is written in, relative to the repository root. */
  readonly outDir: string;
  readonly packageName: string;
}

/** Every generated Python package in the repository: the examples' and the Python tests'. */
export const PYTHON_TARGETS: readonly PythonTarget[] = [
  ...['chat', 'cursors', 'hello', 'services'].map((name) => ({
    manifest: `examples/${name}/src/generated/switchboard.json`,
    outDir: `examples/${name}/src/generated/python`,
    packageName: `${name}_client`,
  })),
  {
    manifest: 'tests/src/python/switchboard.json',
    outDir: 'clients/python/tests/generated',
    packageName: 'pytest_client',
  },
];

/** Each target's files as they should be, by path relative to `root`. */
export function renderTargets(root: string, targets = PYTHON_TARGETS): Map<string, string> {
  const files = new Map<string, string>();
  for (const target of targets) {
    const manifest = JSON.parse(readFileSync(join(root, target.manifest), 'utf8')) as Manifest;
    const rendered = generatePython(manifest, { packageName: target.packageName });
    for (const [path, text] of Object.entries(rendered)) files.set(join(target.outDir, path), text);
  }
  return files;
}

/** The paths under `root` whose content differs from what `files` says (missing ones included). */
export function staleFiles(root: string, files: Map<string, string>): string[] {
  return [...files]
    .filter(([path, text]) => {
      const full = join(root, path);
      return !existsSync(full) || readFileSync(full, 'utf8') !== text;
    })
    .map(([path]) => path);
}
