/**
 * `npm run bench:watchdog`: `sluice watchdog` (the standalone of-watchdog / classic watchdog) against
 * what it wraps, in one run:
 *   (a) a bare node:http echo server (bench/bare-echo-server.ts) on TCP,
 *   (b) `sluice watchdog` in http mode in front of its own copy of that server (its fprocess, same
 *       argv, proxied over TCP via upstream_url), so a and b measure identical servers;
 *   (c) `sluice watchdog` in fork mode with `fprocess=cat` (one `cat` per request, body → stdin,
 *       stdout → answer),
 *   (d) `cat` spawned directly from a Node loop: N workers, each spawn('cat'), write the body, read
 *       all of stdout, wait for 'close', repeat, for the same duration.
 * a and b take bench/sync.ts's load (autocannon, 50 connections, POST of 100 bytes). c and d take the
 * same 100-byte body at BENCH_FORK_CONNECTIONS concurrent calls. Single runs on this shared 2-vCPU VM swing up to 2×, so a, b,
 * c and d alternate for BENCH_ROUNDS rounds and the medians are compared. Prints req/s (spawns/s for d),
 * p50/p99, b/a and c/d against their targets, and the watchdogs' RSS after their loads.
 * Env: BENCH_SECONDS per run (default 5), BENCH_ROUNDS (default 3), BENCH_FORK_CONNECTIONS (default 8),
 * BENCH_WATCHDOG_NODE_ARGS (node flags for both watchdogs, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { alive, CLI, descendants, ROOT } from '../test/harness.js';
import { load, median, row, rssMb, type LoadResult } from './_measure.js';

const seconds = Number(process.env['BENCH_SECONDS'] ?? 5);
const rounds = Number(process.env['BENCH_ROUNDS'] ?? 3);
const body = Buffer.alloc(100, 'x');
const httpOpts = { connections: 50, seconds, body };
/**
 * Concurrency of c and d. Spawning is CPU-bound: fork/exec in the kernel plus `cat` starting and
 * exiting, and Node's spawn() itself runs synchronously on the main thread. On 2 vCPUs, 8 calls in
 * flight keep both cores busy (one with the spawning Node thread, one with the `cat`s) while the
 * spawner is never idle; 50 would only queue, lengthening latency without adding spawns/s. Measured
 * with a plain Node loop here: 1 → 164 spawns/s, 4 → 210, 8 → 295, 16 → 263.
 */
const forkConnections = Number(process.env['BENCH_FORK_CONNECTIONS'] ?? 8);
const forkOpts = { connections: forkConnections, seconds, body };
const watchdogNodeArgs = (process.env['BENCH_WATCHDOG_NODE_ARGS'] ?? '').split(' ').filter(Boolean);
const echoScript = path.join(ROOT, 'bench', 'bare-echo-server.ts');
const echoArgv = (port: number): string[] => [process.execPath, '--import', 'tsx', echoScript, String(port)];
const scratch = mkdtempSync(path.join(tmpdir(), 'sluice-bench-watchdog-'));

// --- processes: every one started is stopped at the end (SIGTERM, then SIGKILL of its group) ---

const started: ChildProcess[] = [];

