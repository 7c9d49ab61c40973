/**
 * `npm run bench:sync`: the same load (autocannon, 50 connections, POST of 100 bytes) against
 * (a) a bare node:http echo server and (b) sluice serve → the node-ts echo function (1 replica).
 * This VM's neighbours make single runs swing, so a and b alternate for BENCH_ROUNDS rounds and the
 * medians are compared. Prints req/s, p50/p99, the ratio b/a, and the RSS of gateway and replica.
 * Env: BENCH_SECONDS per run (default 5), BENCH_ROUNDS (default 3).
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { cleanup, deployNodeTs, descendants, ROOT, startSluice, waitAvailable } from '../test/harness.js';
import { load, median, row, rssMb, type LoadResult } from './_measure.js';

const seconds = Number(process.env['BENCH_SECONDS'] ?? 5);
const rounds = Number(process.env['BENCH_ROUNDS'] ?? 3);
const opts = { connections: 50, seconds, body: Buffer.alloc(100, 'x') };

async function startBare(): Promise<{ url: string; stop: () => void }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench', 'bare-echo-server.ts')], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve) => child.stdout.on('data', (c: Buffer) => {
    const match = /listening on (\S+)/.exec(c.toString());
    if (match) resolve(match[1] as string);
  }));
  return { url, stop: () => child.kill('SIGTERM') };
}

const bare = await startBare();
const node = await startSluice({ nodeArgs: (process.env['BENCH_GATEWAY_NODE_ARGS'] ?? '').split(' ').filter(Boolean) });
await deployNodeTs(node, 'echo', await readFile(path.join(ROOT, 'functions', 'echo', 'handler.ts'), 'utf8'), { environment: { RAW_BODY: 'true' } });
await waitAvailable(node, 'echo');
const gatewayUrl = `${node.url}/function/echo`;
await load(bare.url, { ...opts, seconds: 1 });
await load(gatewayUrl, { ...opts, seconds: 1 });

const a: LoadResult[] = [];
const b: LoadResult[] = [];
for (let i = 0; i < rounds; i++) {
  a.push(await load(bare.url, opts));
  b.push(await load(gatewayUrl, opts));
}
const gatewayMb = rssMb(node.process.pid as number);
const replicaMb = Math.max(...descendants(node.process.pid as number).map(rssMb));
bare.stop();
await node.stop();
await cleanup();

const ma = median(a);
const mb = median(b);
console.log(`sync benchmark: autocannon, 50 connections, POST 100 bytes, ${rounds} alternating rounds of ${seconds}s, medians`);
console.log(row('(a) bare node:http echo', ma));
console.log(row('(b) sluice → node-ts echo (1 replica)', mb));
console.log(`rounds (req/s): a ${a.map((r) => r.requestsPerSecond.toFixed(0)).join(' / ')}   b ${b.map((r) => r.requestsPerSecond.toFixed(0)).join(' / ')}`);
console.log(`ratio b/a: ${(mb.requestsPerSecond / ma.requestsPerSecond).toFixed(2)}   (target ≥ 0.40)`);
console.log(`RSS after load: gateway ${gatewayMb.toFixed(0)} MB (target ≤ 80), replica ${replicaMb.toFixed(0)} MB (target ≤ 60)`);
