export { runWatchdog } from './run.js';
export type { RunningWatchdog } from './run.js';
export type { LogOutput } from './log.js';
export { lockFile } from './lock-file.js';
export { watchdogProcess } from './command.js';
export type { WatchdogIo } from './command.js';