/** Starts a process in a process group of its own; resolves once `ready` matches its output. */
function startProcess(label: string, argv: string[], env: NodeJS.ProcessEnv, ready: RegExp, from: 'stdout' | 'stderr'): Promise<ChildProcess> {
  const [command, ...args] = argv as [string, ...string[]];
  const child = spawn(command, args, { cwd: ROOT, env, detached: true, stdio: ['ignore', from === 'stdout' ? 'pipe' : 'ignore', from === 'stderr' ? 'pipe' : 'inherit'] });
  started.push(child);
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${label}: not ready after 30 s; output:\n${output}`)), 30_000);
    child.once('exit', (code, signal) => reject(new Error(`${label}: exited (${signal ?? code}) before it was ready; output:\n${output}`)));
    child[from]?.on('data', (chunk: Buffer) => {
      // Kept small, and read until the end, so the pipe never fills.
      if (output.length < 16_384) output += chunk.toString();
      if (ready.test(output)) {
        clearTimeout(timer);
        resolve(child);
      }
    });
  });
}

function exited(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** SIGTERM to each process started (a watchdog stops its own fprocess), SIGKILL to what outlives 15 s. */
async function stopAll(): Promise<void> {
  await Promise.all(started.splice(0).map(async (child) => {
    const pid = child.pid;
    if (pid === undefined) return;
    const family = descendants(pid);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    if (!(await exited(child, 15_000))) {
      console.error(`pid ${pid} ignored SIGTERM for 15 s: killing its process group`);
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    // A watchdog that died abruptly leaves its fprocess behind: stop it too.
    for (const orphan of family.filter(alive)) {
      try {
        process.kill(orphan, 'SIGTERM');
      } catch {
        // Gone meanwhile.
      }
    }
  }));
  rmSync(scratch, { recursive: true, force: true });
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void stopAll().finally(() => process.exit(130)));
}

/** A free TCP port on 127.0.0.1 (the watchdog's `port` must be given, 0 would not be reported). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function startWatchdog(label: string, vars: Record<string, string>): Promise<{ url: string; pid: number }> {
  const port = await freePort();
  const env = {
    ...process.env,
    ...vars,
    port: String(port),
    metrics_port: '0',
    lock_file: path.join(scratch, `${label}.lock`),
    // No pause between going unready and draining at SIGTERM (it defaults to write_timeout, 30 s).
    healthcheck_interval: '0',
  };
  const child = await startProcess(`watchdog (${label})`, [process.execPath, ...watchdogNodeArgs, CLI, 'watchdog'], env, /Listening on port: \d+/, 'stderr');
  return { url: `http://127.0.0.1:${port}/`, pid: child.pid as number };
}

/** One POST must come back as the same 100 bytes, or the figures would measure errors. */
async function checkEcho(label: string, url: string): Promise<void> {
  const res = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/octet-stream' } });
  const answer = Buffer.from(await res.arrayBuffer());
  if (res.status !== 200 || !answer.equals(body)) throw new Error(`${label}: ${url} answered ${res.status} "${answer.toString().slice(0, 200)}", not the echo`);
}

// --- (d): the floor of fork mode, `cat` spawned straight from Node ---

/**
 * The spawn loop runs in a plain `node` process of its own, like the watchdog, and not in this one:
 * Node's spawn() forks the calling process synchronously, and that costs more in a bigger process
 * (measured here: 1.7–1.9 ms per spawn() in a plain node, 2.1 ms once sluice's modules are loaded),
 * so a loop inside the bench process, which holds autocannon and its results, would understate the floor.
 */
const SPAWN_LOOP = `
const { spawn } = require('node:child_process');
const [connections, seconds, size] = process.argv.slice(1).map(Number);
const body = Buffer.alloc(size, 'x');
function catOnce() {
  return new Promise((resolve) => {
    const child = spawn('cat', [], { stdio: 'pipe' });
    const chunks = [];
    child.stdout.on('data', (c) => chunks.push(c));
    child.stdin.on('error', () => {});
    child.once('error', () => resolve(false));
    child.once('close', (code) => resolve(code === 0 && Buffer.concat(chunks).equals(body)));
    child.stdin.end(body);
  });
}
(async () => {
  const latencies = [];
  let errors = 0;
  const start = performance.now();
  const until = start + seconds * 1000;
  await Promise.all(Array.from({ length: connections }, async () => {
    while (performance.now() < until) {
      const t = performance.now();
      if (await catOnce()) latencies.push(performance.now() - t);
      else errors++;
    }
  }));
  const elapsed = (performance.now() - start) / 1000;
  latencies.sort((x, y) => x - y);
  const at = (q) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0);
  const rssMb = process.memoryUsage().rss / 1048576;
  process.stdout.write(JSON.stringify({ requestsPerSecond: latencies.length / elapsed, p50Ms: at(0.5), p99Ms: at(0.99), errors, non2xx: 0, rssMb }));
})();
`;

/** Runs the spawn loop for `seconds` at `connections` concurrent `cat`s; resolves with its figures. */
async function spawnLoop(opts: { connections: number; seconds: number; body: Buffer }): Promise<LoadResult & { rssMb: number }> {
  const child = spawn(process.execPath, ['-e', SPAWN_LOOP, String(opts.connections), String(opts.seconds), String(opts.body.length)], { detached: true, stdio: ['ignore', 'pipe', 'inherit'] });
  started.push(child);
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  const code = await new Promise((resolve) => child.once('close', resolve));
  if (started.includes(child)) started.splice(started.indexOf(child), 1);
  if (code !== 0) throw new Error(`(d) spawn loop exited with ${code}`);
  return JSON.parse(out) as LoadResult & { rssMb: number };
}

