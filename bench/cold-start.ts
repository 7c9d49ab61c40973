/**
 * `npm run bench:cold-start`: time from a deploy returning (202) to the first successful answer of a
 * fresh node-ts function, BENCH_COLD_RUNS times (default 15), each a new function from the same
 * bundle. Baseline in the same run: starting `node -e ""` with a replica's env (the floor of any
 * Node replica; the host env is not passed, as replicas do not get it: NODE_EXTRA_CA_CERTS alone
 * makes node start 5× slower on this machine).
 * Target: p50 ≤ 300 ms.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { cleanup, deploy, deployNodeTs, ROOT, startSluice, waitAvailable } from '../test/harness.js';
import { percentile } from './_measure.js';

const runs = Number(process.env['BENCH_COLD_RUNS'] ?? 15);

const node = await startSluice();
await deployNodeTs(node, 'echo', await readFile(path.join(ROOT, 'functions', 'echo', 'handler.ts'), 'utf8'), { environment: { RAW_BODY: 'true' } });
await waitAvailable(node, 'echo');
const template = (await (await fetch(`${node.url}/system/function/echo`)).json()) as { image: string; annotations: Record<string, string>; envVars: Record<string, string> };

const cold: number[] = [];
for (let i = 0; i < runs; i++) {
  const name = `cold-${i}`;
  await deploy(node, { service: name, image: template.image, annotations: template.annotations, envVars: template.envVars });
  const deployed = performance.now();
  const res = await fetch(`${node.url}/function/${name}`, { method: 'POST', body: 'hi' });
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`cold call ${name}: ${res.status}`);
  cold.push(performance.now() - deployed);
  await fetch(`${node.url}/system/functions`, { method: 'DELETE', body: JSON.stringify({ functionName: name }) });
}
await node.stop();
await cleanup();

const bare: number[] = [];
for (let i = 0; i < runs; i++) {
  const started = performance.now();
  await new Promise((resolve) => spawn(process.execPath, ['-e', ''], { stdio: 'ignore', env: { PATH: process.env['PATH'] ?? '' } }).once('exit', resolve));
  bare.push(performance.now() - started);
}

const fmt = (xs: number[]): string => `p50 ${percentile(xs, 0.5).toFixed(0)} ms   p90 ${percentile(xs, 0.9).toFixed(0)} ms   max ${Math.max(...xs).toFixed(0)} ms`;
console.log(`cold start, ${runs} runs`);
console.log(`deploy → first answer (node-ts echo)   ${fmt(cold)}   (target p50 ≤ 300 ms)`);
console.log(`baseline: node -e "" start and exit    ${fmt(bare)}`);
console.log(`ratio p50 cold / p50 bare node: ${(percentile(cold, 0.5) / percentile(bare, 0.5)).toFixed(2)}`);
