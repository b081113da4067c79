import { type FSWatcher, readFileSync, watch } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { CodecName } from '@switchboard/protocol';
import { COMMANDS, type Command, GENERATORS } from './commands.js';
import { emit } from './emit.js';
import { buildManifest } from './export.js';
import { loadContract } from './load.js';
import type { Manifest } from './manifest.js';

/** How long `--watch` waits after a change for more before it writes again, in ms. */
const WATCH_DEBOUNCE_MS = 50;

const USAGE = `Usage:
  switchboard export <source> [options]          ${COMMANDS.export?.summary}
  switchboard asyncapi <source> [options]        an AsyncAPI 3.0 document of the contract
  switchboard generate <target> <source> [options]

<source> is a contract module (.ts, .mts, .js, .mjs: loaded without a build step) or a manifest
written by \`switchboard export\` (.json).

Options:
  --export <name>   the module's export holding the contract (default: its only contract export)
  --out <file>      the file to write, - for standard output, a directory for several files (default: per command)
  --name <name>     generate: the name of the generated value (default: the contract's export name, else api)
  --codecs <list>   the codecs the server serves, comma-separated (default: msgpackr,msgpack,json)
  --check           write nothing; exit 1 with a diff when the file is stale or missing
  --watch           write again whenever the source or a file it imports changes
  --help            this text`;

/** Where the CLI prints; the bin passes the process's streams. */
export interface CliOutput {
  out(text: string): void;
  err(text: string): void;
}

const processOutput: CliOutput = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};

interface Job {
  readonly command: Command;
  /** The command line to write the file again: the arguments without `--check`. */
  readonly label: string;
  readonly source: string;
  readonly out: string;
  readonly exportName: string | undefined;
  readonly name: string | undefined;
  readonly codecs: CodecName[] | undefined;
}

/** The manifest of a source and the local files it was read from. */
async function readSource(job: Job): Promise<{ manifest: Manifest; name: string | undefined; files: string[] }> {
  if (job.source.endsWith('.json')) {
    const manifest = JSON.parse(readFileSync(job.source, 'utf8')) as Manifest;
    if (manifest.manifestVersion !== 1) {
      throw new Error(`${job.source}: manifestVersion ${String(manifest.manifestVersion)} is not 1`);
    }
    return { manifest, name: job.name, files: [resolve(job.source)] };
  }
  const loaded = await loadContract(job.source, job.exportName);
  const manifest = await buildManifest(loaded.contract, job.codecs ? { codecs: job.codecs } : {});
  return { manifest, name: job.name ?? loaded.exportName, files: [...loaded.files] };
}

/** Writes (or checks) one file; returns whether it was up to date or written. */
function emitOne(file: string, text: string, job: Job, check: boolean, io: CliOutput): boolean {
  const outcome = emit(file, text, check);
  switch (outcome.status) {
    case 'stale':
      io.err(`${file} is stale: run switchboard ${job.label}\n${outcome.diff}`);
      return false;
    case 'missing':
      io.err(`${file} does not exist: run switchboard ${job.label}\n`);
      return false;
    case 'written':
      io.err(`wrote ${file}\n`);
      return true;
    case 'unchanged':
      if (!check) io.err(`${file} is up to date\n`);
      return true;
  }
}

async function runOnce(job: Job, check: boolean, io: CliOutput): Promise<{ code: number; files: string[] }> {
  const { manifest, name, files } = await readSource(job);
  const output = await job.command.render(manifest, { name });
  if (typeof output === 'string') {
    if (job.out === '-') io.out(output);
    const ok = job.out === '-' || emitOne(job.out, output, job, check, io);
    return { code: ok ? 0 : 1, files };
  }
  if (job.out === '-') throw new Error(`${job.label}: writes several files: --out must be a directory`);
  let ok = true;
  for (const [path, text] of Object.entries(output)) ok = emitOne(join(job.out, path), text, job, check, io) && ok;
  return { code: ok ? 0 : 1, files };
}

