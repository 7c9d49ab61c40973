/**
 * `npm run bench:confine`: what confining a replica costs a fork-mode function (`cat`), whose every
 * call spawns a process, so pays it per call: p50 of BENCH_CONFINE_CALLS sequential calls (default
 * 300) of the same function deployed four ways, against the same function unconfined in the same run
 * — with `limits` (joins its control groups), with `secrets` (its own mount namespace showing
 * /var/openfaas/secrets), and with `readOnlyRootFilesystem` (remounts every mount read-only).
 * An http-mode replica pays the same once, when it starts. Needs root for the last three.
 */
import { cleanup, deploy, startSluice, waitAvailable } from '../test/harness.js';
import { percentile } from './_measure.js';

const calls = Number(process.env['BENCH_CONFINE_CALLS'] ?? 300);
const node = await startSluice();
await fetch(`${node.url}/system/secrets`, { method: 'POST', body: JSON.stringify({ name: 'bench-key', value: 'x' }) });

/** Each way, and a probe (fprocess, the answer it must give) showing the confinement is really there. */
const variants: Array<[string, object, [string, RegExp]?]> = [
  ['unconfined', {}],
  ['limits (control groups)', { limits: { memory: '64Mi', cpu: '1' } }, ['cat /proc/self/cgroup', /memory:.*sluice-/]],
  ['secrets (mount namespace)', { secrets: ['bench-key'] }, ['cat /var/openfaas/secrets/bench-key', /^x$/]],
  ['readOnlyRootFilesystem', { readOnlyRootFilesystem: true }, ['touch /sluice-bench-probe', /Read-only file system/]],
];

const p50s: number[] = [];
for (const [label, extra, probe] of variants) {
  const name = `confine-${p50s.length}`;
  if (probe) {
    await deploy(node, { service: `${name}-probe`, image: 'probe', envProcess: probe[0], ...extra });
    await waitAvailable(node, `${name}-probe`);
    const answer = await (await fetch(`${node.url}/function/${name}-probe`, { method: 'POST' })).text();
    if (!probe[1].test(answer)) throw new Error(`${label} is not in place (needs root): ${probe[0]} answered ${answer}`);
  }
  await deploy(node, { service: name, image: 'cat', envProcess: 'cat', ...extra });
  await waitAvailable(node, name);
  const times: number[] = [];
  for (let i = 0; i < calls + 20; i++) {
    const started = performance.now();
    const res = await fetch(`${node.url}/function/${name}`, { method: 'POST', body: 'hello' });
    if ((await res.text()) !== 'hello') throw new Error(`${label}: ${res.status}`);
    if (i >= 20) times.push(performance.now() - started); // the first calls warm up
  }
  const p50 = percentile(times, 0.5);
  p50s.push(p50);
  console.log(`${label.padEnd(28)} p50 ${p50.toFixed(2).padStart(6)} ms   p99 ${percentile(times, 0.99).toFixed(2).padStart(6)} ms   ratio to unconfined ${(p50 / (p50s[0] as number)).toFixed(2)}`);
}
await node.stop();
await cleanup();
