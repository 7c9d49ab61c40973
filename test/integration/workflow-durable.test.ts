/**
 * Async workflow runs (src/workflow/durable.ts): called on /async-function/, a workflow runs every
 * run of every step as a queued call of its own. Covers: the call tree (`GET /system/calls/{id}`
 * `steps`, `sluice calls get`) of the article's chain, whose callback carries the sync answer's
 * bytes, and no step records for a sync call; step call ids (`<id>.0`, parallel
 * `<id>.0.<branch>.<n>`, choice `<id>.1.<case>.<n>`, retries `<id>.0.r2`); per-step `callback_url`;
 * a failing step stopping the chain; a step `timeout`; resuming after `kill -9` of `sluice serve`
 * without running finished steps again; and the same tree on the JetStream backend.
 */
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { CallRecord } from '../../src/api/index.js';
import { startReceiver, type CallbackReceiver, type ReceivedCallback } from '../callback-receiver.js';
import { ROOT, cleanup, deployNodeTs, eventually, runSluice, startSluice, tempDir, waitAvailable, type SluiceNode } from '../harness.js';
import { startNatsServer, type NatsServer } from '../nats-server.js';
import { WORKFLOW_PROBE } from './fixtures/workflow-probe.js';

const EARTH = '/usr/share/xplanet/images/earth.jpg';
const STACK = path.join(ROOT, 'functions', 'stack.yml');
const CHAIN = [
  ['transpose', 'image-transpose'],
  ['bw', 'image-bw'],
  ['thumbnail', 'image-thumbnail'],
] as const;

/** Writes a stack with one workflow function and runs `sluice up` for it against `node`. */
async function upWorkflow(node: SluiceNode, name: string, steps: string): Promise<void> {
  const dir = await tempDir('sluice-wfd-');
  await mkdir(path.join(dir, name));
  await writeFile(path.join(dir, name, 'workflow.yml'), `workflow:\n  name: ${name}\n  steps:\n${steps}`);
  await writeFile(path.join(dir, 'stack.yml'), `version: 1.0\nprovider:\n  name: openfaas\nfunctions:\n  ${name}:\n    lang: workflow\n    handler: ./${name}\n    image: ${name}:latest\n`);
  const run = await runSluice(node, ['up', '-f', path.join(dir, 'stack.yml'), '--gateway', node.url]);
  assert.equal(run.code, 0, run.stderr);
}

/** A probe step in flow style: `- { name: NAME, function: probe, query: QUERY, ...more }`. */
const probe = (name: string, query: string, more = ''): string => `    - { name: ${name}, function: probe, query: "${query}"${more ? `, ${more}` : ''} }\n`;

/** POSTs an async call; asserts the 202 and returns its X-Call-Id. */
async function postAsync(node: SluiceNode, fn: string, body: Uint8Array | string, headers: Record<string, string> = {}): Promise<string> {
  const res = await fetch(`${node.url}/async-function/${fn}`, { method: 'POST', body, headers });
  assert.equal(res.status, 202, await res.text());
  return res.headers.get('x-call-id') as string;
}

/** The call's record with its steps; `wait` (e.g. 30s) waits until it finished. */
async function getCall(node: SluiceNode, id: string, wait?: string): Promise<CallRecord> {
  const res = await fetch(`${node.url}/system/calls/${id}${wait ? `?wait=${wait}` : ''}`);
  assert.equal(res.status, 200, `GET /system/calls/${id}: ${res.status}`);
  return (await res.json()) as CallRecord;
}

const status = async (node: SluiceNode, route: string): Promise<number> => (await fetch(`${node.url}${route}`)).status;

/** The parts of the step records a test pins: id, step, function, status, code, attempts. */
const stepRows = (record: CallRecord): Array<[string, string | undefined, string, string, number | undefined, number]> =>
  (record.steps ?? []).map((s) => [s.callId, s.step, s.function, s.status, s.statusCode, s.attempts]);

