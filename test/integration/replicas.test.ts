import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { alive, cleanup, deploy, deployNodeTs, eventually, startSluice, waitAvailable, type SluiceNode } from '../harness.js';

/** Answers with its process id, after `?ms=` milliseconds. */
const WHOAMI = `
export default async (event: any) => {
  const ms = Number(event.query.ms ?? 0);
  if (ms) await new Promise((r) => setTimeout(r, ms));
  return String(process.pid) + ' ' + (process.env.GREETING ?? '');
};`;

let node: SluiceNode;
const call = async (query = ''): Promise<{ status: number; text: string }> => {
  const res = await fetch(`${node.url}/function/whoami${query}`);
  return { status: res.status, text: await res.text() };
};
const scale = (replicas: number): Promise<Response> =>
  fetch(`${node.url}/system/scale-function/whoami`, { method: 'POST', body: JSON.stringify({ serviceName: 'whoami', replicas }) });

describe('replicas', () => {
  before(async () => {
    node = await startSluice();
    await deployNodeTs(node, 'whoami', WHOAMI);
  });
  after(cleanup);

  it('a call made before the first replica is ready waits for it instead of failing', async () => {
    await deployNodeTs(node, 'fresh', WHOAMI);
    const res = await fetch(`${node.url}/function/fresh`);
    assert.equal(res.status, 200);
  });

  it('200 concurrent calls to 3 replicas all succeed and are spread over all three', async () => {
    assert.equal((await scale(3)).status, 202);
    await waitAvailable(node, 'whoami', 3);
    const answers = await Promise.all(Array.from({ length: 200 }, () => call('?ms=20')));
    assert.deepEqual(answers.filter((a) => a.status !== 200), []);
    const perPid = new Map<string, number>();
    for (const a of answers) {
      const pid = a.text.split(' ')[0] as string;
      perPid.set(pid, (perPid.get(pid) ?? 0) + 1);
    }
    assert.equal(perPid.size, 3, `calls went to ${perPid.size} replicas`);
    for (const [pid, count] of perPid) assert.ok(count >= 30, `replica ${pid} took only ${count} of 200 calls`);
  });

  it('a killed replica is replaced and calls keep succeeding', async () => {
    await scale(3);
    await waitAvailable(node, 'whoami', 3);
    const victim = Number((await call()).text.split(' ')[0]);
    process.kill(victim, 'SIGKILL');
    await eventually(() => !alive(victim), 5000, 'the replica to die');
    await waitAvailable(node, 'whoami', 3);
    const answers = await Promise.all(Array.from({ length: 30 }, () => call()));
    assert.deepEqual(answers.filter((a) => a.status !== 200), []);
    assert.ok(!answers.some((a) => a.text.startsWith(`${victim} `)), 'no call served by the dead process');
  });

  it('scaling down does not drop calls in flight', async () => {
    const inFlight = Array.from({ length: 30 }, () => call('?ms=600'));
    await new Promise((r) => setTimeout(r, 150));
    assert.equal((await scale(1)).status, 202);
    const answers = await Promise.all(inFlight);
    assert.deepEqual(answers.filter((a) => a.status !== 200), []);
    await eventually(async () => {
      const status = (await (await fetch(`${node.url}/system/function/whoami`)).json()) as { availableReplicas?: number };
      return status.availableReplicas === 1;
    }, 10_000, 'one replica left');
  });

  it('scaling up does not drop calls in flight', async () => {
    const inFlight = Array.from({ length: 20 }, () => call('?ms=300'));
    assert.equal((await scale(2)).status, 202);
    const answers = await Promise.all(inFlight);
    assert.deepEqual(answers.filter((a) => a.status !== 200), []);
    await waitAvailable(node, 'whoami', 2);
  });

  it('a rolling update (changed env) drops no call and the new env takes over', async () => {
    const { deploymentFor } = await import('../../src/builder/index.js');
    const current = (await (await fetch(`${node.url}/system/function/whoami`)).json()) as { annotations: Record<string, string> };
    let stop = false;
    const failures: number[] = [];
    const load = (async () => {
      while (!stop) {
        const a = await call('?ms=10');
        if (a.status !== 200) failures.push(a.status);
      }
    })();
    await deploy(node, {
      ...deploymentFor({ name: 'whoami', environment: { GREETING: 'v2' }, labels: {}, annotations: current.annotations }),
    });
    await eventually(async () => (await call()).text.endsWith(' v2'), 15_000, 'the new env to serve');
    stop = true;
    await load;
    assert.deepEqual(failures, []);
  });

  it('a function that crashes as it starts fails calls at once, quoting its error; a fixed deploy recovers', async () => {
    await deployNodeTs(node, 'broken', `throw new Error('cannot load config.json');\nexport default async () => 'x';`);
    const started = Date.now();
    const res = await fetch(`${node.url}/function/broken`);
    assert.equal(res.status, 503);
    assert.equal(res.headers.get('x-sluice-error'), 'ERR_REPLICA_CRASHING');
    assert.match(await res.text(), /Error: cannot load config\.json/);
    assert.ok(Date.now() - started < 5000, `failed fast, not after replica_wait (${Date.now() - started} ms)`);
    await deployNodeTs(node, 'broken', WHOAMI);
    const fixed = await eventually(async () => {
      const answer = await fetch(`${node.url}/function/broken`);
      return answer.status === 200 ? answer : undefined;
    }, 15_000, 'the fixed version to answer');
    assert.equal(fixed.status, 200);
  });

  it('fork-mode functions spread over replicas too', async () => {
    await deploy(node, { service: 'cat-fn', image: 'x', envProcess: 'cat', labels: { 'com.openfaas.scale.min': '2' } });
    await waitAvailable(node, 'cat-fn', 2);
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => fetch(`${node.url}/function/cat-fn`, { method: 'POST', body: `n${i}` }).then((r) => r.text())));
    assert.deepEqual(answers, Array.from({ length: 20 }, (_, i) => `n${i}`));
  });
});
