import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { retryWait, type RetryConfig } from '../config/index.js';
import { retryPolicy } from './retry.js';

const DEFAULTS: RetryConfig = { attempts: 10, codes: [408, 429, 500, 502, 503, 504], minWaitMs: 10_000, maxWaitMs: 120_000 };

describe('retry policy (com.openfaas.retry.* annotations)', () => {
  it('is the gateway defaults without annotations', () => {
    assert.deepEqual(retryPolicy(undefined, DEFAULTS), { policy: DEFAULTS, problems: [] });
    assert.deepEqual(retryPolicy({ 'com.openfaas.queue': 'x' }, DEFAULTS).policy, DEFAULTS);
  });

  it('takes each annotation over its default', () => {
    const { policy, problems } = retryPolicy(
      { 'com.openfaas.retry.attempts': '3', 'com.openfaas.retry.codes': '503, 429', 'com.openfaas.retry.min_wait': '500ms', 'com.openfaas.retry.max_wait': '1m' },
      DEFAULTS,
    );
    assert.deepEqual(policy, { attempts: 3, codes: [503, 429], minWaitMs: 500, maxWaitMs: 60_000 });
    assert.deepEqual(problems, []);
  });

  it('keeps the default for an annotation it cannot read, and names it', () => {
    const { policy, problems } = retryPolicy({ 'com.openfaas.retry.attempts': 'many', 'com.openfaas.retry.codes': '500,x', 'com.openfaas.retry.min_wait': '0' }, DEFAULTS);
    assert.equal(policy.attempts, 10);
    assert.deepEqual(policy.codes, DEFAULTS.codes);
    assert.equal(policy.minWaitMs, 0, 'a plain 0 is a duration: no wait');
    assert.deepEqual(problems, ['com.openfaas.retry.attempts=many', 'com.openfaas.retry.codes=500,x']);
    assert.deepEqual(retryPolicy({ 'com.openfaas.retry.attempts': '0' }, DEFAULTS).problems, ['com.openfaas.retry.attempts=0']);
  });

  it('never has a max_wait below min_wait', () => {
    const { policy } = retryPolicy({ 'com.openfaas.retry.min_wait': '30s', 'com.openfaas.retry.max_wait': '5s' }, DEFAULTS);
    assert.equal(policy.maxWaitMs, 30_000);
  });
});

describe('retry waits', () => {
  const policy: RetryConfig = { attempts: 10, codes: [], minWaitMs: 1000, maxWaitMs: 10_000 };

  it('grow exponentially from min_wait with jitter, never below min_wait nor above max_wait', () => {
    for (let i = 0; i < 200; i++) {
      const waits = [1, 2, 3, 4, 5, 6].map((attempt) => retryWait(attempt, policy));
      assert.equal(waits[0], 1000, 'the first retry waits min_wait');
      assert.ok((waits[1] as number) >= 1000 && (waits[1] as number) <= 2000, `attempt 2: ${waits[1]}`);
      assert.ok((waits[2] as number) >= 2000 && (waits[2] as number) <= 4000, `attempt 3: ${waits[2]}`);
      assert.ok((waits[3] as number) >= 4000 && (waits[3] as number) <= 8000, `attempt 4: ${waits[3]}`);
      for (const wait of waits.slice(4)) assert.ok(wait >= 5000 && wait <= 10_000, `capped: ${wait}`);
    }
  });

  it('spread out: the same attempt does not always wait the same', () => {
    const waits = new Set(Array.from({ length: 50 }, () => retryWait(4, policy)));
    assert.ok(waits.size > 10);
  });

  it('honour a longer Retry-After, in seconds or as an HTTP date, within ten times max_wait', () => {
    assert.equal(retryWait(1, policy, '30'), 30_000);
    const now = Date.parse('2026-11-28T10:00:00Z');
    assert.equal(retryWait(1, policy, 'Sat, 28 Nov 2026 10:00:45 GMT', now), 45_000);
    assert.equal(retryWait(1, policy, '100000'), 100_000, 'capped at 10 × max_wait');
    assert.equal(retryWait(1, policy, '0'), 1000, 'a shorter one does not cut the backoff');
    assert.equal(retryWait(1, policy, 'soon'), 1000, 'an unreadable one is ignored');
  });
});
