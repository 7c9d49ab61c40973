// The interfaces every backend implements
export type { AsyncBackend, AsyncQueue, BlobStore, CallFilter, CallStore, ConsumeOptions, DeadLetter, Delivery, Subscription } from './types.js';

// Backends
export { openJetStreamBackend } from './jetstream-backend.js';
export { openSqliteBackend } from './sqlite-backend.js';
export { SqliteQueue } from './sqlite.js';
export { openAsyncBackend } from './open.js';
