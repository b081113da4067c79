export { generatePython, type PythonOptions } from './generate.js';
export type { Manifest } from './manifest-type.js';
