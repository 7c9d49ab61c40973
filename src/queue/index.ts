// The interface every backend implements
export type { AsyncQueue, ConsumeOptions, DeadLetter, Delivery, Subscription } from './types.js';

// Backends
export { SqliteQueue } from './sqlite.js';
