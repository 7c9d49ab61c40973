import type { FunctionContext, FunctionEvent } from './types.js';

/**
 * Says hello to whoever the request body names.
 * Try: curl -d 'Ada' http://127.0.0.1:8080/function/<name>
 */
export default async function handle(event: FunctionEvent, context: FunctionContext): Promise<string> {
  const name = typeof event.body === 'string' && event.body.trim() !== '' ? event.body.trim() : 'world';
  context.headers({ 'content-type': 'text/plain; charset=utf-8' });
  return `Hello, ${name}!\n`;
}
