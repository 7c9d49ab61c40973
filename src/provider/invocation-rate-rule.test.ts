import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvocationRateRule, type RuleAlert } from './invocation-rate-rule.js';

/**
 * A fake clock: `run` evaluates the rule once a second from `from` to `to` (seconds), with the
 * function's 200s growing by `perSecond(t)` each second, and returns what it sent, with when.
 */
function driver(opts = { threshold: 5, repeatMs: 30_000 }) {
  const rule = new InvocationRateRule(opts);
  let count = 0;
  const sent: Array<{ t: number } & Omit<RuleAlert, 'rate'>> = [];
  return {
    run(from: number, to: number, perSecond: (t: number) => number, name = 'fn'): typeof sent {
      for (let t = from; t <= to; t++) {
        if (t > 0) count += perSecond(t);
        for (const { name: n, status } of rule.evaluate(t * 1000, [[name, count]])) sent.push({ t, name: n, status });
      }
      return sent;
    },
  };
}

describe('InvocationRateRule (APIHighInvocationRate)', () => {
  it('fires once the rate has been above 5/s for 5 s, not before', () => {
    const d = driver();
    // 100/s from t=1: the 10 s window holds > 50 calls at t=1 already (100 / 10 s = 10/s): pending at 1, firing at 6.
    assert.deepEqual(d.run(0, 6, () => 100), [{ t: 6, name: 'fn', status: 'firing' }]);
  });

  it('never fires at 5/s or less: the rule is "> 5"', () => {
    const d = driver();
    assert.deepEqual(d.run(0, 120, () => 5), []);
  });

  it('counts over a sliding 10 s window: 6/s takes 9 s to go above 5/s, then 5 s more to fire', () => {
    const d = driver();
    // After n seconds of 6/s the window sums 6n calls over 10 s: above 5/s once 6n > 50, at n = 9.
    assert.deepEqual(d.run(0, 14, () => 6), [{ t: 14, name: 'fn', status: 'firing' }]);
  });

  it('sends nothing when the rate drops while pending, and the 5 s start again from the next rise', () => {
    const d = driver();
    // 4/s throughout (window: 40 calls, 4/s), a burst of 15 at t=21 (51 in the window: 5.1/s), nothing at
    // t=22 (47: 4.7/s): pending for 1 s only. From t=25, 20/s: above again (6.3/s), so firing 5 s later, at 30.
    const perSecond = (t: number): number => (t === 21 ? 15 : t === 22 ? 0 : t >= 25 ? 20 : 4);
    assert.deepEqual(d.run(0, 30, perSecond), [{ t: 30, name: 'fn', status: 'firing' }]);
  });

  it('resolves once the rate drops to the threshold or below, and only after it fired', () => {
    const d = driver();
    d.run(0, 20, () => 100);
    const sent = d.run(21, 40, () => 0);
    assert.deepEqual(sent, [
      { t: 6, name: 'fn', status: 'firing' },
      // The 100/s of t=11..20 leave the window one second at a time: 5/s or less once 10 s have passed.
      { t: 30, name: 'fn', status: 'resolved' },
    ]);
  });

  it('sends a still-firing alert again every repeat interval (AlertManager repeat_interval), and only then', () => {
    const d = driver({ threshold: 5, repeatMs: 30_000 });
    const firing = d.run(0, 100, () => 20).map(({ t }) => t);
    // 20/s: 6/s in the window from t=3, so firing at 8, then every 30 s.
    assert.deepEqual(firing, [8, 38, 68, 98]);
  });

  it('fires again after a resolve: the pending time starts over', () => {
    const d = driver();
    d.run(0, 10, () => 100);
    d.run(11, 40, () => 0);
    const sent = d.run(41, 50, () => 100).map(({ t, status }) => `${t} ${status}`);
    // Resolved at 20, once t=11..20 held no call; above again at 41, firing at 46.
    assert.deepEqual(sent, ['6 firing', '20 resolved', '46 firing']);
  });

  it('keeps each function apart, and forgets one that is no longer listed without sending anything', () => {
    const rule = new InvocationRateRule({ threshold: 5, repeatMs: 30_000 });
    const sent: string[] = [];
    let busy = 0;
    for (let t = 0; t <= 20; t++) {
      busy += t ? 100 : 0;
      const listed: Array<[string, number]> = t <= 10 ? [['busy', busy], ['idle', 3]] : [['idle', 3]];
      for (const a of rule.evaluate(t * 1000, listed)) sent.push(`${t} ${a.name} ${a.status}`);
    }
    // busy fires at 6 and is removed at 11: no resolved for a function that is gone.
    assert.deepEqual(sent, ['6 busy firing']);
  });

  it('takes a function first seen with calls already counted as its starting point, not as a burst', () => {
    const rule = new InvocationRateRule({ threshold: 5, repeatMs: 30_000 });
    const sent: string[] = [];
    for (let t = 0; t <= 20; t++) for (const a of rule.evaluate(t * 1000, [['old', 1_000_000]])) sent.push(`${t} ${a.status}`);
    assert.deepEqual(sent, []);
  });

  it('spreads the calls over the time the samples cover when a tick comes late', () => {
    const rule = new InvocationRateRule({ threshold: 5, repeatMs: 30_000 });
    rule.evaluate(0, [['fn', 0]]);
    // 20 s between two ticks (a blocked event loop): 150 calls are 7.5/s (pending), not 15/s.
    assert.deepEqual(rule.evaluate(20_000, [['fn', 150]]), []);
    // 5 s later, with no new call: 150 over the 25 s since the sample at 0 (the latest before the window), 6/s.
    assert.deepEqual(rule.evaluate(25_000, [['fn', 150]]).map((a) => [a.status, a.rate]), [['firing', 6]]);
  });

  it('starts the window again when a counter goes back', () => {
    const rule = new InvocationRateRule({ threshold: 5, repeatMs: 30_000 });
    rule.evaluate(0, [['fn', 500]]);
    const sent = [1, 2, 3, 4, 5, 6, 7].flatMap((t) => rule.evaluate(t * 1000, [['fn', 10]]));
    assert.deepEqual(sent, []);
  });

  it('uses the threshold it is given', () => {
    const d = driver({ threshold: 50, repeatMs: 30_000 });
    // 100/s: at t=6 the window holds 600 calls, 60/s, above 50/s; firing at 11.
    assert.deepEqual(d.run(0, 30, () => 100).map(({ t }) => t), [11]);
  });
});
