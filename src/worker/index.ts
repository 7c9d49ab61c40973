// The queue worker
export { Worker } from './worker.js';
export type { WorkerOptions } from './worker.js';
export { DEFAULT_QUEUE, queueFor, queueOf } from './queues.js';

// How a worker runs calls: in the gateway's process, or through a gateway's HTTP API
export { gatewayInvoker } from './gateway-invoker.js';
export { localInvoker } from './invoker.js';
export type { Invoker } from './invoker.js';

// Metrics of the queue, the calls and their callbacks
export { AsyncMetrics } from './metrics.js';

// Callbacks
export { CallbackClient } from './callback.js';
export type { CallbackMessage, CallbackOptions } from './callback.js';
