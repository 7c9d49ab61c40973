/**
 * Scale-out: a gateway that only accepts async calls (`serve --no-worker`) and a separate
 * `sluice worker` that runs them through the gateway, sharing the queue — JetStream, or the gateway's
 * SQLite file on the same machine.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, describe, it } from 'node:test';
import { startReceiver } from '../callback-receiver.js';
import { CLI, cleanup, deploy, eventually, startSluice, type SluiceNode } from '../harness.js';
import { startNatsServer, type NatsServer } from '../nats-server.js';

interface WorkerProcess {
  output(): string;
  stop(): Promise<number | null>;
}

async function startWorker(node: SluiceNode, args: string[]): Promise<WorkerProcess> {
  const child = spawn(process.execPath, [CLI, 'worker', '-g', node.url, ...args], { env: { ...process.env, log_level: 'info' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  await eventually(() => /worker running the async calls of/.test(output) || child.exitCode !== null, 20_000, 'the worker to start');
  assert.equal(child.exitCode, null, output);
  return {
    output: () => output,
    stop: async () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

/** 10 calls to a function on the default queue and 10 to one on a queue of its own, all calling back. */
async function runCalls(node: SluiceNode, worker: WorkerProcess): Promise<void> {
  const receiver = await startReceiver();
  await deploy(node, { service: 'echo', image: 'cat', envProcess: 'cat' });
  await deploy(node, { service: 'lane-echo', image: 'cat', envProcess: 'cat', annotations: { 'com.openfaas.queue': 'lane' } });
  const ids: string[] = [];
  for (let i = 0; i < 20; i++) {
    const name = i % 2 ? 'lane-echo' : 'echo';
    const res = await fetch(`${node.url}/async-function/${name}/p?i=${i}`, { method: 'POST', body: `call ${i}`, headers: { 'x-callback-url': `${receiver.url}/cb/${i}` } });
    assert.equal(res.status, 202);
    ids.push(res.headers.get('x-call-id') as string);
  }
  const got = await receiver.waitFor(20, 30_000);
  assert.deepEqual(new Set(got.map((cb) => cb.headers['x-call-id'])), new Set(ids));
  for (const cb of got) assert.equal(cb.body.toString(), `call ${cb.path.slice('/cb/'.length)}`);
  const record = (await (await fetch(`${node.url}/system/calls/${ids[1]}?wait=5s`)).json()) as { status: string; queue: string };
  assert.deepEqual([record.status, record.queue], ['succeeded', 'lane']);
  assert.match(worker.output(), /Invoked: lane-echo \[200\]/);
  assert.doesNotMatch(node.output(), /Invoked:/, 'the gateway ran none itself');
  await receiver.close();
  assert.equal(await worker.stop(), 0, 'the worker stops cleanly on SIGTERM');
}

describe('sluice worker beside a gateway that only accepts (serve --no-worker)', () => {
  let nats: NatsServer | undefined;
  after(async () => {
    await cleanup();
    await nats?.stop();
  });

  it('runs the calls queued in JetStream, from every queue, through the gateway', async () => {
    nats = await startNatsServer();
    const node = await startSluice({ args: ['--no-worker', '--nats', nats.url], env: { log_level: 'info' } });
    await runCalls(node, await startWorker(node, ['--nats', nats.url]));
  });

  it("runs the calls queued in the gateway's SQLite file, sharing its data dir", async () => {
    const node = await startSluice({ args: ['--no-worker'], env: { log_level: 'info' } });
    await runCalls(node, await startWorker(node, ['--data', node.dataDir]));
  });

  it('serves its own async metrics on --metrics-port, counting the calls it ran and their callbacks', async () => {
    const node = await startSluice({ args: ['--no-worker'] });
    const worker = await startWorker(node, ['--data', node.dataDir, '--metrics-port', '0']);
    const metricsUrl = await eventually(() => /Metrics on (http:\/\/\S+)\/metrics/.exec(worker.output())?.[1], 5000, 'the metrics address');
    assert.equal(await (await fetch(`${metricsUrl}/healthz`)).text(), 'OK');
    const receiver = await startReceiver();
    await deploy(node, { service: 'echo', image: 'cat', envProcess: 'cat' });
    const res = await fetch(`${node.url}/async-function/echo`, { method: 'POST', body: 'hi', headers: { 'x-callback-url': `${receiver.url}/cb` } });
    assert.equal(res.status, 202);
    await receiver.waitFor(1);
    const scraped = await eventually(async () => {
      const text = await (await fetch(`${metricsUrl}/metrics`)).text();
      return /^sluice_callback_deliveries_total\{code="200"\} 1$/m.test(text) && text;
    }, 5000, 'the callback to be counted');
    assert.match(scraped, /^sluice_async_calls_total\{function="echo\.openfaas-fn",status="succeeded"\} 1$/m);
    assert.match(scraped, /^sluice_queue_depth\{queue="faas-request"\} 0$/m);
    const gatewayText = await (await fetch(`${node.url}/metrics`)).text();
    assert.doesNotMatch(gatewayText, /^sluice_async_calls_total\{/m, 'the gateway ran none itself, so counted none');
    await receiver.close();
    assert.equal(await worker.stop(), 0, 'the worker stops cleanly on SIGTERM');
    await assert.rejects(fetch(`${metricsUrl}/metrics`), 'the metrics port is closed with the worker');
  });
});
