/**
 * `npm run bench:async`: async calls, for each queue backend (sqlite, then jetstream on a nats-server
 * this script starts), in one run:
 *   (a) accepted calls/s at the gateway: autocannon, 100 connections, POST 1 KB to /async-function
 *       (202s per second), on a gateway that only accepts (`serve --no-worker`, the calls are left
 *       for `sluice worker`s, as OpenFaaS's gateway leaves them to its queue-worker), and again (a')
 *       on a gateway whose own worker runs the calls meanwhile;
 *   (b) completed calls/s end to end: BENCH_ASYNC_CALLS calls with an X-Callback-Url to a receiver in
 *       this process, node-ts echo with 4 replicas, from the first POST to the last callback;
 *   (c) the backend alone, in this process: enqueue/s, then claim+ack/s (concurrency 10) — the ceiling.
 * Prints all, and the ratios a/c(enqueue) and b/c(consume).
 * Env: BENCH_SECONDS for (a) (default 5), BENCH_ASYNC_CALLS for (b) and (c) (default 10000),
 * BENCH_BACKENDS (default "sqlite,jetstream"), BENCH_MAX_INFLIGHT (the worker's per-queue
 * concurrency, `max_inflight`; default: the gateway's own default, 10).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Agent, request } from 'undici';
import { openAsyncBackend } from '../src/queue/index.js';
import { cleanup, deploy, deployNodeTs, ROOT, startSluice, tempDir, waitAvailable, type SluiceNode } from '../test/harness.js';
import { startNatsServer, type NatsServer } from '../test/nats-server.js';
import { load } from './_measure.js';
import { readFile } from 'node:fs/promises';

const seconds = Number(process.env['BENCH_SECONDS'] ?? 5);
const calls = Number(process.env['BENCH_ASYNC_CALLS'] ?? 10_000);
const backends = (process.env['BENCH_BACKENDS'] ?? 'sqlite,jetstream').split(',');
const body = Buffer.alloc(1024, 'x');
const maxInflight = process.env['BENCH_MAX_INFLIGHT'];

interface Figures {
  acceptOnly: number;
  accepted: number;
  completed: number;
  enqueue: number;
  consume: number;
}

/** (c): the backend with nothing around it. */
async function rawBackend(natsUrl: string | undefined): Promise<{ enqueue: number; consume: number }> {
  const backend = await openAsyncBackend(natsUrl, await tempDir('sluice-bench-queue-'));
  const queue = `raw-${Date.now()}`;
  let started = performance.now();
  const inFlight = 100;
  let next = 0;
  await Promise.all(Array.from({ length: inFlight }, async () => {
    while (next < calls) await backend.queue.enqueue(queue, `m-${next++}`, body);
  }));
  const enqueue = calls / ((performance.now() - started) / 1000);
  started = performance.now();
  let done = 0;
  await new Promise<void>((resolve) => {
    const sub = backend.queue.consume(queue, { concurrency: 10 }, async (delivery) => {
      await delivery.ack();
      if (++done === calls) void sub.stop().then(resolve);
    });
  });
  const consume = calls / ((performance.now() - started) / 1000);
  await backend.close();
  return { enqueue, consume };
}

