/**
 * Runs once per call: `input` is the request body (a Buffer when RAW_BODY is "true"), and what the
 * handler returns is the answer: strings and Buffers as they are, objects and arrays as JSON.
 * Method, path, query and headers are in Http_* environment variables (`Http_Content_Type`…).
 * Try: curl -X PUT -d 'Ada' 'http://127.0.0.1:8080/function/<name>/some/path?a=1'
 */
export default async function handle(input: string): Promise<string> {
  const name = input.trim() || 'world';
  const query = process.env['Http_Query'] ? `?${process.env['Http_Query']}` : '';
  return `Hello, ${name}! (${process.env['Http_Method'] ?? 'POST'} ${process.env['Http_Path'] ?? '/'}${query})\n`;
}
