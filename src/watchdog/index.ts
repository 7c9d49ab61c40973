// Types
export type { HeaderList, Invocation, LogSink, ModeHandler, ResponseSink } from './types.js';

// Modes
export { createHttpMode } from './http-mode.js';
export type { HttpModeOptions } from './http-mode.js';
export { createForkMode } from './fork-mode.js';
export type { ForkModeOptions } from './fork-mode.js';

// Deadlines and outcomes
export { CallSignal } from './call-signal.js';
export { effectiveTimeout } from './timeout.js';
export { ClientGone, ReplicaUnreachable } from './outcome.js';
export { lineSplitter } from './lines.js';
