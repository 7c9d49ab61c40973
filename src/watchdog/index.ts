// Types
export type { FunctionRuntime, HeaderList, Invocation, LogSink, ModeHandler, ResponseSink } from './types.js';

// Configuration: the watchdogs' env vars
export { watchdogConfig } from './config.js';
export type { WatchdogConfig, WatchdogDefaults } from './config.js';

// Modes
export { createMode } from './modes.js';
export type { ModeOptions } from './modes.js';
export type { CallConfinement, ProcessExit } from './spawn-call.js';

// One call over HTTP: the hot path of the gateway and of `sluice watchdog`
export { serveCall } from './serve-call.js';
export type { CallEdge, CallTarget } from './serve-call.js';

// Requests, deadlines and outcomes
export { CallSignal } from './call-signal.js';
export { limited, readBuffer, readText } from './request-body.js';
export type { BodyLimit } from './request-body.js';
export { sendError, sendErrorOnSocket, sendJson, sendStatus } from './respond.js';
export { proxyUpgrade } from './upgrade.js';
export { ClientGone, ReplicaUnreachable } from './outcome.js';
export { lineSplitter } from './lines.js';
export { addressOf, canConnect } from './connect-probe.js';
export type { ServerAddress } from './connect-probe.js';

// The standalone watchdog (`sluice watchdog`)
export { exitMessage, watchdogProcess } from './standalone/index.js';
export type { WatchdogIo } from './standalone/index.js';
