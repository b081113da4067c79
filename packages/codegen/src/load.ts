import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Contract } from '@switchboard/contract';
import { tsImport } from 'tsx/esm/api';

/** A contract module loaded by {@link loadContract}. */
export interface LoadedContract {
  readonly contract: Contract;
  /** The export it was read from. */
  readonly exportName: string;
  /** Every local file the module imported (the entry included): what `--watch` watches. */
  readonly files: readonly string[];
}

function isContract(value: unknown): value is Contract {
  return (
    typeof value === 'object' &&
    value !== null &&
    'procedures' in value &&
    typeof (value as Contract).procedures === 'object' &&
    'api' in value
  );
}

/**
 * Loads a contract module: TypeScript or JavaScript, through tsx, so a `.ts` entry needs no build
 * step. Each call loads the files afresh. With `exportName` it reads that export; without, the
 * module's only export made by `defineContract`. Rejects with a one-line Error when the module
 * cannot load, the export is missing or is not a contract, or several exports are contracts and
 * none was named.
 */
export async function loadContract(file: string, exportName?: string): Promise<LoadedContract> {
  const entry = pathToFileURL(resolve(file)).href;
  const files = new Set<string>();
  const module = (await tsImport(entry, {
    parentURL: entry,
    onImport: (url) => {
      if (url.startsWith('file:') && !url.includes('/node_modules/')) files.add(fileURLToPath(url));
    },
  })) as Record<string, unknown>;
  files.add(fileURLToPath(entry));
  if (exportName !== undefined) {
    const value = module[exportName];
    if (!isContract(value)) {
      throw new Error(
        `${file}: export ${JSON.stringify(exportName)} ${value === undefined ? 'does not exist' : 'is not a contract made by defineContract'}`,
      );
    }
    return { contract: value, exportName, files: [...files] };
  }
  const found = Object.entries(module).filter(([name, value]) => name !== 'default' && isContract(value));
  if (found.length === 0 && isContract(module.default)) found.push(['default', module.default]);
  const [first] = found;
  if (found.length !== 1 || first === undefined) {
    throw new Error(
      found.length === 0
        ? `${file}: no export is a contract made by defineContract`
        : `${file}: several exports are contracts (${found.map(([name]) => name).join(', ')}): name one with --export`,
    );
  }
  return { contract: first[1] as Contract, exportName: first[0], files: [...files] };
}
