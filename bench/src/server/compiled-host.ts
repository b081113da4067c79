/**
 * The server host compiled ahead of time (`--compiled-servers`): host.ts and the workspace
 * packages it reaches (`@switchboard/*`, whose exports point at TypeScript source) bundled by
 * esbuild into one JavaScript file, run by plain `node`; the scale scenario's client process
 * (scale/client-process.ts) beside it, built in the same bundle, so that the clients of (i) run
 * as an installed client does too. Without it a server child runs under tsx,
 * whose loader thread and transpiled sources hold memory a published install never has: about
 * 15 MiB of a raw `ws` child's RSS and 27 MiB of a Switchboard one's (docs/performance.md, "What a
 * connection costs"). Every other package stays external, loaded from the file esbuild resolved
 * it to, so each contender runs the same library code either way.
 */
import { rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HOST_PATH = fileURLToPath(new URL('./host.ts', import.meta.url));
const SCALE_CLIENT_PATH = fileURLToPath(new URL('../scale/client-process.ts', import.meta.url));
// Under node_modules: ignored by git, and inside the workspace like the sources it was built from;
// one directory per bench process, so that two runs never rebuild under each other.
const OUT_DIR = fileURLToPath(new URL(`../../node_modules/.cache/switchboard-bench/${process.pid}/`, import.meta.url));
const WORKSPACE_PACKAGE = /^@switchboard\//;
// Bare specifiers (`zod`, `ws/lib/x`, `node:http`), not relative or absolute paths nor a
// package's own `#imports`.
const BARE = /^[^./#]/;
/** Marks the paths esbuild resolves on its own behalf, so the plugin does not see them twice. */
const OWN_RESOLVE = Symbol('own resolve');

let built: Promise<void> | undefined;

/** Bundles the host once per bench process; resolves to the bundle's path. */
export async function compiledHost(): Promise<string> {
  built ??= build();
  await built;
  return join(OUT_DIR, 'host.mjs');
}

/** The scale scenario's client process from the same bundle; resolves to its path. */
export async function compiledScaleClient(): Promise<string> {
  built ??= build();
  await built;
  return join(OUT_DIR, 'scale-client.mjs');
}

async function build(): Promise<void> {
  // The workspace root's devDependency; loaded only when asked for.
  const esbuild = await import('esbuild');
  await rm(OUT_DIR, { recursive: true, force: true });
  process.on('exit', () => rmSync(OUT_DIR, { recursive: true, force: true }));
  await esbuild.build({
    entryPoints: { host: HOST_PATH, 'scale-client': SCALE_CLIENT_PATH },
    outdir: OUT_DIR,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    // What a module imports dynamically stays a chunk of its own, loaded when imported: a
    // contender's libraries load in its child only, as under tsx.
    splitting: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // Resolve packages as Node's ESM loader does (exports' "import" and "node", then "main"),
    // not by the "module" field, so that an external lands on the file Node itself would load.
    conditions: [],
    mainFields: ['main'],
    logLevel: 'error',
    plugins: [
      {
        name: 'external-packages',
        setup(plugin) {
          plugin.onResolve({ filter: BARE }, async (args) => {
            if (args.pluginData === OWN_RESOLVE || WORKSPACE_PACKAGE.test(args.path)) return undefined;
            if (args.path.startsWith('node:')) return { path: args.path, external: true };
            const resolved = await plugin.resolve(args.path, {
              kind: args.kind,
              resolveDir: args.resolveDir,
              importer: args.importer,
              pluginData: OWN_RESOLVE,
            });
            if (resolved.errors.length > 0) return { errors: resolved.errors };
            return { path: resolved.path, external: true };
          });
        },
      },
    ],
  });
}
