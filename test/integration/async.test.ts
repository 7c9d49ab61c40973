import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startReceiver, type CallbackReceiver } from '../callback-receiver.js';
import { startNatsServer, type NatsServer } from '../nats-server.js';
import { cleanup, deploy, deployNodeTs, eventually, startSluice, tempDir, waitAvailable, type SluiceNode } from '../harness.js';

/** Answers with what reached it, so the test sees method, path, query and headers of a queued call. */
const INSPECT = `
export default async (event: any, context: any) => {
  context.status(201).headers({ 'content-type': 'application/json', 'x-made-by': 'inspect' });
  return { method: event.method, path: event.path, query: event.query, headers: event.headers, body: Buffer.isBuffer(event.body) ? event.body.toString('base64') : event.body };
};`;

let node: SluiceNode;
let receiver: CallbackReceiver;
let work: string;

interface CallRecord {
  callId: string;
  function: string;
  queue: string;
  status: string;
  attempts: number;
  statusCode?: number;
  error?: string;
  timings: { queued: string; started?: string; finished?: string; durationSeconds?: number };
  callback?: { url: string; status: string; attempts: number; statusCode?: number };
}

async function submit(name: string, body: string | Buffer, headers: Record<string, string> = {}, method = 'POST'): Promise<Response> {
  return fetch(`${node.url}/async-function/${name}`, { method, body, headers });
}

async function accepted(name: string, body: string | Buffer, headers: Record<string, string> = {}): Promise<string> {
  const res = await submit(name, body, headers);
  assert.equal(res.status, 202, await res.text());
  const id = res.headers.get('x-call-id');
  assert.ok(id);
  return id;
}

async function record(id: string, wait = ''): Promise<CallRecord> {
  const res = await fetch(`${node.url}/system/calls/${id}${wait ? `?wait=${wait}` : ''}`);
  assert.equal(res.status, 200, await res.clone().text());
  return (await res.json()) as CallRecord;
}

/**
 * A fork-mode function running a shell script (fprocess is split on spaces, as the watchdogs do, so
 * the line goes in a file); each run can leave a trace in the test's work dir.
 */
async function shellFunction(service: string, line: string, annotations: Record<string, string> = {}): Promise<object> {
  const script = path.join(work, `${service}.sh`);
  await writeFile(script, `${line}\n`);
  return { service, image: 'sh', envProcess: `sh ${script}`, annotations };
}

const lines = async (file: string): Promise<string[]> => (await readFile(path.join(work, file), 'utf8').catch(() => '')).split('\n').filter(Boolean);

