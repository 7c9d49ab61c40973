// Templates
export { findTemplate, listTemplates } from './templates.js';
export type { Template } from './templates.js';
export { scaffoldFunction } from './scaffold.js';
export { pullTemplates } from './template-pull.js';
export type { PullOptions, PullResult } from './template-pull.js';
export { pullStackTemplates } from './stack-templates.js';
export type { StackPullOptions, StackPullResult } from './stack-templates.js';

// Building and packing bundles
export { buildFunction } from './build.js';
export type { BuildOptions, BuiltBundle } from './build.js';
export { packBundle } from './pack.js';
export { deploymentFor } from './deployment.js';
