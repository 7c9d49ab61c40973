import { parseDuration } from '../config/index.js';

/**
 * The deadline of one call: `X-Timeout` may shorten the function's exec timeout, never lengthen it
 * (of-watchdog `getTimeout`). An exec timeout of 0 means unlimited, and then the header is ignored.
 */
export function effectiveTimeout(execTimeoutMs: number, header: string | string[] | undefined): number {
  if (execTimeoutMs <= 0 || typeof header !== 'string') return execTimeoutMs;
  const requested = parseDuration(header);
  return requested !== undefined && requested > 0 && requested < execTimeoutMs ? requested : execTimeoutMs;
}
