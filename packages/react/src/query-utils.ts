import { callKey, pathKey } from './keys.js';
import type { QueryUtils } from './procedure-types.js';

/** A procedure call as the utilities make it: the client's function, any of its return shapes. */
type ProcedureFunction = (input?: unknown, options?: { signal?: AbortSignal }) => CallResult;

interface CallResult extends PromiseLike<unknown> {
  cancel?(): void;
  pipe?(items: unknown): PromiseLike<unknown>;
}

function procedureAt(client: unknown, path: readonly string[]): ProcedureFunction {
  let node = client as Record<string, unknown>;
  for (const name of path) node = node[name] as Record<string, unknown>;
  if (typeof node !== 'function') throw new TypeError(`no procedure ${path.join('.')} on the client`);
  return node as unknown as ProcedureFunction;
}

/** The options a call takes from a query: its signal, so an unused query cancels the call. */
function withSignal(signal: AbortSignal | undefined): { signal?: AbortSignal } {
  return signal ? { signal } : {};
}

/** The utilities at `path`: each is built when first read, and nothing is called until used. */
function utilities(client: unknown, path: readonly string[]): Record<string, unknown> {
  const call = () => procedureAt(client, path);
  return {
    pathKey: () => pathKey(path),
    queryKey: (input?: unknown) => callKey(path, input, 'query'),
    queryOptions: (input?: unknown, overrides?: object) => ({
      ...overrides,
      queryKey: callKey(path, input, 'query'),
      queryFn: ({ signal }: { signal?: AbortSignal }) => call()(input, withSignal(signal)),
    }),
    mutationOptions: (overrides?: object) => ({
      ...overrides,
      mutationKey: pathKey(path),
      mutationFn: (variables: unknown) => call()(variables),
    }),
    uploadOptions: (overrides?: object) => ({
      ...overrides,
      mutationKey: pathKey(path),
      mutationFn: ({ input, items }: { input?: unknown; items: unknown }) => {
        const upload = call()(input);
        if (typeof upload.pipe !== 'function') throw new TypeError(`${path.join('.')} is not a client stream`);
        return upload.pipe(items);
      },
    }),
    streamOptions: (input?: unknown) => ({
      streamKey: callKey(path, input, 'stream'),
      open: (signal: AbortSignal) => call()(input, { signal }),
    }),
  };
}

const UTILITY_NAMES = new Set([
  'pathKey',
  'queryKey',
  'queryOptions',
  'mutationOptions',
  'uploadOptions',
  'streamOptions',
]);

function node(client: unknown, path: readonly string[]): unknown {
  const children = new Map<string, unknown>();
  let own: Record<string, unknown> | undefined;
  return new Proxy(Object.create(null) as object, {
    get(_target, property) {
      if (typeof property !== 'string' || property === 'then') return undefined;
      if (UTILITY_NAMES.has(property)) {
        own ??= utilities(client, path);
        return own[property];
      }
      let child = children.get(property);
      if (child === undefined) {
        child = node(client, [...path, property]);
        children.set(property, child);
      }
      return child;
    },
  });
}

/**
 * TanStack Query utilities for a Switchboard client: for each procedure, `queryOptions(input)`
 * and `mutationOptions()` (unary calls and events), `uploadOptions()` taking `{ input, items }`
 * (client streams), `streamOptions(input)` for {@link useStream} (server streams, channels,
 * topics), and `pathKey()`/`queryKey(input)` to invalidate. Keys are the procedure's path and
 * input. Works with a contract client (`createClient`) and with generated stubs of the same
 * shape; the types come from the client's public types alone. Nothing is called until a query,
 * mutation or stream runs. A procedure named like a utility (`pathKey`...) is shadowed by it.
 *
 * @example
 * const api = createQueryUtils(createClient(contract, { url }));
 * function User({ id }: { id: string }) {
 *   const user = useQuery(api.users.get.queryOptions({ id }));
 *   const rename = useMutation(api.users.rename.mutationOptions({
 *     onSuccess: () => queryClient.invalidateQueries({ queryKey: api.users.pathKey() }),
 *   }));
 *   return <p>{user.data?.name}</p>;
 * }
 */
export function createQueryUtils<TClient extends object>(client: TClient): QueryUtils<TClient> {
  return node(client, []) as QueryUtils<TClient>;
}
