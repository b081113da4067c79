/**
 * Query keys of Switchboard procedures: the procedure's path as an array, then what the call
 * asks. `[['users', 'get'], { input: { id: '1' }, type: 'query' }]`. A key made of a path prefix
 * alone (`pathKey()`: `[['users']]`) matches every query under it, since TanStack Query matches
 * keys partially: `queryClient.invalidateQueries({ queryKey: api.users.pathKey() })`.
 */

/** What a key says beside the path: the input and which kind of options made it. */
export interface KeyMeta<TInput> {
  readonly input?: TInput;
  readonly type: 'query' | 'stream';
}

/** The query key of a call of a procedure at `path` with `input`. */
export type SwitchboardQueryKey<TInput = unknown> = readonly [path: readonly string[], meta: KeyMeta<TInput>];

/** The key of a path prefix: matches every procedure under it. */
export type PathKey = readonly [path: readonly string[]];

/** The key of a call: `input` is left out when undefined, so `f()` and `f(undefined)` share one. */
export function callKey<TInput>(
  path: readonly string[],
  input: TInput,
  type: KeyMeta<TInput>['type'],
): SwitchboardQueryKey<TInput> {
  return [path, input === undefined ? { type } : { input, type }];
}

/** The key of everything under `path`. */
export function pathKey(path: readonly string[]): PathKey {
  return [path];
}
