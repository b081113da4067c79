import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { createTwoFilesPatch } from 'diff';

/** What {@link emit} did with a generated file. */
export type EmitOutcome =
  | { readonly status: 'written' | 'unchanged' }
  | { readonly status: 'stale'; readonly diff: string }
  | { readonly status: 'missing' };

/**
 * Writes `text` to `file` (creating its folder), or with `check` compares instead: `stale` with a
 * unified diff (from the file as it is to what would be written) when they differ, `missing`
 * when there is no file. A file whose content is already `text` is left untouched, so its
 * modification time does not wake watchers.
 */
export function emit(file: string, text: string, check: boolean): EmitOutcome {
  const current = existsSync(file) ? readFileSync(file, 'utf8') : undefined;
  if (current === text) return { status: 'unchanged' };
  if (check) {
    if (current === undefined) return { status: 'missing' };
    return { status: 'stale', diff: createTwoFilesPatch(file, file, current, text, 'committed', 'generated') };
  }
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
  return { status: 'written' };
}
