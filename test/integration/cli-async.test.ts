import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { CLI, cleanup, deploy, startSluice, waitAvailable, type SluiceNode } from '../harness.js';

interface Run {
  code: number | null;
  stdout: string;
  bytes: Buffer;
  stderr: string;
}

interface CallRow {
  callId: string;
  function: string;
  status: string;
}

let node: SluiceNode;
/** A call of sleep-fn, queued first: it runs for SLOW_SECONDS while the other tests go on. */
let slow: string;
/** Queued behind `slow` on the one-at-a-time "slow" queue: it stays queued until cancelled. */
let target: string;

/**
 * Long enough that the CLI (about 1s a run, several on a loaded machine) acts while `slow` still runs
 * and `target` is still queued; the last test collects `slow`'s result, so nothing runs at cleanup.
 */
const SLOW_SECONDS = 10;

/** Runs the built `sluice` CLI against the test gateway, stdin given or empty (as in a pipe). */
function sluice(args: string[], stdin?: string | Buffer): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, OPENFAAS_URL: node.url } });
    const out: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const bytes = Buffer.concat(out);
      resolve({ code, stdout: bytes.toString(), bytes, stderr });
    });
    child.stdin.end(stdin);
  });
}

/** Queues a call straight through the API (faster than the CLI when only the id matters). */
async function queue(name: string): Promise<string> {
  const res = await fetch(`${node.url}/async-function/${name}`, { method: 'POST', body: '' });
  assert.equal(res.status, 202, await res.text());
  return res.headers.get('x-call-id') as string;
}

const CALL_ID = /^[0-9a-f-]{36}\n$/;

