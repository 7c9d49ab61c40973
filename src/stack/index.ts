// Types
export type { Stack, StackFunction } from './types.js';
export type { AppendOptions, NewStackFunction } from './append.js';

// Reading and writing stack files
export { loadStack, parseStack } from './parse.js';
export { appendStackFunction } from './append.js';
export { envsubst } from './envsubst.js';
