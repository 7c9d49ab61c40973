export { loadConfig } from './load.js';
export { isLabelKey, isLabelValue } from './node-labels.js';
export type { AutoscalingConfig, GatewayConfig, GatewayFlags } from './load.js';
export { parseStatusCodes } from './async.js';
export type { AsyncConfig, RetryConfig } from './async.js';
export { retryWait } from './retry-wait.js';
export { formatSeconds, parseDuration, parseSize } from './units.js';
