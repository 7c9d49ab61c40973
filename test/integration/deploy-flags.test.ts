/**
 * faas-cli's deploy flags and stack keys against a real gateway: `deploy --image --name --fprocess`
 * without a stack file; `-e`, `-l`, `--annotation` as `GET /system/function/NAME` shows them;
 * `--secret` (a missing one is the gateway's error, naming it); `--replace`; `--update=false` on a
 * deployed function (409, exit 1); `--filter`/`--regex` over a two-function stack; `environment_file`;
 * `--memory-limit`/`--cpu-limit`/`--*-request`, `--constraint` and `--readonly` shown back, and a
 * bad limit refused by the gateway (its 400 message, exit 1).
 */
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FunctionStatus } from '../../src/api/index.js';
import { cleanup, runSluice, startSluice, tempDir, waitAvailable, type SluiceNode } from '../harness.js';

const STACK = `version: 1.0
provider:
  name: openfaas
functions:
  stack-a:
    image: cat:latest
    fprocess: cat
    environment: {FROM: inline, KEEP: inline}
    environment_file: [env/common.yml]
  stack-b:
    image: cat:latest
    fprocess: cat
`;

describe('sluice deploy flags against a real gateway', () => {
  let node: SluiceNode;
  let empty: string;
  let withStack: string;

  const sluice = (args: string[], cwd = empty) => runSluice(node, args, { cwd });
  const status = async (name: string): Promise<FunctionStatus> => {
    const res = await fetch(`${node.url}/system/function/${name}`);
    assert.equal(res.status, 200, `${name}: ${res.status}`);
    return (await res.json()) as FunctionStatus;
  };
  const deployedNames = async (): Promise<string[]> =>
    ((await (await fetch(`${node.url}/system/functions`)).json()) as FunctionStatus[]).map((fn) => fn.name).sort();

  before(async () => {
    node = await startSluice();
    empty = await tempDir('sluice-deploy-flags-');
    withStack = await tempDir('sluice-deploy-stack-');
    await writeFile(path.join(withStack, 'stack.yml'), STACK);
    await mkdir(path.join(withStack, 'env'));
    await writeFile(path.join(withStack, 'env', 'common.yml'), 'environment:\n  FROM: file\n  SHARED: file\n');
  });
  after(cleanup);

  it('deploys --image/--name/--fprocess without a stack file; the function echoes', async () => {
    const run = await sluice(['deploy', '--image', 'cat:latest', '--name', 'echo-cat', '--fprocess', 'cat']);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, `${node.url}/function/echo-cat\n`);
    await waitAvailable(node, 'echo-cat');
    const res = await fetch(`${node.url}/function/echo-cat`, { method: 'POST', body: 'hello sluice' });
    assert.equal(res.status, 200);
    assert.equal(await res.text(), 'hello sluice');
    assert.equal((await status('echo-cat')).envProcess, 'cat');
  });

  it('shows -e, -l and --annotation in GET /system/function/NAME', async () => {
    const run = await sluice(['deploy', '--image', 'cat', '--name', 'flagged', '--fprocess', 'cat', '-e', 'A=1', '-e', 'B=x=y', '-l', 'team=core', '--annotation', 'topic=orders']);
    assert.equal(run.code, 0, run.stderr);
    const fn = await status('flagged');
    assert.deepEqual(fn.envVars, { A: '1', B: 'x=y' });
    assert.deepEqual(fn.labels, { team: 'core', faas_function: 'flagged' });
    assert.deepEqual(fn.annotations, { topic: 'orders' });
  });

  it('mounts a --secret that exists; a missing one is exit 1 naming it', async () => {
    const created = await fetch(`${node.url}/system/secrets`, { method: 'POST', body: JSON.stringify({ name: 'api-key', value: 's3cret' }) });
    assert.ok(created.ok, String(created.status));
    const run = await sluice(['deploy', '--image', 'cat', '--name', 'with-secret', '--fprocess', 'cat', '--secret', 'api-key']);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual((await status('with-secret')).secrets, ['api-key']);
    // Deployed already (PUT) or new (POST): the gateway's 400 names the missing secret.
    for (const name of ['with-secret', 'new-with-secret']) {
      const missing = await sluice(['deploy', '--image', 'cat', '--name', name, '--fprocess', 'cat', '--secret', 'nope']);
      assert.equal(missing.code, 1, missing.stderr);
      assert.match(missing.stderr, /names secret\(s\) that do not exist: nope/);
    }
    assert.deepEqual((await status('with-secret')).secrets, ['api-key']);
  });

  it('--replace removes and creates again; --update=false on a deployed function is exit 1', async () => {
    const before = await status('echo-cat');
    const replaced = await sluice(['deploy', '--image', 'cat', '--name', 'echo-cat', '--fprocess', 'cat', '--replace', '-l', 'v=2']);
    assert.equal(replaced.code, 0, replaced.stderr);
    const after = await status('echo-cat');
    assert.deepEqual(after.labels, { v: '2', faas_function: 'echo-cat' });
    assert.ok(after.createdAt >= before.createdAt);
    const exists = await sluice(['deploy', '--image', 'cat', '--name', 'echo-cat', '--fprocess', 'cat', '--update=false']);
    assert.equal(exists.code, 1);
    assert.match(exists.stderr, /function "echo-cat" already exists/);
    const created = await sluice(['deploy', '--image', 'cat', '--name', 'fresh', '--fprocess', 'cat', '--update=false']);
    assert.equal(created.code, 0, created.stderr);
  });

  it('--filter and --regex pick the functions of a two-function stack', async () => {
    const onlyA = await sluice(['deploy', '--filter', '*-a'], withStack);
    assert.equal(onlyA.code, 0, onlyA.stderr);
    assert.equal(onlyA.stdout, `${node.url}/function/stack-a\n`);
    assert.ok((await deployedNames()).includes('stack-a'));
    assert.ok(!(await deployedNames()).includes('stack-b'));
    const onlyB = await sluice(['deploy', '--regex', 'b$'], withStack);
    assert.equal(onlyB.code, 0, onlyB.stderr);
    assert.equal(onlyB.stdout, `${node.url}/function/stack-b\n`);
    const none = await sluice(['deploy', '--filter', 'nothing*'], withStack);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /no functions matching --filter\/--regex were found/);
    const removed = await sluice(['remove', '--filter', 'stack-b'], withStack);
    assert.equal(removed.stdout, 'Removed stack-b\n');
    assert.ok(!(await deployedNames()).includes('stack-b'));
  });

  it('merges environment_file over environment, and -e over both', async () => {
    assert.deepEqual((await status('stack-a')).envVars, { FROM: 'file', KEEP: 'inline', SHARED: 'file' });
    const run = await sluice(['deploy', '--filter', 'stack-a', '-e', 'SHARED=flag'], withStack);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual((await status('stack-a')).envVars, { FROM: 'file', KEEP: 'inline', SHARED: 'flag' });
  });

  it('shows --memory-limit, --cpu-limit, the requests, --constraint and --readonly back; a bad limit is exit 1 with the gateway\'s message', async () => {
    const run = await sluice([
      'deploy', '--image', 'cat', '--name', 'sized', '--fprocess', 'cat',
      '--memory-limit', '128Mi', '--cpu-limit', '500m', '--memory-request', '64Mi', '--cpu-request', '100m',
      '--constraint', 'node.platform.os == linux', '--constraint', 'kubernetes.io/os=linux', '--readonly',
    ]);
    assert.equal(run.code, 0, run.stderr);
    const fn = await status('sized');
    assert.deepEqual(fn.limits, { memory: '128Mi', cpu: '500m' });
    assert.deepEqual(fn.requests, { memory: '64Mi', cpu: '100m' });
    assert.deepEqual(fn.constraints, ['node.platform.os == linux', 'kubernetes.io/os=linux']);
    assert.equal(fn.readOnlyRootFilesystem, true);
    await waitAvailable(node, 'sized');
    const res = await fetch(`${node.url}/function/sized`, { method: 'POST', body: 'limited' });
    assert.equal(await res.text(), 'limited');
    // Deployed already (PUT) or new (POST): the gateway's 400 names the bad value; nothing changes.
    for (const name of ['sized', 'new-sized']) {
      const bad = await sluice(['deploy', '--image', 'cat', '--name', name, '--fprocess', 'cat', '--memory-limit', 'lots']);
      assert.equal(bad.code, 1, bad.stderr);
      assert.match(bad.stderr, /limits\.memory "lots" is not a memory size/);
    }
    assert.deepEqual((await status('sized')).limits, { memory: '128Mi', cpu: '500m' });
    assert.ok(!(await deployedNames()).includes('new-sized'));
  });
});
