import { asyncapiCommand } from './asyncapi.js';
import { typescriptCommand } from './generate-ts.js';
import type { Manifest } from './manifest.js';
import { pythonCommand } from './python/index.js';

/** What a command writes: one file's text, or several files' texts by relative path. */
export type CommandOutput = string | { readonly [path: string]: string };

/** What a command knows besides the manifest. */
export interface CommandContext {
  /**
   * The name the contract is exported under in its module (`--export`, or the one found), or
   * `--name`; undefined when the source was a manifest file and no `--name` was given.
   */
  readonly name: string | undefined;
}

/**
 * One output of the CLI: a pure function from a manifest to the text of a file. Every command and
 * every `generate` target is one entry; a new target is a new entry in {@link GENERATORS}.
 */
export interface Command {
  /** One line for `--help`. */
  readonly summary: string;
  /**
   * Where the output goes when `--out` is not given, relative to the working directory: the file,
   * or for a command that writes several files the directory they are written under.
   */
  readonly defaultOut: string;
  /**
   * The file's text, or several files' texts by path relative to the `--out` directory (a
   * package of another language). Throws an Error with a one-line message when the manifest
   * cannot be rendered.
   */
  render(manifest: Manifest, context: CommandContext): CommandOutput | Promise<CommandOutput>;
}

/** `switchboard export`: the manifest itself, as formatted JSON. */
export const exportCommand: Command = {
  summary: 'the manifest: every procedure with its kind, policy, typed errors and JSON Schema',
  defaultOut: 'switchboard.json',
  render: (manifest) => `${JSON.stringify(manifest, null, 2)}\n`,
};

/** The targets of `switchboard generate <target>`, by name. */
export const GENERATORS: Record<string, Command> = { ts: typescriptCommand, python: pythonCommand };

/** The commands other than `generate`, by name. */
export const COMMANDS: Record<string, Command> = { export: exportCommand, asyncapi: asyncapiCommand };