describe('sluice invoke --async and sluice calls against a real gateway', () => {
  before(async () => {
    // One call at a time per queue, so a second call to the slow queue stays queued long enough to cancel.
    node = await startSluice({ env: { max_inflight: '1' } });
    await deploy(node, { service: 'cat-fn', image: 'cat', envProcess: 'cat' });
    await deploy(node, { service: 'fail-fn', image: 'false', envProcess: 'false', annotations: { 'com.openfaas.retry.attempts': '1' } });
    await deploy(node, { service: 'sleep-fn', image: 'sleep', envProcess: `sleep ${SLOW_SECONDS}`, annotations: { 'com.openfaas.queue': 'slow' } });
    await Promise.all(['cat-fn', 'fail-fn', 'sleep-fn'].map((name) => waitAvailable(node, name)));
    slow = await queue('sleep-fn');
    target = await queue('sleep-fn');
  });
  after(cleanup);

  it('cancels a queued call; a finished one cannot be; wait exits 5 at its timeout', async () => {
    const cancel = await sluice(['calls', 'cancel', target]);
    assert.equal(cancel.code, 0, cancel.stderr);
    assert.equal(cancel.stdout, `Cancelled call ${target} (sleep-fn)\n`);

    const [again, result, waited, listed] = await Promise.all([
      sluice(['calls', 'cancel', target]),
      sluice(['calls', 'result', target]),
      sluice(['calls', 'wait', slow, '--timeout', '1s']),
      sluice(['calls', 'list', '--status', 'cancelled', '--json']),
    ]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /is cancelled: only a queued call can be cancelled/);
    assert.equal(result.code, 1);
    assert.equal(result.stderr, `Error: call ${target} was cancelled before it ran: it has no result\n`);
    assert.equal(waited.code, 5, waited.stderr);
    assert.match(waited.stdout, /^Status: +(queued|running)$/m);
    assert.match(waited.stderr, new RegExp(`^Error: call ${slow} is still (queued|running) after 1\\.00s: wait longer with --timeout`));
    assert.deepEqual((JSON.parse(listed.stdout) as CallRow[]).map((r) => r.callId), [target]);
  });

  it('invoke --async prints the call id alone; calls wait, get and result follow it', async () => {
    const queued = await sluice(['invoke', 'cat-fn', '--async'], 'hello async');
    assert.equal(queued.code, 0, queued.stderr);
    assert.match(queued.stdout, CALL_ID);
    assert.equal(queued.stderr, '');
    const id = queued.stdout.trim();

    const waited = await sluice(['calls', 'wait', id]);
    assert.equal(waited.code, 0, waited.stderr);
    assert.match(waited.stdout, new RegExp(`^Call ID: +${id}$`, 'm'));
    assert.match(waited.stdout, /^Status: +succeeded$/m);
    assert.match(waited.stdout, /^Status code: +200$/m);

    const [got, json, result] = await Promise.all([sluice(['calls', 'get', id]), sluice(['calls', 'get', id, '--json']), sluice(['calls', 'result', id])]);
    assert.equal(got.code, 0, got.stderr);
    assert.match(got.stdout, /^Function: +cat-fn$/m);
    assert.match(got.stdout, /^Attempts: +1$/m);
    const record = JSON.parse(json.stdout) as CallRow;
    assert.deepEqual([record.callId, record.function, record.status], [id, 'cat-fn', 'succeeded']);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, 'hello async');
  });

  it('invoke --async --wait writes the result body byte for byte, nothing on stderr in a pipe', async () => {
    const body = Buffer.concat([randomBytes(64 * 1024), Buffer.from([0, 0xff, 0x0d, 0x0a])]);
    const run = await sluice(['invoke', 'cat-fn', '--async', '--wait', '--content-type', 'application/octet-stream'], body);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stderr, '');
    assert.ok(run.bytes.equals(body), `got ${run.bytes.length} bytes, sent ${body.length}`);
  });

  it('--json and --idempotency-key: a repeat prints the first call id, with a note', async () => {
    const args = ['invoke', 'cat-fn', '--async', '--json', '--idempotency-key', `key-${Date.now()}`];
    const first = await sluice(args, 'once');
    assert.equal(first.code, 0, first.stderr);
    const again = await sluice(args, 'once');
    assert.equal(again.code, 0, again.stderr);
    const [a, b] = [JSON.parse(first.stdout), JSON.parse(again.stdout)] as { callId: string; replayed: boolean }[];
    assert.deepEqual(b, { callId: a?.callId, replayed: true });
    assert.equal(a?.replayed, false);
    assert.match(again.stderr, /^Note: Idempotency-Key "key-\d+" was used before/);
  });

  it('a failing function: --wait exits 1 quoting it; list, wait and redrive the dead call', async () => {
    const waited = await sluice(['invoke', 'fail-fn', '--async', '--wait'], 'x');
    assert.equal(waited.code, 1);
    assert.equal(waited.stdout, '');
    assert.match(waited.stderr, /^Error: Server returned unexpected status code: 500 - /);

    const [json, table] = await Promise.all([sluice(['calls', 'list', '--function', 'fail-fn', '--json']), sluice(['calls', 'list', '--status', 'dead'])]);
    const records = JSON.parse(json.stdout) as CallRow[];
    assert.equal(records.length, 1, json.stdout);
    const id = records[0]?.callId as string;
    assert.match(table.stdout, /^CALL ID +FUNCTION +STATUS +CODE +ATTEMPTS +QUEUED +DURATION +CALLBACK\n/);
    assert.match(table.stdout, new RegExp(`^${id} +fail-fn +dead +500 +1 +\\d{4}-\\d\\d-\\d\\dT[\\d:]+Z +\\S+ +-$`, 'm'));

    const [dead, none] = await Promise.all([sluice(['calls', 'wait', id]), sluice(['calls', 'redrive', '--function', 'cat-fn', '--json'])]);
    assert.equal(dead.code, 1);
    assert.match(dead.stdout, /^Status: +dead$/m);
    assert.match(dead.stderr, new RegExp(`^Error: call ${id} is dead: gave up after 1 attempt\\(s\\).*; retry it with \`sluice calls redrive --function fail-fn\``));
    assert.deepEqual(JSON.parse(none.stdout), { redriven: 0, callIds: [] });

    const redrive = await sluice(['calls', 'redrive', '--function', 'fail-fn', '--since', '1h']);
    assert.equal(redrive.code, 0, redrive.stderr);
    assert.equal(redrive.stdout, 'Redriven 1 call(s)\n');
  });

  it('answers mistakes with the gateway\'s message and exit 1', async () => {
    const [unknownCall, unknownFn, badCallback] = await Promise.all([
      sluice(['calls', 'get', 'no-such-call']),
      sluice(['invoke', 'no-such-fn', '--async'], ''),
      sluice(['invoke', 'cat-fn', '--async', '--callback-url', 'ftp://cb/'], ''),
    ]);
    assert.equal(unknownCall.code, 1);
    assert.match(unknownCall.stderr, /^Error: no async call "no-such-call"/);
    assert.equal(unknownFn.code, 1);
    assert.match(unknownFn.stderr, /^Error: function "no-such-fn" not found/);
    assert.equal(badCallback.code, 1);
    assert.match(badCallback.stderr, /^Error: X-Callback-Url "ftp:\/\/cb\/" is not usable/);
  });

  it('calls result --wait long-polls until the slow call is done', async () => {
    const done = await sluice(['calls', 'result', slow, '--wait', `${SLOW_SECONDS * 3}s`]);
    assert.equal(done.code, 0, done.stderr);
    assert.equal(done.stdout, '');
  });
});
