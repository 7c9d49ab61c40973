export { exitMessage, watchdogProcess } from './command.js';
export type { WatchdogIo } from './command.js';
