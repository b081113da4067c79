import type { Command } from '../commands.js';
import type { Manifest } from '../manifest.js';
import { generatePython } from './generate.js';

export { generatePython, type PythonOptions } from './generate.js';

/** The package name when `--name` is not given: the API's name (or `switchboard`) and `_client`. */
export function defaultPythonPackage(manifest: Manifest): string {
  const base = (manifest.api?.name ?? 'switchboard').toLowerCase().replace(/[^a-z0-9_]/g, '_');
  return `${/^[0-9]/.test(base) ? `_${base}` : base}_client`;
}

/**
 * `switchboard generate python`: a typed Python package for the `switchboard_rt` runtime
 * (docs/guides/python.md), written as `<name>/` under `--out`; `--name` is the package's name.
 */
export const pythonCommand: Command = {
  summary:
    'a typed Python package for the switchboard_rt runtime (TypedDicts, error classes, one method per procedure)',
  defaultOut: '.',
  render: (manifest, { name }) => generatePython(manifest, { packageName: name ?? defaultPythonPackage(manifest) }),
};