for (const backend of ['sqlite', 'jetstream'] as const) describe(`async calls (${backend} queue): /async-function, the worker, callbacks, call records`, () => {
  let nats: NatsServer | undefined;
  before(async () => {
    work = await tempDir('sluice-async-');
    receiver = await startReceiver();
    if (backend === 'jetstream') nats = await startNatsServer();
    const env = { log_level: 'info', max_async_body_size: '2Mi', async_timeout: '3s', ack_wait: '1s', max_inflight: '2' };
    node = await startSluice({ env, args: nats ? ['--nats', nats.url] : [] });
    await deployNodeTs(node, 'inspect', INSPECT, { environment: { RAW_BODY: 'true' } });
    await deploy(node, await shellFunction('cat-fn', 'cat', {}));
    await deploy(node, await shellFunction('count', `echo run >> ${work}/count; cat`));
    await deploy(node, await shellFunction('slow', `echo run >> ${work}/slow; sleep 2; echo done`));
    await deploy(node, await shellFunction('sleepy', 'sleep 5', { 'com.openfaas.retry.attempts': '1' }));
    await deploy(node, await shellFunction('flaky', `date +%s%3N >> ${work}/flaky; test -f ${work}/fixed && echo fixed || exit 1`, {
      'com.openfaas.retry.attempts': '4',
      'com.openfaas.retry.min_wait': '300ms',
      'com.openfaas.retry.max_wait': '5s',
    }));
    await deploy(node, await shellFunction('own-queue', `sleep 3; echo slow-queue`, { 'com.openfaas.queue': 'slow-lane' }));
    await waitAvailable(node, 'inspect');
  });
  after(async () => {
    await receiver.close();
    await cleanup();
    await nats?.stop();
  });

  it('answers 202 with X-Call-Id and X-Start-Time, then POSTs the result to X-Callback-Url', async () => {
    const before = receiver.received.length;
    const body = randomBytes(2048);
    const res = await fetch(`${node.url}/async-function/inspect/some/path?a=1&b=two`, {
      method: 'PUT',
      body,
      headers: { 'x-callback-url': `${receiver.url}/done/1?k=v`, 'content-type': 'application/octet-stream', 'x-custom': 'kept' },
    });
    assert.equal(res.status, 202);
    assert.equal(await res.text(), '');
    const id = res.headers.get('x-call-id') as string;
    assert.match(id, /^[0-9a-f-]{36}$/);
    assert.match(res.headers.get('x-start-time') ?? '', /^\d{19}$/);
    const [cb] = (await receiver.waitFor(before + 1)).slice(before);
    assert.ok(cb);
    assert.equal(cb.method, 'POST');
    assert.equal(cb.path, '/done/1?k=v');
    assert.equal(cb.headers['x-call-id'], id);
    assert.equal(cb.headers['x-function-status'], '201');
    assert.equal(cb.headers['x-function-name'], 'inspect');
    assert.equal(cb.headers['x-attempt'], '1');
    assert.match(cb.headers['x-duration-seconds'] as string, /^\d+\.\d{6}$/);
    assert.equal(cb.headers['x-made-by'], 'inspect', "the function's own headers are passed on");
    const seen = JSON.parse(cb.body.toString()) as { method: string; path: string; query: Record<string, string>; headers: Record<string, string>; body: string };
    assert.equal(seen.method, 'PUT', 'the method the client used is kept');
    assert.equal(seen.path, '/some/path');
    assert.deepEqual(seen.query, { a: '1', b: 'two' });
    assert.equal(seen.headers['x-custom'], 'kept');
    assert.equal(seen.headers['x-call-id'], id);
    assert.equal(seen.headers['x-callback-url'], `${receiver.url}/done/1?k=v`);
    assert.ok(Buffer.from(seen.body, 'base64').equals(body), 'binary body byte-exact');
  });

  it('keeps the caller\'s own X-Call-Id, and records the call: status, attempts, timings, callback', async () => {
    const id = `mine-${Date.now()}`;
    assert.equal(await accepted('cat-fn', 'hi', { 'x-call-id': id, 'x-callback-url': `${receiver.url}/own` }), id);
    const done = await record(id, '10s');
    assert.equal(done.status, 'succeeded');
    assert.equal(done.function, 'cat-fn');
    assert.equal(done.queue, 'faas-request');
    assert.equal(done.attempts, 1);
    assert.equal(done.statusCode, 200);
    assert.ok(Date.parse(done.timings.queued) <= Date.parse(done.timings.started as string));
    assert.ok(Date.parse(done.timings.started as string) <= Date.parse(done.timings.finished as string));
    assert.equal(typeof done.timings.durationSeconds, 'number');
    await eventually(async () => (await record(id)).callback?.status === 'delivered', 5000, 'callback delivered');
    assert.deepEqual({ ...(await record(id)).callback }, { url: `${receiver.url}/own`, status: 'delivered', attempts: 1, statusCode: 200 });
  });

  it('keeps the result: status, headers and body, byte-exact; ?wait long-polls for it', async () => {
    const body = randomBytes(700 * 1024); // above the 512 KiB inline limit: goes through the blob store
    const id = await accepted('cat-fn', body, { 'content-type': 'application/octet-stream' });
    const res = await fetch(`${node.url}/system/calls/${id}/result?wait=10s`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-call-id'), id);
    assert.equal(res.headers.get('x-function-status'), '200');
    assert.ok(Buffer.from(await res.arrayBuffer()).equals(body));
  });

  it('lists calls newest first, filtered by function and status', async () => {
    const a = await accepted('cat-fn', 'one');
    const b = await accepted('cat-fn', 'two');
    await record(b, '10s');
    await record(a, '10s');
    const list = (await (await fetch(`${node.url}/system/calls?function=cat-fn&status=succeeded&limit=2`)).json()) as CallRecord[];
    assert.deepEqual(list.map((r) => r.callId), [b, a]);
    const bad = await fetch(`${node.url}/system/calls?status=lost`);
    assert.equal(bad.status, 400);
    assert.match(await bad.text(), /queued, running, succeeded, failed, dead, cancelled/);
  });

  it('refuses what it cannot run, before storing anything: 404, 400, 413, 405', async () => {
    const unknown = await submit('no-such-fn', 'x');
    assert.equal(unknown.status, 404);
    assert.equal(unknown.headers.get('x-sluice-error'), 'ERR_FUNCTION_NOT_FOUND');
    for (const url of ['not a url', 'ftp://host/x', '/relative']) {
      const res = await submit('cat-fn', 'x', { 'x-callback-url': url });
      assert.equal(res.status, 400, url);
      assert.equal(res.headers.get('x-sluice-error'), 'ERR_CALLBACK_URL_INVALID');
    }
    const big = await submit('cat-fn', Buffer.alloc(3 * 1024 * 1024));
    assert.equal(big.status, 413);
    assert.match(await big.text(), /max_async_body_size/);
    const get = await fetch(`${node.url}/async-function/cat-fn`);
    assert.equal(get.status, 405);
    assert.match(get.headers.get('allow') ?? '', /POST/);
    assert.equal((await fetch(`${node.url}/system/calls/no-such-call`)).status, 404);
  });

  it('runs a call once for one Idempotency-Key', async () => {
    const first = await accepted('count', 'a', { 'idempotency-key': 'order-42' });
    const second = await submit('count', 'a', { 'idempotency-key': 'order-42' });
    assert.equal(second.status, 202);
    assert.equal(second.headers.get('x-call-id'), first);
    assert.equal(second.headers.get('idempotent-replayed'), 'true');
    await record(first, '10s');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal((await lines('count')).length, 1);
  });

  it('runs a call slower than the lease (ack_wait=1s) once, not twice', async () => {
    const id = await accepted('slow', 'x');
    const done = await record(id, '15s');
    assert.equal(done.status, 'succeeded');
    assert.equal(done.attempts, 1);
    assert.deepEqual(await lines('slow'), ['run']);
  });

  it('stops a run at async_timeout (3s here), and dead-letters it after its last attempt', async () => {
    const id = await accepted('sleepy', 'x');
    const done = await record(id, '15s');
    assert.equal(done.status, 'dead');
    assert.equal(done.statusCode, 504);
    assert.match(done.error ?? '', /gave up after 1 attempt/);
  });

  it('retries a failing call with growing waits, dead-letters it, and redrives it to success', async () => {
    const id = await accepted('flaky', 'x', { 'x-callback-url': `${receiver.url}/flaky` });
    const dead = await record(id, '20s');
    assert.equal(dead.status, 'dead');
    assert.equal(dead.attempts, 4);
    const runs = (await lines('flaky')).map(Number);
    assert.equal(runs.length, 4);
    const gaps = runs.slice(1).map((t, i) => t - (runs[i] as number));
    assert.ok(gaps.every((gap) => gap >= 290), `every wait at least min_wait: ${gaps}`);
    assert.ok((gaps[2] as number) > (gaps[0] as number), `waits grow: ${gaps}`);
    const deadCallback = receiver.received.filter((cb) => cb.headers['x-call-id'] === id);
    assert.equal(deadCallback.length, 1, 'the callback reports the final outcome once');
    assert.equal(deadCallback[0]?.headers['x-function-status'], '500');

    await writeFile(path.join(work, 'fixed'), '');
    const redrive = await fetch(`${node.url}/system/calls/redrive?function=flaky`, { method: 'POST' });
    assert.deepEqual(await redrive.json(), { redriven: 1, callIds: [id] });
    const fixed = await record(id, '10s');
    assert.equal(fixed.status, 'succeeded');
    const result = await fetch(`${node.url}/system/calls/${id}/result`);
    assert.equal((await result.text()).trim(), 'fixed');
    await eventually(() => receiver.received.filter((cb) => cb.headers['x-call-id'] === id).length === 2, 5000, 'second callback');
  });

  it('cancels a queued call (DELETE /async-function/{callId}), which then never runs', async () => {
    // max_inflight=2: two slow calls fill the default queue's worker, the third waits.
    const busy = [await accepted('slow', 'x'), await accepted('slow', 'x')];
    const waiting = await accepted('count', 'cancel-me');
    const before = (await lines('count')).length;
    const res = await fetch(`${node.url}/async-function/${waiting}`, { method: 'DELETE' });
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as CallRecord).status, 'cancelled');
    for (const id of busy) await record(id, '15s');
    await new Promise((r) => setTimeout(r, 500));
    assert.equal((await lines('count')).length, before, 'the cancelled call did not run');
    assert.equal((await record(waiting)).status, 'cancelled');
    const again = await fetch(`${node.url}/async-function/${waiting}`, { method: 'DELETE' });
    assert.equal(again.status, 409);
    assert.equal(again.headers.get('x-sluice-error'), 'ERR_CALL_NOT_CANCELLABLE');
    const result = await fetch(`${node.url}/system/calls/${waiting}/result`);
    assert.equal(result.status, 410);
    assert.equal(result.headers.get('x-sluice-error'), 'ERR_RESULT_GONE');
    const alias = await fetch(`${node.url}/system/calls/${waiting}`, { method: 'DELETE' });
    assert.equal(alias.status, 409, 'DELETE /system/calls/{id} cancels too (and this one is done)');
  });

  it('gives a function with its own queue (com.openfaas.queue) its own worker: a slow queue holds up no other', async () => {
    const slowOnes = [await accepted('own-queue', 'x'), await accepted('own-queue', 'x'), await accepted('own-queue', 'x')];
    const started = Date.now();
    const fast = await accepted('cat-fn', 'quick');
    assert.equal((await record(fast, '10s')).status, 'succeeded');
    assert.ok(Date.now() - started < 2000, `the default queue was not held up (${Date.now() - started} ms)`);
    assert.equal((await record(slowOnes[0] as string)).queue, 'slow-lane');
  });

  it('retries a callback the receiver refuses, and records it', async () => {
    receiver.answerWith(503);
    const id = await accepted('cat-fn', 'x', { 'x-callback-url': `${receiver.url}/refuse` });
    await eventually(async () => ((await record(id)).callback?.attempts ?? 0) >= 1, 5000, 'first callback attempt');
    const pending = await record(id);
    assert.equal(pending.status, 'succeeded');
    assert.equal(pending.callback?.status, 'pending');
    assert.equal(pending.callback?.statusCode, 503);
    receiver.answerWith(200);
    await eventually(async () => (await record(id)).callback?.status === 'delivered', 8000, 'callback delivered on retry');
    const attempts = receiver.received.filter((cb) => cb.headers['x-call-id'] === id).map((cb) => Number(cb.headers['x-attempt']));
    assert.ok(attempts.length >= 2);
    assert.ok(attempts.every((a, i) => i === 0 || a > (attempts[i - 1] as number)), `X-Attempt grows: ${attempts}`);
  });

  it('logs one line per call as the queue-worker does, with the call id', async () => {
    const id = await accepted('cat-fn', 'x', { 'x-callback-url': `${receiver.url}/log` });
    await eventually(async () => (await record(id)).callback?.status === 'delivered', 5000, 'delivered');
    await eventually(() => node.output().includes(`Posted result for cat-fn to callback-url: ${receiver.url}/log, status: 200`), 2000, 'log line');
    const line = node.output().split('\n').find((l) => l.includes(id) && l.includes('Invoked: cat-fn [200]'));
    assert.match(line ?? '', /\[#\d+\] Invoked: cat-fn \[200\] in \d+\.\d{6}s/);
  });
});
