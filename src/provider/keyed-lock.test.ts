import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KeyedLock } from './keyed-lock.js';

const tick = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('KeyedLock', () => {
  it('runs work for one key in order, one at a time, even after a failure', async () => {
    const lock = new KeyedLock();
    const events: string[] = [];
    const job = (name: string, ms: number, fail = false) => async (): Promise<string> => {
      events.push(`${name} start`);
      await tick(ms);
      events.push(`${name} end`);
      if (fail) throw new Error(name);
      return name;
    };
    const results = await Promise.allSettled([lock.run('fn', job('a', 20, true)), lock.run('fn', job('b', 5)), lock.run('fn', job('c', 1))]);
    assert.deepEqual(events, ['a start', 'a end', 'b start', 'b end', 'c start', 'c end']);
    assert.deepEqual(results.map((r) => r.status), ['rejected', 'fulfilled', 'fulfilled']);
  });

  it('lets different keys run at the same time', async () => {
    const lock = new KeyedLock();
    let running = 0;
    let most = 0;
    const job = async (): Promise<void> => {
      most = Math.max(most, ++running);
      await tick(10);
      running--;
    };
    await Promise.all([lock.run('a', job), lock.run('b', job), lock.run('c', job)]);
    assert.equal(most, 3);
  });
});
