import { piDigits } from './pi.js';
import type { FunctionContext, FunctionEvent } from './types.js';

/** The article's answer when the body is 0, empty or not a number. */
const DEFAULT_DIGITS = 40;
const MAX_DIGITS = readMax(process.env['PI_MAX_DIGITS']);

/**
 * The article's pi function: the body is the number of digits N ("40\n\n"); the answer is
 * "<N> <π to N significant digits>" (truncated), or {"digits", "pi"} for Accept: application/json.
 * Try: printf "40\n\n" | curl --data-binary @- http://127.0.0.1:8080/function/pi
 */
export default async function pi(event: FunctionEvent, context: FunctionContext): Promise<string | object> {
  const text = Buffer.isBuffer(event.body) ? event.body.toString('utf8') : typeof event.body === 'string' ? event.body : '';
  const asked = /^\s*\d+\s*$/.test(text) ? Number(text.trim()) : 0;
  const digits = asked > 0 ? asked : DEFAULT_DIGITS;
  if (digits > MAX_DIGITS) {
    context.status(400).headers({ 'content-type': 'text/plain; charset=utf-8' });
    return `${digits} digits is more than this function computes (PI_MAX_DIGITS=${MAX_DIGITS}): ask for fewer\n`;
  }
  const value = piDigits(digits);
  const accept = event.headers['accept'];
  if (typeof accept === 'string' && accept.includes('application/json')) return { digits, pi: value };
  context.headers({ 'content-type': 'text/plain; charset=utf-8' });
  return `${digits} ${value}\n`;
}

function readMax(value: string | undefined): number {
  const max = Number(value ?? 1_000_000);
  return Number.isInteger(max) && max > 0 ? max : 1_000_000;
}
