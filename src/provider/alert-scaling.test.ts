import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SluiceError, errors, type FunctionStatus } from '../api/index.js';
import { alertReplicas, scaleForAlert, type ScaleTarget } from './alert-scaling.js';
import { Autoscaler, type AutoscaleTarget } from './autoscaler.js';
import { scaleLabels } from './scale-labels.js';

/** A provider as the alert scaling sees it: functions with labels and desired replicas, and `scale()`. */
class FakeProvider implements AutoscaleTarget {
  readonly replicas = new Map<string, number>();
  readonly labels = new Map<string, Record<string, string>>();
  readonly scaled: string[] = [];
  readonly answered200 = new Map<string, number>();
  readonly metrics = { answered: (code: number) => (code === 200 ? this.answered200.entries() : [][Symbol.iterator]()) };

  deploy(name: string, replicas: number, labels: Record<string, string> = {}): void {
    this.replicas.set(name, replicas);
    this.labels.set(name, labels);
  }
  has(name: string): boolean {
    return this.replicas.has(name);
  }
  status(name: string): Pick<FunctionStatus, 'name' | 'labels' | 'replicas'> {
    const replicas = this.replicas.get(name);
    if (replicas === undefined) throw errors.functionNotFound(name);
    return { name, labels: { ...this.labels.get(name), faas_function: name }, ...(replicas ? { replicas } : {}) };
  }
  async scale(name: string, replicas: number): Promise<void> {
    this.scaled.push(`${name} ${replicas}`);
    this.replicas.set(name, replicas);
  }
}

const labels = (min: number, max: number, factor = 10) => ({ min, max, factor });

describe('alertReplicas (OpenFaaS CalculateReplicas)', () => {
  it('firing adds ceil(max × factor / 100), up to max', () => {
    assert.equal(alertReplicas('firing', 1, labels(1, 20)), 3);
    assert.equal(alertReplicas('firing', 19, labels(1, 20)), 20);
    assert.equal(alertReplicas('firing', 20, labels(1, 20)), 20);
    // The certifier's function: max 2, factor 10 → a step of ceil(0.2) = 1.
    assert.equal(alertReplicas('firing', 1, labels(1, 2)), 2);
    assert.equal(alertReplicas('firing', 1, labels(1, 5, 100)), 5);
    assert.equal(alertReplicas('firing', 1, labels(1, 10, 1)), 2);
  });

  it('counts in whole numbers: 35 % of 20 is 7, where Go’s floats say 8', () => {
    assert.equal(alertReplicas('firing', 1, labels(1, 20, 35)), 8);
  });

  it('resolved goes back to min, never below 1', () => {
    assert.equal(alertReplicas('resolved', 5, labels(2, 20)), 2);
    assert.equal(alertReplicas('resolved', 5, labels(0, 20)), 1);
  });
});

describe('scaleLabels: com.openfaas.scale.factor', () => {
  it('defaults to 10 and takes 1–100', () => {
    assert.equal(scaleLabels({ service: 'fn' }).factor, 10);
    assert.equal(scaleLabels({ service: 'fn', labels: { 'com.openfaas.scale.factor': '1' } }).factor, 1);
    assert.equal(scaleLabels({ service: 'fn', labels: { 'com.openfaas.scale.factor': '100' } }).factor, 100);
  });

  for (const bad of ['0', '101', '-5', '2.5', 'ten']) {
    it(`refuses factor "${bad}" with a 400 naming the label`, () => {
      assert.throws(
        () => scaleLabels({ service: 'fn', labels: { 'com.openfaas.scale.factor': bad } }),
        (err: unknown) => err instanceof SluiceError && err.code === 'ERR_BAD_REQUEST' && err.message.includes('com.openfaas.scale.factor'),
      );
    });
  }
});

describe('scaleForAlert', () => {
  it('scales a firing function up through scale(), and a resolved one back to min', async () => {
    const p = new FakeProvider();
    p.deploy('fn', 1, { 'com.openfaas.scale.max': '4', 'com.openfaas.scale.factor': '50' });
    assert.deepEqual(await scaleForAlert(p, 'fn', 'firing'), { from: 1, to: 3 });
    assert.deepEqual(await scaleForAlert(p, 'fn', 'firing'), { from: 3, to: 4 });
    assert.equal(await scaleForAlert(p, 'fn', 'firing'), undefined, 'at max: no call');
    assert.deepEqual(await scaleForAlert(p, 'fn', 'resolved'), { from: 4, to: 1 });
    assert.equal(await scaleForAlert(p, 'fn', 'resolved'), undefined, 'at min: no call');
    assert.deepEqual(p.scaled, ['fn 3', 'fn 4', 'fn 1']);
  });

  it('leaves alone a function scaled to 0 and one whose min equals its max', async () => {
    const p = new FakeProvider();
    p.deploy('zero', 0);
    p.deploy('fixed', 2, { 'com.openfaas.scale.min': '2', 'com.openfaas.scale.max': '2' });
    p.deploy('fixed-off', 3, { 'com.openfaas.scale.min': '2', 'com.openfaas.scale.max': '2' });
    for (const name of ['zero', 'fixed', 'fixed-off']) {
      assert.equal(await scaleForAlert(p, name, 'firing'), undefined, name);
      assert.equal(await scaleForAlert(p, name, 'resolved'), undefined, name);
    }
    assert.deepEqual(p.scaled, []);
  });

  it('fails with the provider’s error for a function that does not exist', async () => {
    await assert.rejects(scaleForAlert(new FakeProvider(), 'nope', 'firing'), (err: unknown) => err instanceof SluiceError && err.code === 'ERR_FUNCTION_NOT_FOUND');
  });

  it('needs nothing but status() and scale() of its target', async () => {
    const calls: string[] = [];
    const target: ScaleTarget = {
      status: (name) => ({ name, replicas: 1, labels: { 'com.openfaas.scale.max': '2' } }),
      scale: async (name, n) => void calls.push(`${name} ${n}`),
    };
    await scaleForAlert(target, 'fn', 'firing');
    assert.deepEqual(calls, ['fn 2']);
  });
});

