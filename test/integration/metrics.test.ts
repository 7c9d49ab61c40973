/**
 * `GET /metrics` (issue 7, reference §6): the OpenFaaS gateway metrics with their names and labels,
 * counted for sync calls, queued calls and errors alike; Sluice's own queue, async call, callback and
 * replica restart metrics; `invocationCount` read from the same counters.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startReceiver, type CallbackReceiver } from '../callback-receiver.js';
import { cleanup, deployNodeTs, eventually, startSluice, waitAvailable, type SluiceNode } from '../harness.js';

/** ?status=N answers N; ?crash=1 exits the replica mid-call. */
const PROBE = `export default async (event: { query: Record<string, string> }, context: { status(n: number): unknown }) => {
  if (event.query.crash) process.exit(3);
  context.status(Number(event.query.status ?? 200));
  return 'ok';
};
`;

/** The Prometheus text as `name{labels} → value`, labels as printed (prom-client sorts nothing; we do not either). */
async function scrape(node: SluiceNode): Promise<Map<string, number>> {
  const res = await fetch(`${node.url}/metrics`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  const samples = new Map<string, number>();
  for (const line of (await res.text()).split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    samples.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return samples;
}

const invoke = (node: SluiceNode, query: string): Promise<Response> => fetch(`${node.url}/function/mprobe?${query}`, { method: 'POST', body: 'x' });

describe('GET /metrics', () => {
  let node: SluiceNode;
  let receiver: CallbackReceiver;
  before(async () => {
    [node, receiver] = await Promise.all([startSluice(), startReceiver()]);
    await deployNodeTs(node, 'mprobe', PROBE);
    await waitAvailable(node, 'mprobe');
  });
  after(async () => {
    await receiver.close();
    await cleanup();
  });

  it('counts sync calls by function_name <name>.<namespace> and code, with their seconds, and invocationCount agrees', async () => {
    for (const query of ['', '', 'status=418']) assert.ok([200, 418].includes((await invoke(node, query)).status));
    const m = await scrape(node);
    assert.equal(m.get('gateway_function_invocation_started{function_name="mprobe.openfaas-fn"}'), 3);
    assert.equal(m.get('gateway_function_invocation_total{function_name="mprobe.openfaas-fn",code="200"}'), 2);
    assert.equal(m.get('gateway_function_invocation_total{function_name="mprobe.openfaas-fn",code="418"}'), 1);
    assert.equal(m.get('gateway_functions_seconds_count{function_name="mprobe.openfaas-fn",code="200"}'), 2);
    assert.ok((m.get('gateway_functions_seconds_sum{function_name="mprobe.openfaas-fn",code="200"}') ?? 0) > 0);
    assert.equal(m.get('gateway_functions_seconds_bucket{le="+Inf",function_name="mprobe.openfaas-fn",code="418"}'), 1);
    assert.equal(m.get('gateway_service_count{function_name="mprobe.openfaas-fn"}'), 1);
    const status = (await (await fetch(`${node.url}/system/function/mprobe`)).json()) as { invocationCount: number };
    assert.equal(status.invocationCount, 3);
  });

  it("counts a queued call's run, its final status and its callback's code", async () => {
    const before = await scrape(node);
    const res = await fetch(`${node.url}/async-function/mprobe`, { method: 'POST', body: 'x', headers: { 'x-callback-url': `${receiver.url}/cb` } });
    assert.equal(res.status, 202);
    await receiver.waitFor(1);
    const m = await eventually(async () => {
      const now = await scrape(node);
      // The message goes once the callback's outcome is stored, just after the POST.
      return now.get('sluice_callback_deliveries_total{code="200"}') === 1 && now.get('sluice_queue_depth{queue="faas-request"}') === 0 && now;
    }, 5_000, 'the callback counted and the message gone');
    const total = 'gateway_function_invocation_total{function_name="mprobe.openfaas-fn",code="200"}';
    assert.equal(m.get(total), (before.get(total) ?? 0) + 1, 'the queued run is a call of the function too');
    assert.equal(m.get('sluice_async_calls_total{function="mprobe.openfaas-fn",status="succeeded"}'), 1);
    assert.equal(m.get('sluice_queue_depth{queue="sluice-workflows"}'), 0);
  });

  it('counts a crashed call as 502 and the replica restart', async () => {
    assert.equal((await invoke(node, 'crash=1')).status, 502);
    const m = await eventually(async () => {
      const now = await scrape(node);
      return now.get('sluice_replica_restarts_total{function="mprobe.openfaas-fn"}') === 1 && now;
    }, 5_000, 'the restart counted');
    assert.equal(m.get('gateway_function_invocation_total{function_name="mprobe.openfaas-fn",code="502"}'), 1);
  });
});

describe('GET /metrics without a worker', () => {
  it('shows the calls waiting in the queue, and counts a cancelled one', async () => {
    const node = await startSluice({ args: ['--no-worker'] });
    await deployNodeTs(node, 'mprobe', PROBE);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${node.url}/async-function/mprobe`, { method: 'POST', body: 'x' });
      assert.equal(res.status, 202);
      ids.push(res.headers.get('x-call-id') as string);
    }
    assert.equal((await scrape(node)).get('sluice_queue_depth{queue="faas-request"}'), 3);
    assert.equal((await fetch(`${node.url}/async-function/${ids[0]}`, { method: 'DELETE' })).status, 200);
    const m = await scrape(node);
    // The cancelled call's message stays until a worker takes it and drops it: the depth counts messages.
    assert.equal(m.get('sluice_queue_depth{queue="faas-request"}'), 3);
    assert.equal(m.get('sluice_async_calls_total{function="mprobe.openfaas-fn",status="cancelled"}'), 1);
    assert.equal(m.get('gateway_function_invocation_started{function_name="mprobe.openfaas-fn"}'), undefined, 'nothing ran');
    await cleanup();
  });
});
