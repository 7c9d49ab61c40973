// The interfaces every backend implements
export type { AsyncBackend, AsyncQueue, BlobStore, CallFilter, CallStore, ConsumeOptions, DeadLetter, Delivery, Subscription } from './types.js';

// Opening a backend: embedded SQLite, or NATS JetStream (loaded only when asked for)
export { openAsyncBackend } from './open.js';

// Storing a new call: record, body (inline or blob) and message, in that order
export { enqueueCall, queuedRecord, submitCall } from './submit.js';
export type { NewCall } from './submit.js';
