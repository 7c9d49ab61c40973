export { Provider } from './provider.js';
export type { ProviderOptions, ReplicaLogLine } from './provider.js';
export type { FunctionService } from './function-service.js';
export type { RuntimeSpec } from './runtime-spec.js';
export type { InGatewayRuntime } from './in-gateway.js';
export { callBuffered } from './buffered-call.js';
export type { BufferedCall, BufferedCallOptions, CallOutcome } from './buffered-call.js';
export { RESULT_LIMIT } from './result-sink.js';
export type { AnswerLimit } from './result-sink.js';
