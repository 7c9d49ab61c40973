import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StepWatch } from './step-watch.js';

describe('StepWatch', () => {
  it('wakes every waiter of a call as soon as it finishes, and only those', async () => {
    const watch = new StepWatch();
    const started = performance.now();
    let otherWoke = false;
    void watch.wait('b', 300).then(() => (otherWoke = true));
    const waits = Promise.all([watch.wait('a', 5000), watch.wait('a', 5000)]);
    setTimeout(() => watch.finished('a'), 20);
    await waits;
    assert.ok(performance.now() - started < 1000, 'woken by finished(), not by the 5 s timer');
    assert.equal(otherWoke, false);
  });

  it('resolves after its time when nothing finishes, and a finish before the wait does not count', async () => {
    const watch = new StepWatch();
    watch.finished('a');
    const started = performance.now();
    await watch.wait('a', 50);
    assert.ok(performance.now() - started >= 45, 'waited its time');
  });
});
