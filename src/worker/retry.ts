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
