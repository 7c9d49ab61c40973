// `sluice receiver`: the HTTP server and its folder of saved messages
export { startReceiver } from './server.js';
export type { Receiver, ReceiverOptions } from './server.js';
export type { MessageRecord, MessageSummary } from './store.js';

// Its log lines
export { jsonLine, werkzeugLine } from './access-log.js';
export type { AccessEntry } from './access-log.js';
