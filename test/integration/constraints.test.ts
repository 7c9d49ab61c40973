/**
 * `constraints` enforced against the gateway's node, through a real gateway: a function constrained
 * to what this node is runs; one constrained to what it is not deploys (202) but runs no replica, a
 * call is ERR_CONSTRAINTS_UNMET naming the constraint, and its log says why; deploying it again
 * without the constraint runs it; a constraint that parses as neither syntax is a 400 naming it; a
 * gateway started with node_labels satisfies `node.labels.gpu == true` (a function deployed before the
 * restart too) and `gpu=true`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FunctionStatus, LogMessage } from '../../src/api/index.js';
import { cleanup, deploy, runSluice, startSluice, tempDir, waitAvailable, type SluiceNode } from '../harness.js';

const cat = (service: string, constraints?: string[]) => ({ service, image: 'cat:latest', envProcess: 'cat', ...(constraints ? { constraints } : {}) });

async function call(node: SluiceNode, name: string, body: string): Promise<{ status: number; text: string }> {
  const res = await fetch(`${node.url}/function/${name}`, { method: 'POST', body });
  return { status: res.status, text: await res.text() };
}

async function status(node: SluiceNode, name: string): Promise<FunctionStatus> {
  return (await (await fetch(`${node.url}/system/function/${name}`)).json()) as FunctionStatus;
}

async function logTexts(node: SluiceNode, name: string): Promise<string[]> {
  const body = await (await fetch(`${node.url}/system/logs?name=${name}&follow=false`)).text();
  return body.split('\n').filter(Boolean).map((line) => (JSON.parse(line) as LogMessage).text);
}

describe('constraints against a real gateway', () => {
  let node: SluiceNode;

  before(async () => {
    node = await startSluice();
  });
  after(cleanup);

  it('runs a function constrained to this node (node.platform.os == linux, kubernetes.io/os=linux)', async () => {
    await deploy(node, cat('on-linux', ['node.platform.os == linux', 'kubernetes.io/os=linux']));
    await waitAvailable(node, 'on-linux');
    assert.deepEqual(await call(node, 'on-linux', 'penguin'), { status: 200, text: 'penguin' });
  });

  it('accepts one constrained to kubernetes.io/arch=sparc64 but runs no replica: a call says which constraint, once in its log', async () => {
    const res = await fetch(`${node.url}/system/functions`, { method: 'POST', body: JSON.stringify(cat('on-sparc', ['kubernetes.io/arch=sparc64'])) });
    assert.equal(res.status, 202, await res.text());
    const fn = await status(node, 'on-sparc');
    assert.equal(fn.replicas, 1);
    assert.equal(fn.availableReplicas, undefined);
    assert.deepEqual(fn.constraints, ['kubernetes.io/arch=sparc64']);

    const started = Date.now();
    const answer = await fetch(`${node.url}/function/on-sparc`, { method: 'POST', body: 'x' });
    assert.ok(Date.now() - started < 5_000, 'answered at once, without waiting replica_wait');
    assert.equal(answer.status, 503);
    assert.equal(answer.headers.get('x-sluice-error'), 'ERR_CONSTRAINTS_UNMET');
    const text = await answer.text();
    assert.match(text, /function "on-sparc" has no replica: its constraints match no node \("kubernetes\.io\/arch=sparc64": this node's kubernetes\.io\/arch is \w+\)/);

    await call(node, 'on-sparc', 'again');
    const notes = (await logTexts(node, 'on-sparc')).filter((line) => line.includes('constraints match no node'));
    assert.equal(notes.length, 1, notes.join('\n'));
    assert.match(notes[0] as string, /^no replica will start: its constraints match no node \("kubernetes\.io\/arch=sparc64"/);
    assert.match(node.output(), /no replica will start: its constraints match no node/, 'the gateway log says it too');
  });

  it('runs it once deployed again without the constraint', async () => {
    await deploy(node, cat('on-sparc'));
    await waitAvailable(node, 'on-sparc');
    assert.deepEqual(await call(node, 'on-sparc', 'now here'), { status: 200, text: 'now here' });
    assert.equal((await status(node, 'on-sparc')).constraints, undefined);
  });

  it('stops the replicas of a running function deployed again with a constraint this node does not meet', async () => {
    await deploy(node, cat('on-linux', ['node.platform.os == windows']));
    assert.equal((await call(node, 'on-linux', 'x')).status, 503);
    const fn = await status(node, 'on-linux');
    assert.equal(fn.replicas, 1);
    assert.equal(fn.availableReplicas, undefined);
  });

  it('refuses a constraint of neither syntax with a 400 naming it, on create and update; sluice deploy exits 1', async () => {
    for (const method of ['POST', 'PUT']) {
      const name = method === 'POST' ? 'bad-constraint' : 'on-sparc';
      const res = await fetch(`${node.url}/system/functions`, { method, body: JSON.stringify(cat(name, ['node.platform.os ~ linux'])) });
      assert.equal(res.status, 400, method);
      const { code, message } = (await res.json()) as { code: string; message: string };
      assert.equal(code, 'ERR_BAD_REQUEST');
      assert.match(message, /^function "[a-z-]+": constraint "node\.platform\.os ~ linux" has no operator: write it as Swarm does/);
    }
    assert.equal((await fetch(`${node.url}/system/function/bad-constraint`)).status, 404);
    assert.deepEqual(await call(node, 'on-sparc', 'unchanged'), { status: 200, text: 'unchanged' });
    const cli = await runSluice(node, ['deploy', '--image', 'cat', '--name', 'cli-bad', '--fprocess', 'cat', '--constraint', 'arch'], { cwd: await tempDir('sluice-constraints-') });
    assert.equal(cli.code, 1, cli.stderr);
    assert.match(cli.stderr, /constraint "arch" has no operator/);
  });
});

describe('constraints and node_labels', () => {
  let node: SluiceNode;
  let dataDir: string;

  before(async () => {
    dataDir = await tempDir('sluice-node-labels-');
  });
  after(cleanup);

  it('a gateway without node_labels runs no replica of node.labels.gpu == true', async () => {
    node = await startSluice({ dataDir });
    await deploy(node, cat('gpu-swarm', ['node.labels.gpu == true']));
    const off = await call(node, 'gpu-swarm', 'a');
    assert.equal(off.status, 503);
    assert.match(off.text, /"node\.labels\.gpu == true": this node has no label gpu \(node_labels\)/);
    await node.stop();
  });

  it('restarted with node_labels gpu=true, it runs node.labels.gpu == true (restored) and gpu=true functions; zone=us-1 stays off it', async () => {
    node = await startSluice({ dataDir, env: { node_labels: 'gpu=true,zone=eu-1' } });
    await deploy(node, cat('gpu-k8s', ['gpu=true', 'zone=eu-1']));
    await deploy(node, cat('elsewhere', ['node.labels.zone == us-1']));
    await waitAvailable(node, 'gpu-swarm');
    await waitAvailable(node, 'gpu-k8s');
    assert.deepEqual(await call(node, 'gpu-swarm', 'a'), { status: 200, text: 'a' });
    assert.deepEqual(await call(node, 'gpu-k8s', 'b'), { status: 200, text: 'b' });
    const off = await call(node, 'elsewhere', 'c');
    assert.equal(off.status, 503);
    assert.match(off.text, /"node\.labels\.zone == us-1": this node's node\.labels\.zone is eu-1/);
  });
});
