export { loadConfig } from './load.js';
export type { GatewayConfig, GatewayFlags } from './load.js';
export { formatSeconds, parseDuration, parseSize } from './units.js';