/** A callback receiver in this process: counts callbacks, resolves when all have come. */
async function receiver(): Promise<{ url: string; until(count: number): Promise<void>; close(): void }> {
  let count = 0;
  let waiting: { count: number; resolve: () => void } | undefined;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.end();
      if (++count >= (waiting?.count ?? Infinity)) waiting?.resolve();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    until: (target) => new Promise((resolve) => (count >= target ? resolve() : (waiting = { count: target, resolve }))),
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

/** Waits until the gateway's worker has nothing queued (after (a), before (b)). */
async function drained(node: SluiceNode): Promise<void> {
  for (;;) {
    const res = await fetch(`${node.url}/system/calls?status=queued&limit=1`);
    const running = await fetch(`${node.url}/system/calls?status=running&limit=1`);
    if (((await res.json()) as unknown[]).length === 0 && ((await running.json()) as unknown[]).length === 0) return;
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** (b): `calls` async calls with callbacks, 100 at a time, from the first POST to the last callback. */
async function endToEnd(node: SluiceNode): Promise<number> {
  const cb = await receiver();
  const dispatcher = new Agent({ connections: 100 });
  const started = performance.now();
  let next = 0;
  const all = cb.until(calls);
  await Promise.all(Array.from({ length: 100 }, async () => {
    while (next < calls) {
      const i = next++;
      const res = await request(`${node.url}/async-function/echo`, { method: 'POST', body, dispatcher, headers: { 'x-callback-url': `${cb.url}/cb/${i}` } });
      await res.body.dump();
      if (res.statusCode !== 202) throw new Error(`call ${i}: ${res.statusCode}`);
    }
  }));
  await all;
  const rate = calls / ((performance.now() - started) / 1000);
  cb.close();
  await dispatcher.close();
  return rate;
}

/** (a): 202s per second from a gateway that only accepts. */
async function acceptOnly(natsUrl: string | undefined): Promise<number> {
  const node = await startSluice({ args: ['--no-worker', ...(natsUrl ? ['--nats', natsUrl] : [])] });
  await deploy(node, { service: 'echo', image: 'cat', envProcess: 'cat' });
  await load(`${node.url}/async-function/echo`, { connections: 100, seconds: 1, body });
  const accepted = await load(`${node.url}/async-function/echo`, { connections: 100, seconds, body });
  if (accepted.errors + accepted.non2xx > 0) console.error(`(a) ${accepted.errors} errors, ${accepted.non2xx} non-2xx`);
  await node.stop();
  return accepted.requestsPerSecond;
}

async function measure(kind: string): Promise<Figures> {
  let nats: NatsServer | undefined;
  if (kind === 'jetstream') nats = await startNatsServer();
  const raw = await rawBackend(nats?.url);
  const only = await acceptOnly(nats?.url);
  if (nats) {
    // A fresh server: the calls (a) left queued would otherwise be run during (b).
    await nats.stop();
    nats = await startNatsServer();
  }
  const node = await startSluice({ args: nats ? ['--nats', nats.url] : [], env: maxInflight ? { max_inflight: maxInflight } : {} });
  await deployNodeTs(node, 'echo', await readFile(path.join(ROOT, 'functions', 'echo', 'handler.ts'), 'utf8'), { environment: { RAW_BODY: 'true' } });
  await fetch(`${node.url}/system/scale-function/echo`, { method: 'POST', body: JSON.stringify({ replicas: 4 }) });
  await waitAvailable(node, 'echo', 4);
  await load(`${node.url}/async-function/echo`, { connections: 100, seconds: 1, body });
  const accepted = await load(`${node.url}/async-function/echo`, { connections: 100, seconds, body });
  if (accepted.errors + accepted.non2xx > 0) console.error(`(a) ${kind}: ${accepted.errors} errors, ${accepted.non2xx} non-2xx`);
  await drained(node);
  const completed = await endToEnd(node);
  await node.stop();
  await nats?.stop();
  return { acceptOnly: only, accepted: accepted.requestsPerSecond, completed, ...raw };
}

console.log(`async benchmark: (a) ${seconds}s of autocannon, 100 connections, POST 1 KB; (b) ${calls} calls with callbacks, 100 at a time, echo with 4 replicas, max_inflight ${maxInflight ?? '10 (default)'}; (c) ${calls} messages through the backend alone`);
for (const kind of backends) {
  const f = await measure(kind);
  const n = (x: number): string => x.toFixed(0).padStart(7);
  console.log(`${kind.padEnd(9)} (a) accepted ${n(f.acceptOnly)}/s, (a') with its worker running ${n(f.accepted)}/s   (b) completed ${n(f.completed)}/s   (c) enqueue ${n(f.enqueue)}/s, claim+ack ${n(f.consume)}/s`);
  console.log(`${''.padEnd(9)} a/c(enqueue) ${(f.acceptOnly / f.enqueue).toFixed(2)}   a'/c ${(f.accepted / f.enqueue).toFixed(2)}   b/c(claim+ack) ${(f.completed / f.consume).toFixed(2)}${kind === 'sqlite' ? '   targets: a ≥ 5000/s, b ≥ 2000/s' : ''}`);
}
await cleanup();
