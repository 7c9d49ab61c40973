import type { RetryConfig } from './async.js';

/**
 * How long to wait before run `attempt + 1`: exponential from min_wait, capped at max_wait, with
 * "equal jitter" (half fixed, half random, never below min_wait) so retries of many calls spread out
 * yet still grow. A
 * `Retry-After` from the function (seconds or an HTTP date) wins when it asks for longer.
 */
export function retryWait(attempt: number, policy: RetryConfig, retryAfter?: string, now = Date.now()): number {
  const ceiling = Math.min(policy.maxWaitMs, policy.minWaitMs * 2 ** Math.max(0, attempt - 1));
  const jittered = Math.max(policy.minWaitMs, ceiling / 2 + Math.random() * (ceiling / 2));
  const asked = retryAfterMs(retryAfter, now);
  return Math.round(asked !== undefined && asked > jittered ? Math.min(asked, policy.maxWaitMs * 10) : jittered);
}

/** `Retry-After: 5` or `Retry-After: <HTTP date>` → ms from now. */
function retryAfterMs(value: string | undefined, now: number): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
