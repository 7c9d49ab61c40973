import type { FunctionContext, FunctionEvent } from './types.js';

/**
 * Says hello to whoever the request body names, and shows what reached it.
 * Try: curl -X PUT -d 'Ada' 'http://127.0.0.1:8080/function/<name>/some/path?a=1&a=2'
 */
export default async function handle(event: FunctionEvent, context: FunctionContext): Promise<string> {
  const name = typeof event.body === 'string' && event.body.trim() !== '' ? event.body.trim() : 'world';
  const query = Object.keys(event.query).length > 0 ? ` query ${JSON.stringify(event.query)}` : '';
  context.headers({ 'content-type': 'text/plain; charset=utf-8' });
  return `Hello, ${name}! (${event.method} ${event.path}${query})\n`;
}
