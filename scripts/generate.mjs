#!/usr/bin/env node
// Writes every generated file of the repository (the examples' and tests' manifests, AsyncAPI
// documents and client stubs) with the workspace's `switchboard` bin; the list is
// scripts/codegen-targets.json, which tests/src/codegen/generated-files.test.ts checks with
// `--check` so that CI fails on a stale file. Usage: node scripts/generate.mjs [--check]
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const targets = JSON.parse(readFileSync(join(root, 'scripts', 'codegen-targets.json'), 'utf8'));
const bin = join(root, 'packages', 'codegen', 'bin', 'switchboard.mjs');
const extra = process.argv.includes('--check') ? ['--check'] : [];
let failed = 0;
for (const args of targets) {
  const result = spawnSync(process.execPath, [bin, ...args, ...extra], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) failed++;
}
process.exit(failed === 0 ? 0 : 1);
