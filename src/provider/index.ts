export { Provider } from './provider.js';
export type { ProviderOptions, ReplicaLogLine } from './provider.js';
export type { FunctionService } from './function-service.js';
export type { RuntimeSpec } from './runtime-spec.js';