/**
 * Runs the job again whenever one of the files it read changes (a burst of changes runs it once),
 * until `signal` aborts; resolves then. Errors are printed and the watch goes on.
 */
function watchJob(job: Job, first: string[], io: CliOutput, signal: AbortSignal | undefined): Promise<void> {
  return new Promise<void>((done) => {
    const watchers = new Map<string, FSWatcher>();
    let timer: NodeJS.Timeout | undefined;
    const follow = (files: string[]) => {
      for (const file of files) {
        if (watchers.has(file) || signal?.aborted) continue;
        watchers.set(
          file,
          watch(file, () => {
            clearTimeout(timer);
            timer = setTimeout(rerun, WATCH_DEBOUNCE_MS);
          }),
        );
      }
    };
    const rerun = () => {
      runOnce(job, false, io).then(
        ({ files }) => follow(files),
        (error: unknown) => io.err(`${error instanceof Error ? error.message : String(error)}\n`),
      );
    };
    const stop = () => {
      clearTimeout(timer);
      for (const watcher of watchers.values()) watcher.close();
      done();
    };
    if (signal?.aborted) return stop();
    signal?.addEventListener('abort', stop, { once: true });
    follow(first);
    io.err(`watching ${watchers.size} file(s)\n`);
  });
}

/**
 * The `switchboard` command line: resolves with the exit code (0 done or up to date, 1 stale
 * under `--check` or an error, 2 a usage error). Errors are printed as one line, never thrown.
 * With `--watch` it resolves only when `signal` aborts (the bin runs until it is stopped).
 *
 * @example
 * process.exitCode = await runCli(['export', './src/contract.ts', '--out', 'switchboard.json']);
 */
export async function runCli(
  argv: readonly string[],
  io: CliOutput = processOutput,
  signal?: AbortSignal,
): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    io.err(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}\n`);
    return 2;
  }
  if (parsed === 'help') {
    io.out(`${USAGE}\n`);
    return 0;
  }
  const { job, check, watching } = parsed;
  try {
    const { code, files } = await runOnce(job, check && !watching, io);
    if (watching) await watchJob(job, files, io, signal);
    return code;
  } catch (error) {
    io.err(`${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

function parse(argv: readonly string[]) {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      export: { type: 'string' },
      out: { type: 'string' },
      name: { type: 'string' },
      codecs: { type: 'string' },
      check: { type: 'boolean' },
      watch: { type: 'boolean' },
      help: { type: 'boolean' },
    },
  });
  if (values.help || positionals.length === 0) return 'help' as const;
  const [verb, ...rest] = positionals;
  let command: Command | undefined;
  if (verb === 'generate') {
    const target = rest.shift();
    command = target === undefined ? undefined : GENERATORS[target];
    if (!command) {
      throw new Error(`generate needs a target: one of ${Object.keys(GENERATORS).join(', ') || '(none)'}`);
    }
  } else {
    command = verb === undefined ? undefined : COMMANDS[verb];
    if (!command) throw new Error(`unknown command ${JSON.stringify(verb)}`);
  }
  const [source, ...extra] = rest;
  if (source === undefined)
    throw new Error(`${positionals.slice(0, 2).join(' ')} needs a source: a contract module or a manifest (.json)`);
  if (extra.length > 0) throw new Error(`unexpected arguments: ${extra.join(' ')}`);
  const codecs = values.codecs?.split(',').map((codec) => codec.trim());
  for (const codec of codecs ?? []) {
    if (!['json', 'msgpack', 'msgpackr'].includes(codec)) throw new Error(`unknown codec ${JSON.stringify(codec)}`);
  }
  const job: Job = {
    command,
    label: argv.filter((arg) => arg !== '--check').join(' '),
    source,
    out: values.out ?? command.defaultOut,
    exportName: values.export,
    name: values.name,
    codecs: codecs as CodecName[] | undefined,
  };
  return { job, check: values.check === true, watching: values.watch === true };
}
