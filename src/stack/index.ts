// Types
export type { Stack, StackFunction, StackTemplate } from './types.js';
export type { AppendOptions, NewStackFunction } from './append.js';

// Reading and writing stack files
export { loadStack, parseStack } from './parse.js';
export { appendStackFunction } from './append.js';
export { envsubst } from './envsubst.js';

// Problem lines with key paths and lines, for other YAML files checked the same way (workflow.yml)
export { byLine, lineAt, lineOf, schemaProblems, yamlProblems } from './problems.js';
export type { Path, SchemaInfo } from './problems.js';
