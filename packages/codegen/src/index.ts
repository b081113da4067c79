/**
 * The contract leaves TypeScript: a manifest with JSON Schema (`switchboard export`), an AsyncAPI
 * 3.0 document (`switchboard asyncapi`) and standalone client stubs (`switchboard generate ts`),
 * from the command line or from code.
 *
 * @module @switchboard/codegen
 */
export { ASYNCAPI_VERSION, type AsyncApiDocument, asyncapiCommand, toAsyncApi } from './asyncapi.js';
export { type CliOutput, runCli } from './cli.js';
export {
  COMMANDS,
  type Command,
  type CommandContext,
  type CommandOutput,
  exportCommand,
  GENERATORS,
} from './commands.js';
export { type EmitOutcome, emit } from './emit.js';
export { buildManifest, type ManifestOptions } from './export.js';
export {
  DEFAULT_TS_STUBS,
  generateTypeScript,
  type TypeScriptStubOptions,
  typescriptCommand,
} from './generate-ts.js';
export { acceptsUndefined, SchemaExportError, type SchemaSide, toJsonSchema } from './json-schema.js';
export { type LoadedContract, loadContract } from './load.js';
export {
  JSON_SCHEMA_DIALECT,
  type JsonSchema,
  MANIFEST_SCHEMA_URL,
  MANIFEST_VERSION,
  type Manifest,
  type ManifestKind,
  type ManifestPolicy,
  type ManifestProcedure,
  TOPIC_INPUT_SCHEMA,
} from './manifest.js';
export { defaultPythonPackage, generatePython, type PythonOptions, pythonCommand } from './python/index.js';
