/** A module loaded on first use, through {@link lazyModule}. */
export interface LazyModule<T> {
  /** The module, imported on the first call; a failed import is forgotten, so the next call tries again. */
  readonly load: () => Promise<T>;
  /** The module once it has loaded, else undefined. */
  readonly loaded: () => T | undefined;
}

/**
 * A module a bundler splits into a chunk of its own, which a page fetches only when a feature is
 * first used (the HTTP fallback, topic groups, client streams' send queue, the handlers' runner).
 * `importer` is the literal `import('./module.js')`: a bundler must see it at the call site to emit
 * the chunk. The lazily loaded module imports nothing at run time that the entry imports (see
 * docs/performance.md "Browser bundle"), else the bundler moves what both use into a chunk loaded
 * at start.
 */
export function lazyModule<T>(importer: () => Promise<T>): LazyModule<T> {
  let loading: Promise<T> | undefined;
  let module: T | undefined;
  return {
    load: () =>
      (loading ??= importer().then(
        (loadedModule) => {
          module = loadedModule;
          return loadedModule;
        },
        (error: unknown) => {
          loading = undefined;
          throw error;
        },
      )),
    loaded: () => module,
  };
}
