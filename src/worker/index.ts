// The queue worker
export { DEFAULT_QUEUE, Worker, queueOf } from './worker.js';
export type { WorkerOptions } from './worker.js';

// Callbacks
export { CallbackClient } from './callback.js';
export type { CallbackMessage, CallbackOptions } from './callback.js';
export { signCallback, verifyCallbackSignature } from './signature.js';