/** Resolves with the callbacks whose path starts with `prefix` once there are `count` of them. */
function callbacksAt(receiver: CallbackReceiver, prefix: string, count: number, ms = 20_000): Promise<ReceivedCallback[]> {
  return eventually(() => {
    const got = receiver.received.filter((cb) => cb.path.startsWith(prefix));
    return got.length >= count && got;
  }, ms, `${count} callback(s) at ${prefix}`);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

let nats: NatsServer | undefined;
const receivers: CallbackReceiver[] = [];
after(async () => {
  await Promise.all(receivers.map((r) => r.close()));
  await cleanup();
  await nats?.stop();
});

describe('async workflow runs: every step a queued call (SQLite)', () => {
  let node: SluiceNode;
  let earth: Buffer;
  let receiver: CallbackReceiver;
  before(async () => {
    // The gateway's default retry policy (10 attempts): the worker must leave steps' failures to the workflow.
    [node, earth, receiver] = await Promise.all([startSluice({ args: ['--stack', STACK] }), readFile(EARTH), startReceiver()]);
    receivers.push(receiver);
    await deployNodeTs(node, 'probe', WORKFLOW_PROBE, { environment: { RAW_BODY: 'true' } });
    for (const name of ['probe', ...CHAIN.map(([, fn]) => fn), 'transpose-bw-thumbnail']) await waitAvailable(node, name);
  });

  it("runs the article's chain as three step calls: the callback has the sync answer's bytes, the tree each step", async () => {
    const before = ((await (await fetch(`${node.url}/system/calls?function=image-transpose&limit=1000`)).json()) as CallRecord[]).length;
    const sync = await fetch(`${node.url}/function/transpose-bw-thumbnail`, { method: 'POST', body: earth });
    assert.equal(sync.status, 200);
    const syncBody = Buffer.from(await sync.arrayBuffer());
    const syncId = sync.headers.get('x-call-id') as string;
    assert.deepEqual([await status(node, `/system/calls/${syncId}`), await status(node, `/system/calls/${syncId}.0`)], [404, 404], 'a sync run makes no records');
    const afterSync = ((await (await fetch(`${node.url}/system/calls?function=image-transpose&limit=1000`)).json()) as CallRecord[]).length;
    assert.equal(afterSync, before, 'no image-transpose call recorded by the sync run');

    const id = await postAsync(node, 'transpose-bw-thumbnail', earth, { 'x-callback-url': `${receiver.url}/chain/final.jpg` });
    const [callback] = await callbacksAt(receiver, '/chain/', 1);
    assert.equal(callback?.headers['x-call-id'], id);
    assert.equal(callback?.headers['x-function-status'], '200');
    assert.ok(callback?.body.equals(syncBody), `the callback's ${callback?.body.length} bytes are the sync answer's ${syncBody.length}`);

    const record = await getCall(node, id, '30s');
    assert.deepEqual([record.function, record.queue, record.status, record.statusCode, record.attempts, record.parentCallId], ['transpose-bw-thumbnail', 'sluice-workflows', 'succeeded', 200, 1, undefined]);
    assert.deepEqual(stepRows(record), CHAIN.map(([step, fn], i) => [`${id}.${i}`, step, fn, 'succeeded', 200, 1]));
    for (const [i, s] of (record.steps ?? []).entries()) {
      assert.equal(s.parentCallId, id);
      assert.equal(s.queue, 'faas-request');
      const previous = record.steps?.[i - 1];
      if (previous) assert.ok((s.timings.started ?? '') >= (previous.timings.finished ?? '~'), `step ${i} started after step ${i - 1} finished`);
    }
    assert.equal(((await getCall(node, `${id}.1`)) as CallRecord).step, 'bw', 'a step call is a record of its own');

    const run = await runSluice(node, ['calls', 'get', id, '--gateway', node.url]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^Queue:\s+sluice-workflows$/m);
    assert.match(run.stdout, /^Steps:\n\s+STEP\s+CALL ID\s+FUNCTION\s+STATUS\s+CODE\s+ATTEMPTS\s+DURATION\n/m);
    for (const [i, [step, fn]] of CHAIN.entries()) {
      assert.match(run.stdout, new RegExp(`^\\s+${step}\\s+${id.replace(/[.-]/g, '\\$&')}\\.${i}\\s+${fn}\\s+succeeded\\s+200\\s+1\\s+\\S+$`, 'm'));
    }
  });

  it("posts a step's own answer to its callback_url with the step's call id, and the final one to the workflow's", async () => {
    const cb = (name: string): string => `callback_url: "${receiver.url}/percb/${name}"`;
    await upWorkflow(node, 'wfd-step-callbacks', probe('a', 'append=-a', cb('a')) + probe('b', 'upper=1', cb('b')) + probe('c', 'append=-c'));
    const id = await postAsync(node, 'wfd-step-callbacks', 'x', { 'x-callback-url': `${receiver.url}/percb/final` });
    await callbacksAt(receiver, '/percb/', 3);
    await sleep(300); // nothing more comes
    const got = receiver.received.filter((r) => r.path.startsWith('/percb/')).map((r) => [r.path, r.headers['x-call-id'], r.headers['x-function-status'], r.body.toString()]);
    assert.deepEqual(got, [
      ['/percb/a', `${id}.0`, '200', 'x-a'],
      ['/percb/b', `${id}.1`, '200', 'X-A'],
      ['/percb/final', id, '200', 'X-A-c'],
    ]);
    const record = await getCall(node, id, '30s');
    assert.deepEqual(
      (record.steps ?? []).map((s) => [s.callId, s.callback?.url, s.callback?.status]),
      [[`${id}.0`, `${receiver.url}/percb/a`, 'delivered'], [`${id}.1`, `${receiver.url}/percb/b`, 'delivered'], [`${id}.2`, undefined, undefined]],
    );
  });

  it('stops at a failing step: the result is its answer with X-Workflow-Failed-Step, and later steps never get a record', async () => {
    await upWorkflow(node, 'wfd-stop', probe('up', 'upper=1') + probe('teapot', 'status=418') + probe('never', 'append=-never'));
    const id = await postAsync(node, 'wfd-stop', 'hello');
    const record = await getCall(node, id, '30s');
    assert.deepEqual([record.status, record.statusCode], ['failed', 418]);
    assert.deepEqual(stepRows(record), [
      [`${id}.0`, 'up', 'probe', 'succeeded', 200, 1],
      [`${id}.1`, 'teapot', 'probe', 'failed', 418, 1],
    ]);
    assert.equal(await status(node, `/system/calls/${id}.2`), 404);
    const result = await fetch(`${node.url}/system/calls/${id}/result`);
    assert.equal(result.status, 418);
    assert.equal(result.headers.get('x-workflow-failed-step'), 'teapot');
    assert.equal(await result.text(), 'HELLO');
  });

  it("runs a step's retry as a new call <id>.0.r2, then goes on", async () => {
    const retry = 'retry: { attempts: 3, min_wait: 10ms, max_wait: 20ms, codes: [503] }';
    await upWorkflow(node, 'wfd-retry', probe('flaky', `flaky=1&key=retry-${Date.now()}`, retry) + probe('up', 'upper=1'));
    const id = await postAsync(node, 'wfd-retry', 'again');
    const record = await getCall(node, id, '30s');
    assert.deepEqual([record.status, record.statusCode], ['succeeded', 200]);
    // The 503 is retried by the step's retry only: the worker does not retry a step's call itself.
    assert.deepEqual(stepRows(record), [
      [`${id}.0`, 'flaky', 'probe', 'failed', 503, 1],
      [`${id}.0.r2`, 'flaky', 'probe', 'succeeded', 200, 1],
      [`${id}.1`, 'up', 'probe', 'succeeded', 200, 1],
    ]);
    assert.equal(await (await fetch(`${node.url}/system/calls/${id}.0/result`)).text(), 'not yet (1)');
    assert.equal(await (await fetch(`${node.url}/system/calls/${id}/result`)).text(), 'AGAIN');
  });

  it("names a parallel step's branch steps <id>.0.<branch>.<n> and a choice's case steps <id>.1.<case>.<n>", async () => {
    const steps = `    - name: fan
      parallel:
        up: [ { name: u, function: probe, query: upper=1 } ]
        twice:
          - { name: t1, function: probe, query: append=-1 }
          - { name: t2, function: probe, query: append=-2 }
      join: json
    - name: route
      choice:
        - when: { json: { path: up, equals: HI } }
          steps: [ { name: big, function: probe, query: append=-big } ]
        - otherwise: [ { name: other, function: probe, query: append=-other } ]
`;
    await upWorkflow(node, 'wfd-parallel', steps);
    const id = await postAsync(node, 'wfd-parallel', 'hi');
    const record = await getCall(node, id, '30s');
    assert.deepEqual([record.status, record.statusCode], ['succeeded', 200]);
    const rows = stepRows(record);
    assert.deepEqual(rows.slice(0, 3).sort(), [
      [`${id}.0.twice.0`, 't1', 'probe', 'succeeded', 200, 1],
      [`${id}.0.twice.1`, 't2', 'probe', 'succeeded', 200, 1],
      [`${id}.0.up.0`, 'u', 'probe', 'succeeded', 200, 1],
    ]);
    assert.deepEqual(rows[3], [`${id}.1.0.0`, 'big', 'probe', 'succeeded', 200, 1], 'the choice step runs after the branches');
    assert.ok(rows.findIndex((r) => r[1] === 't1') < rows.findIndex((r) => r[1] === 't2'), 'oldest first: t1 before t2');
    assert.equal(await (await fetch(`${node.url}/system/calls/${id}/result`)).text(), '{"up":"HI","twice":"hi-1-2"}-big');
  });

  it("bounds a step by its timeout: 504 naming the step, well before the step's call ends", async () => {
    // 1 s, not less: the step call must have started by then (one not started is cancelled instead).
    await upWorkflow(node, 'wfd-timeout', probe('slow', 'sleep=4000', 'timeout: 1s') + probe('never', 'append=-never'));
    const started = Date.now();
    const id = await postAsync(node, 'wfd-timeout', 'x');
    const record = await getCall(node, id, '30s');
    const took = Date.now() - started;
    assert.ok(took >= 1_000 && took < 3_000, `the workflow call ended after ${took} ms: its step's 1 s, not the step's 4 s`);
    assert.equal(record.statusCode, 504);
    assert.deepEqual([record.status, record.attempts], ['failed', 1], 'a step stopped it: the worker does not run the workflow again');
    assert.deepEqual(stepRows(record), [[`${id}.0`, 'slow', 'probe', 'running', undefined, 1]], 'it had started, so it was not cancelled');
    const result = await fetch(`${node.url}/system/calls/${id}/result`);
    assert.equal(result.status, 504);
    assert.equal(result.headers.get('x-workflow-failed-step'), 'slow');
    assert.match(await result.text(), /workflow step "slow" \(function "probe"\) did not answer within 1s/);
    // The step's call ends 200 later; the workflow's answer stays the 504 it gave.
    assert.equal((await getCall(node, `${id}.0`, '10s')).status, 'succeeded');
    await sleep(500);
    const after = await getCall(node, id);
    assert.deepEqual([after.status, after.statusCode, after.attempts], ['failed', 504, 1]);
    assert.equal(await status(node, `/system/calls/${id}.1`), 404);
  });

  it("does not take a client's call as a step's when its X-Call-Id looks like a step's id: 409", async () => {
    await upWorkflow(node, 'wfd-taken', probe('up', 'upper=1'));
    const id = `taken-${Date.now()}`;
    await postAsync(node, 'probe?append=-client', 'mine', { 'x-call-id': `${id}.0` });
    assert.equal((await getCall(node, `${id}.0`, '10s')).status, 'succeeded');
    await postAsync(node, 'wfd-taken', 'x', { 'x-call-id': id });
    const record = await getCall(node, id, '30s');
    assert.deepEqual([record.status, record.statusCode], ['failed', 409]);
    const result = await fetch(`${node.url}/system/calls/${id}/result`);
    assert.equal(result.headers.get('x-workflow-failed-step'), 'up');
    assert.match(await result.text(), /call id "taken-\d+\.0" of workflow step "up" is taken by another call/);
  });
});

describe('async workflow runs: kill -9 of sluice serve mid-chain', () => {
  it('resumes after a restart on the same data: finished steps are not run again, the cut one is, the callback comes once', { timeout: 60_000 }, async () => {
    const receiver = await startReceiver();
    receivers.push(receiver);
    const options = { env: { ack_wait: '2s' }, dataDir: await tempDir('sluice-wfd-kill-') };
    let node = await startSluice(options);
    await deployNodeTs(node, 'probe', WORKFLOW_PROBE, { environment: { RAW_BODY: 'true' } });
    await waitAvailable(node, 'probe');
    const cb = (name: string): string => `callback_url: "${receiver.url}/kill/${name}"`;
    await upWorkflow(node, 'wfd-resume', probe('a', 'append=-a', cb('a')) + probe('b', 'sleep=4000&append=-b') + probe('c', 'append=-c', cb('c')));
    const id = await postAsync(node, 'wfd-resume', 'go', { 'x-callback-url': `${receiver.url}/kill/final` });

    await eventually(async () => (await getCall(node, id)).steps?.find((s) => s.callId === `${id}.1`)?.status === 'running', 15_000, `step ${id}.1 running`);
    await node.kill();
    assert.deepEqual(receiver.received.map((r) => r.path), ['/kill/a'], 'before the kill: step a called back, nothing else');

    node = await startSluice(options);
    await waitAvailable(node, 'probe');
    const [final] = await callbacksAt(receiver, '/kill/final', 1, 30_000);
    assert.equal(final?.headers['x-call-id'], id);
    assert.equal(final?.body.toString(), 'go-a-b-c');
    const record = await getCall(node, id, '30s');
    await sleep(1_000); // a second final callback, or a second run of a or c, would show by now
    assert.deepEqual(receiver.received.map((r) => r.path).sort(), ['/kill/a', '/kill/c', '/kill/final'], 'one callback each');
    assert.deepEqual([record.status, record.statusCode, record.attempts], ['succeeded', 200, 2]);
    assert.deepEqual(stepRows(record), [
      [`${id}.0`, 'a', 'probe', 'succeeded', 200, 1],
      [`${id}.1`, 'b', 'probe', 'succeeded', 200, 2],
      [`${id}.2`, 'c', 'probe', 'succeeded', 200, 1],
    ]);
  });
});

describe('async workflow runs: JetStream backend', () => {
  it("runs the article's chain as three step calls on JetStream", { timeout: 60_000 }, async () => {
    nats = await startNatsServer();
    const node = await startSluice({ args: ['--nats', nats.url] });
    // The bundles the SQLite node's --stack just built (functions/build): deployed as they are, not built again.
    const run = await runSluice(node, ['deploy', '-f', STACK, '--gateway', node.url]);
    assert.equal(run.code, 0, run.stderr);
    for (const name of [...CHAIN.map(([, fn]) => fn), 'transpose-bw-thumbnail']) await waitAvailable(node, name);
    const earth = await readFile(EARTH);
    const sync = Buffer.from(await (await fetch(`${node.url}/function/transpose-bw-thumbnail`, { method: 'POST', body: earth })).arrayBuffer());
    const id = await postAsync(node, 'transpose-bw-thumbnail', earth);
    const record = await getCall(node, id, '30s');
    assert.deepEqual([record.queue, record.status, record.statusCode], ['sluice-workflows', 'succeeded', 200]);
    assert.deepEqual(stepRows(record), CHAIN.map(([step, fn], i) => [`${id}.${i}`, step, fn, 'succeeded', 200, 1]));
    assert.ok((record.steps ?? []).every((s) => s.parentCallId === id && s.queue === 'faas-request'));
    const result = await fetch(`${node.url}/system/calls/${id}/result`);
    assert.equal(result.status, 200);
    assert.equal(result.headers.get('content-type'), 'image/jpeg');
    assert.ok(Buffer.from(await result.arrayBuffer()).equals(sync), 'the same bytes as the sync answer');
  });
});