// --- the run ---

try {
  const barePort = await freePort();
  await startProcess('bare echo server', echoArgv(barePort), process.env, /listening on/, 'stdout');
  const bareUrl = `http://127.0.0.1:${barePort}/`;
  const upstreamPort = await freePort();
  const http = await startWatchdog('http', {
    mode: 'http',
    fprocess: echoArgv(upstreamPort).join(' '),
    upstream_url: `http://127.0.0.1:${upstreamPort}`,
  });
  const fork = await startWatchdog('fork', { mode: 'fork', fprocess: 'cat' });

  await checkEcho('(a) bare', bareUrl);
  await checkEcho('(b) watchdog http', http.url);
  await checkEcho('(c) watchdog fork', fork.url);
  const idleMb = { http: rssMb(http.pid), fork: rssMb(fork.pid) };

  // Warm-up: 1 s of each, not counted.
  await load(bareUrl, { ...httpOpts, seconds: 1 });
  await load(http.url, { ...httpOpts, seconds: 1 });
  await load(fork.url, { ...forkOpts, seconds: 1 });
  await spawnLoop({ ...forkOpts, seconds: 1 });

  const a: LoadResult[] = [];
  const b: LoadResult[] = [];
  const c: LoadResult[] = [];
  const d: LoadResult[] = [];
  let httpMb = 0;
  let forkMb = 0;
  let loopMb = 0;
  for (let i = 0; i < rounds; i++) {
    a.push(await load(bareUrl, httpOpts));
    b.push(await load(http.url, httpOpts));
    httpMb = Math.max(httpMb, rssMb(http.pid));
    c.push(await load(fork.url, forkOpts));
    forkMb = Math.max(forkMb, rssMb(fork.pid));
    const spawned = await spawnLoop(forkOpts);
    loopMb = Math.max(loopMb, spawned.rssMb);
    d.push(spawned);
  }

  const [ma, mb, mc, md] = [median(a), median(b), median(c), median(d)] as [LoadResult, LoadResult, LoadResult, LoadResult];
  const ba = mb.requestsPerSecond / ma.requestsPerSecond;
  const cd = mc.requestsPerSecond / md.requestsPerSecond;
  const verdict = (ok: boolean): string => (ok ? 'PASS' : 'MISS');
  const rounded = (xs: LoadResult[]): string => xs.map((r) => r.requestsPerSecond.toFixed(0)).join(' / ');
  console.log(`watchdog benchmark: ${rounds} alternating rounds of ${seconds}s, medians`);
  console.log(`  a, b: autocannon, 50 connections, POST 100 bytes;  c, d: ${forkConnections} concurrent, same body`);
  console.log(row('(a) bare node:http echo', ma));
  console.log(row('(b) sluice watchdog, http mode', mb));
  console.log(row('(c) sluice watchdog, fork mode, cat', mc));
  console.log(row('(d) spawn cat from a Node loop', md).replace('req/s', 'spawn/s'));
  console.log(`rounds (req/s): a ${rounded(a)}   b ${rounded(b)}   c ${rounded(c)}   d ${rounded(d)}`);
  // Neighbours in a round share the machine's mood: the per-round ratios show how steady the medians' ratio is.
  const perRound = (xs: LoadResult[], ys: LoadResult[]): string => xs.map((x, i) => (x.requestsPerSecond / (ys[i] as LoadResult).requestsPerSecond).toFixed(2)).join(' / ');
  console.log(`per-round ratios: b/a ${perRound(b, a)}   c/d ${perRound(c, d)}`);
  console.log(`ratio b/a: ${ba.toFixed(2)}   (target ≥ 0.30: ${verdict(ba >= 0.3)}; Go of-watchdog, http mode: ≈ 0.20)`);
  console.log(`ratio c/d: ${cd.toFixed(2)}   (target ≥ 0.80: ${verdict(cd >= 0.8)}; Go classic watchdog forking cat: ≈ 1,750 req/s, here c = ${mc.requestsPerSecond.toFixed(0)})`);
  console.log(`watchdog RSS: http mode ${idleMb.http.toFixed(0)} MB idle → ${httpMb.toFixed(0)} MB after load; fork mode ${idleMb.fork.toFixed(0)} MB idle → ${forkMb.toFixed(0)} MB after load; (d)'s spawn loop ${loopMb.toFixed(0)} MB`);
} finally {
  await stopAll();
}
