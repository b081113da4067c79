// Writes every generated Python package of the repository from its manifest:
// node --import tsx packages/codegen/src/python/regenerate.ts
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderTargets } from './targets.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
for (const [path, text] of renderTargets(root)) {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), text);
  console.log(path);
}
