export { createGateway } from './server.js';
export { BasicAuth, PASSWORD_FILE, loadCredentials } from './auth.js';
export type { Credentials } from './auth.js';
export type { Gateway, GatewayOptions } from './server.js';
export { createMetricsServer } from './metrics.js';
export type { MetricsServer } from './metrics.js';