describe('Autoscaler', () => {
  /** Ticks the autoscaler once a (fake) second for `seconds`, the function's 200s growing by `perSecond`. */
  async function drive(p: FakeProvider, auto: Autoscaler, clock: { t: number }, seconds: number, perSecond: number, name = 'fn'): Promise<void> {
    for (let i = 0; i < seconds; i++) {
      clock.t += 1000;
      p.answered200.set(name, (p.answered200.get(name) ?? 0) + perSecond);
      auto.tick();
      await new Promise((r) => setImmediate(r));
    }
  }

  it('scales through the alert scaling: up after 5 s above 5/s, again each repeat interval, back to min when it drops', async () => {
    const p = new FakeProvider();
    p.deploy('fn', 1, { 'com.openfaas.scale.max': '3', 'com.openfaas.scale.factor': '33' });
    p.answered200.set('fn', 0);
    const clock = { t: 0 };
    const changes: string[] = [];
    const auto = new Autoscaler(p, { threshold: 5, repeatMs: 30_000 }, { now: () => clock.t, scaled: (name, c, why) => changes.push(`${name} ${c.from}→${c.to} ${why.split(' ')[1]}`), failed: (_n, err) => assert.fail(String(err)) });
    try {
      auto.tick();
      await drive(p, auto, clock, 6, 100);
      assert.deepEqual(p.scaled, ['fn 2'], 'one step of ceil(3 × 33 %) = 1, after 5 s pending');
      await drive(p, auto, clock, 30, 100);
      assert.deepEqual(p.scaled, ['fn 2', 'fn 3'], 'the repeat 30 s later steps again, to max');
      await drive(p, auto, clock, 12, 0);
      assert.deepEqual(p.scaled, ['fn 2', 'fn 3', 'fn 1'], 'resolved: back to min');
      assert.deepEqual(changes, ['fn 1→2 firing', 'fn 2→3 firing', 'fn 3→1 resolved']);
    } finally {
      await auto.close();
    }
  });

  it('looks only at deployed functions, and reports a failed scaling without stopping', async () => {
    const p = new FakeProvider();
    p.answered200.set('gone', 0);
    p.deploy('fn', 1, { 'com.openfaas.scale.max': '2' });
    p.answered200.set('fn', 0);
    const clock = { t: 0 };
    const failed: string[] = [];
    const auto = new Autoscaler(p, { threshold: 5, repeatMs: 30_000 }, { now: () => clock.t, scaled: () => {}, failed: (name, err) => failed.push(`${name} ${(err as SluiceError).code}`) });
    p.scale = async () => {
      throw errors.badRequest('no');
    };
    try {
      auto.tick();
      for (let i = 0; i < 6; i++) {
        clock.t += 1000;
        p.answered200.set('gone', (p.answered200.get('gone') ?? 0) + 100);
        p.answered200.set('fn', (p.answered200.get('fn') ?? 0) + 100);
        auto.tick();
      }
    } finally {
      await auto.close();
    }
    assert.deepEqual(failed, ['fn ERR_BAD_REQUEST']);
  });

  it('close() waits for scaling in progress and stops the timer', async () => {
    const p = new FakeProvider();
    p.deploy('fn', 1, { 'com.openfaas.scale.max': '2' });
    let release = (): void => {};
    let finished = false;
    p.scale = async () => {
      await new Promise<void>((r) => (release = r));
      finished = true;
    };
    const clock = { t: 0 };
    const auto = new Autoscaler(p, { threshold: 5, repeatMs: 30_000 }, { now: () => clock.t, scaled: () => {}, failed: () => {} });
    p.answered200.set('fn', 0);
    auto.tick();
    for (let i = 0; i < 6; i++) {
      clock.t += 1000;
      p.answered200.set('fn', (p.answered200.get('fn') ?? 0) + 100);
      auto.tick();
    }
    const closed = auto.close();
    let done = false;
    void closed.then(() => (done = true));
    await new Promise((r) => setImmediate(r));
    assert.equal(done, false, 'still scaling');
    release();
    await closed;
    assert.equal(finished, true);
  });
});
