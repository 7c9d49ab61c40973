import type { FunctionContext, FunctionEvent } from './types.js';

/**
 * Sends the request body back unchanged, with the request's Content-Type. Runs with RAW_BODY=true
 * (see stack.yml), so the body is a Buffer for every type and the echo is byte-exact.
 */
export default async function echo(event: FunctionEvent, context: FunctionContext): Promise<Buffer> {
  const type = event.headers['content-type'];
  context.headers({ 'content-type': typeof type === 'string' && type !== '' ? type : 'application/octet-stream' });
  return Buffer.isBuffer(event.body) ? event.body : Buffer.from(String(event.body ?? ''));
}
