/**
 * The built-in APIHighInvocationRate rule through its settings (docs/scaling.md): a shorter
 * `autoscaling_repeat` steps a still-loaded function up again, each step in the gateway's log;
 * `autoscaling=false` leaves it alone. The certifier test covers the defaults (min 1 → max 2 → 1).
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { FunctionStatus } from '../../src/api/index.js';
import { cleanup, deploy, eventually, startSluice, steadyLoad, waitAvailable, type SluiceNode } from '../harness.js';

const replicasOf = async (node: SluiceNode, name: string): Promise<number> =>
  ((await (await fetch(`${node.url}/system/function/${name}`)).json()) as FunctionStatus).replicas ?? 0;

describe('autoscaling settings', () => {
  after(cleanup);

  it('steps up again every autoscaling_repeat while the load lasts, logging each step; autoscaling=false scales nothing', async () => {
    const [on, off] = await Promise.all([
      startSluice({ env: { autoscaling: 'true', autoscaling_repeat: '2s', log_level: 'info' } }),
      startSluice({ env: { autoscaling: 'false' } }),
    ]);
    // max 3, factor 33: one replica a step (ceil(3 × 33 %) = 1).
    const fn = { service: 'busy', image: 'x', envProcess: 'cat', labels: { 'com.openfaas.scale.max': '3', 'com.openfaas.scale.factor': '33' } };
    await Promise.all([deploy(on, fn), deploy(off, fn)]);
    await Promise.all([waitAvailable(on, 'busy'), waitAvailable(off, 'busy')]);
    const stops = [steadyLoad(on, 'busy', 'x'), steadyLoad(off, 'busy', 'x')];
    const started = Date.now();
    try {
      // Firing after 5 s above 5/s: 1 → 2; sent again 2 s later: 2 → 3 (max).
      await eventually(async () => (await replicasOf(on, 'busy')) === 3, 20_000, 'two steps, to max 3');
    } finally {
      await Promise.all(stops.map((stop) => stop()));
    }
    assert.ok(Date.now() - started >= 5_000, 'not before the 5 s the rule waits');
    assert.equal(await replicasOf(off, 'busy'), 1, 'autoscaling=false: still 1 after the same load');
    const steps = on.output().match(/autoscaling: APIHighInvocationRate firing \([\d.]+ calls\/s answered 200 over 10s\): \d → \d replicas/g) ?? [];
    assert.deepEqual(steps.map((line) => line.slice(-14)), ['1 → 2 replicas', '2 → 3 replicas']);
  });
});
