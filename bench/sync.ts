/**
 * `npm run bench:sync`: the same load (autocannon, 50 connections, POST of 100 bytes) against
 * (a) a bare node:http echo server, (b) sluice serve → the node-ts echo function (1 replica), and
 * (c) a minimal node:http + undici dispatch relay to the same replica (the floor of this design).
 * This VM's neighbours make single runs swing, so a, b and c alternate for BENCH_ROUNDS rounds and
 * the medians are compared. Prints req/s, p50/p99, the ratios b/a and b/c, and RSS.
 * Env: BENCH_SECONDS per run (default 5), BENCH_ROUNDS (default 3), BENCH_AUTH=1 to run (b) with
 * basic auth on, as `npm start` does (the function stays open: the check is one lookup per call).
 */
import { spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { cleanup, deployNodeTs, descendants, ROOT, startSluice, waitAvailable } from '../test/harness.js';
import { load, median, row, rssMb, type LoadResult } from './_measure.js';

const seconds = Number(process.env['BENCH_SECONDS'] ?? 5);
const rounds = Number(process.env['BENCH_ROUNDS'] ?? 3);
const opts = { connections: 50, seconds, body: Buffer.alloc(100, 'x') };

/** Starts one of the bench servers in a process of its own; resolves with its URL. */
async function startServer(script: string, ...args: string[]): Promise<{ url: string; stop: () => void }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench', script), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve) => child.stdout.on('data', (c: Buffer) => {
    const match = /listening on (\S+)/.exec(c.toString());
    if (match) resolve(match[1] as string);
  }));
  return { url, stop: () => child.kill('SIGTERM') };
}

const bare = await startServer('bare-echo-server.ts');
const auth = process.env['BENCH_AUTH'] === '1';
const node = await startSluice({ nodeArgs: (process.env['BENCH_GATEWAY_NODE_ARGS'] ?? '').split(' ').filter(Boolean), env: auth ? { basic_auth: 'true' } : {} });
await deployNodeTs(node, 'echo', await readFile(path.join(ROOT, 'functions', 'echo', 'handler.ts'), 'utf8'), { environment: { RAW_BODY: 'true' } });
await waitAvailable(node, 'echo');
const gatewayUrl = `${node.url}/function/echo`;
const socket = (await readdir(path.join(node.dataDir, 'run'))).find((f) => f.endsWith('.sock')) as string;
const minimal = await startServer('minimal-proxy.ts', path.join(node.dataDir, 'run', socket));
for (const url of [bare.url, gatewayUrl, minimal.url]) await load(url, { ...opts, seconds: 1 });

const a: LoadResult[] = [];
const b: LoadResult[] = [];
const c: LoadResult[] = [];
for (let i = 0; i < rounds; i++) {
  a.push(await load(bare.url, opts));
  b.push(await load(gatewayUrl, opts));
  c.push(await load(minimal.url, opts));
}
const gatewayMb = rssMb(node.process.pid as number);
const replicaMb = Math.max(...descendants(node.process.pid as number).map(rssMb));
bare.stop();
minimal.stop();
await node.stop();
await cleanup();

const ma = median(a);
const mb = median(b);
const mc = median(c);
console.log(`sync benchmark: autocannon, 50 connections, POST 100 bytes, ${rounds} alternating rounds of ${seconds}s, medians`);
console.log(row('(a) bare node:http echo', ma));
console.log(row(`(b) sluice → node-ts echo (1 replica)${auth ? ', auth on' : ''}`, mb));
console.log(row('(c) minimal dispatch relay → same', mc));
const rounded = (xs: LoadResult[]): string => xs.map((r) => r.requestsPerSecond.toFixed(0)).join(' / ');
console.log(`rounds (req/s): a ${rounded(a)}   b ${rounded(b)}   c ${rounded(c)}`);
console.log(`ratio b/a: ${(mb.requestsPerSecond / ma.requestsPerSecond).toFixed(2)}   (target ≥ 0.40)`);
console.log(`ratio b/c: ${(mb.requestsPerSecond / mc.requestsPerSecond).toFixed(2)}   (what Sluice's routing, ids, limits and deadlines cost over the bare relay)`);
console.log(`RSS after load: gateway ${gatewayMb.toFixed(0)} MB (target ≤ 80), replica ${replicaMb.toFixed(0)} MB (target ≤ 60)`);
