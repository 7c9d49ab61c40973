export { createGateway } from './server.js';
export type { Gateway, GatewayOptions } from './server.js';
