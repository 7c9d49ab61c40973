import { parseDuration, parseStatusCodes, type RetryConfig } from '../config/index.js';

const ANNOTATION = 'com.openfaas.retry.';

/**
 * A function's retry policy: the gateway's defaults, overridden by its annotations
 * `com.openfaas.retry.attempts`, `.codes` (`429,503`), `.min_wait` and `.max_wait` (Go durations), as
 * OpenFaaS Pro reads them. An annotation that does not parse keeps the default (and is reported).
 */
export function retryPolicy(annotations: Readonly<Record<string, string>> | undefined, defaults: RetryConfig): { policy: RetryConfig; problems: string[] } {
  const problems: string[] = [];
  const read = <T>(key: string, parse: (text: string) => T | undefined, fallback: T): T => {
    const text = annotations?.[ANNOTATION + key];
    if (text === undefined) return fallback;
    const value = parse(text);
    if (value === undefined) problems.push(`${ANNOTATION}${key}=${text}`);
    return value ?? fallback;
  };
  const attempts = read('attempts', (t) => (/^\d+$/.test(t.trim()) && Number(t) >= 1 ? Number(t) : undefined), defaults.attempts);
  const codes = read('codes', parseStatusCodes, defaults.codes);
  const minWaitMs = read('min_wait', parseDuration, defaults.minWaitMs);
  const maxWaitMs = Math.max(minWaitMs, read('max_wait', parseDuration, defaults.maxWaitMs));
  return { policy: { attempts, codes, minWaitMs, maxWaitMs }, problems };
}

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
