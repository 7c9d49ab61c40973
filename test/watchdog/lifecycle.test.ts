/**
 * `sluice watchdog` over its life (reference §4.1): health and readiness, SIGTERM drain, the
 * http-mode process dying, no zombies after many forks, a 100 MB answer streamed without being held,
 * large bodies and functions that never read them.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { Agent } from 'node:http';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import {
  CLEAN_EXIT,
  alive,
  call,
  canConnect,
  childrenOf,
  cleanupWatchdogs,
  descendants,
  eventually,
  fixture,
  health,
  httpModeEnv,
  rssBytes,
  sleep,
  startWatchdog,
  stopCleanly,
  tempDir,
  type Watchdog,
} from './_watchdog.js';

after(cleanupWatchdogs);

const MiB = 1024 * 1024;

describe('health and readiness', () => {
  let wd: Watchdog;
  after(async () => {
    if (wd) await stopCleanly(wd);
  });

  const CASES: Array<[string, string, number, string | undefined]> = [
    ['GET', '/_/health', 200, 'OK'],
    ['POST', '/_/health', 405, undefined],
    ['PUT', '/_/health', 405, undefined],
    ['GET', '/_/ready', 200, 'OK'],
    ['POST', '/_/ready', 405, undefined],
  ];
  for (const [method, route, status, text] of CASES) {
    it(`${method} ${route} → ${status}`, async () => {
      wd ??= await startWatchdog({ mode: 'fork', fprocess: 'cat' });
      const answer = await call(wd, route, { method });
      assert.equal(answer.status, status);
      if (text !== undefined) assert.equal(answer.text, text);
    });
  }
});

describe('SIGTERM', () => {
  it('drain: a 1.5 s call in flight completes 200; meanwhile /_/health 503, lock file gone, then no new connections; exit 0', async () => {
    const pidDir = await tempDir('sluice-wd-pids-');
    const wd = await startWatchdog({ mode: 'fork', fprocess: fixture('sleep.mjs', 1500), healthcheck_interval: '500ms', PID_DIR: pidDir });
    const inFlight = call(wd, '/', { headers: { 'x-call-id': 'drain-1' } });
    await eventually(() => existsSync(path.join(pidDir, 'drain-1')), 5000, 'the call to start');
    const sent = performance.now();
    wd.terminate();
    await sleep(150);
    assert.equal(await health(wd), 503, '/_/health during healthcheck_interval');
    assert.equal(existsSync(wd.lockFile), false, 'lock file removed');
    await sleep(900 - (performance.now() - sent));
    assert.equal(await canConnect(wd.port), false, 'no new connections once healthcheck_interval has passed');
    const answer = await inFlight;
    assert.deepEqual([answer.status, answer.text], [200, 'slept']);
    await stopCleanly(wd);
    assert.ok(performance.now() - sent < 3000, 'exits once drained');
  });

  it('a second SIGTERM during the drain does not cut the call in flight (of-watchdog ignores it)', async () => {
    const pidDir = await tempDir('sluice-wd-pids-');
    const wd = await startWatchdog({ mode: 'fork', fprocess: fixture('sleep.mjs', 1200), healthcheck_interval: '100ms', PID_DIR: pidDir });
    const inFlight = call(wd, '/', { headers: { 'x-call-id': 'twice' } }).then((a) => [a.status, a.text], (err: Error) => [err.message]);
    await eventually(() => existsSync(path.join(pidDir, 'twice')), 5000, 'the call to start');
    const pid = Number(await readFile(path.join(pidDir, 'twice'), 'utf8'));
    wd.terminate();
    await sleep(300);
    wd.process.kill('SIGTERM');
    const answer = await inFlight;
    const exit = await wd.stop();
    const orphan = await eventually(() => !alive(pid), 2000).then(() => undefined, () => pid);
    assert.deepEqual({ answer, exit, orphan }, { answer: [200, 'slept'], exit: CLEAN_EXIT, orphan: undefined });
  });

  it('a call arriving during healthcheck_interval is still served (of-watchdog closes the listener only after it)', async () => {
    const wd = await startWatchdog({ mode: 'fork', fprocess: 'echo late', healthcheck_interval: '1s' });
    wd.terminate();
    await sleep(200);
    const answer = await call(wd, '/');
    assert.deepEqual([answer.status, answer.text], [200, 'late\n']);
    await stopCleanly(wd);
  });

  it('during start-up (http mode, the function\'s server not up yet): stops it and exits 0, nothing left', async () => {
    const wd = await startWatchdog(await httpModeEnv({ LISTEN_DELAY_MS: '3000' }), { wait: 'nothing' });
    await eventually(() => descendants(wd.pid).length === 1, 5000, 'the function process to start');
    await sleep(300);
    assert.equal(await canConnect(wd.port), false, 'not serving yet');
    await stopCleanly(wd);
  });
});

describe('http mode: the function process', () => {
  it('dies → the watchdog exits 1, its lock file removed, nothing left', async () => {
    const wd = await startWatchdog(await httpModeEnv());
    const [child] = descendants(wd.pid);
    assert.ok(child && alive(child), 'the function process');
    process.kill(child, 'SIGKILL');
    const exit = await Promise.race([wd.exited, sleep(5000).then(() => 'still running')]);
    assert.deepEqual(exit, { code: 1, signal: null });
    assert.equal(existsSync(wd.lockFile), false);
    assert.match(wd.stderr(), /^Error: /m);
    assert.deepEqual((await wd.stop()).leftovers, []);
  });
});

describe('fork mode at volume', () => {
  it('no zombies after 10,000 forks (20 concurrent keep-alive connections)', async () => {
    const wd = await startWatchdog({ mode: 'fork', fprocess: 'true' });
    const agent = new Agent({ keepAlive: true, maxSockets: 20 });
    const TOTAL = 10_000;
    const statuses = new Map<number, number>();
    let next = 0;
    let mostChildren = 0;
    const sampler = setInterval(() => (mostChildren = Math.max(mostChildren, childrenOf(wd.pid).length)), 100);
    const worker = async (): Promise<void> => {
      while (next < TOTAL) {
        next++;
        const { status } = await call(wd, '/', { agent });
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
      }
    };
    try {
      await Promise.all(Array.from({ length: 20 }, worker));
    } finally {
      clearInterval(sampler);
      agent.destroy();
    }
    assert.deepEqual([...statuses], [[200, TOTAL]]);
    assert.ok(mostChildren <= 20, `at most one process per connection, saw ${mostChildren}`);
    await sleep(200);
    const children = childrenOf(wd.pid);
    assert.deepEqual(children.filter((c) => c.state === 'Z'), [], 'zombies');
    assert.deepEqual(children, [], 'children');
    await stopCleanly(wd);
  });
});

describe('large answers and bodies', () => {
  it('streaming mode streams a 100 MB answer without holding it (watchdog RSS < 150 MB, slow reader)', async (t) => {
    const wd = await startWatchdog({ mode: 'streaming', fprocess: fixture('big-output.mjs', 100), exec_timeout: '60s' });
    const baseline = rssBytes(wd.pid);
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, rssBytes(wd.pid))), 20);
    let received = 0;
    let sincePause = 0;
    try {
      const answer = await call(wd, '/', {
        onData: (chunk, res) => {
          received += chunk.length;
          sincePause += chunk.length;
          // A reader slower than the function: ~100 MB/s at most.
          if (sincePause >= MiB) {
            sincePause = 0;
            res.pause();
            setTimeout(() => res.resume(), 10);
          }
        },
      });
      assert.equal(answer.status, 200);
    } finally {
      clearInterval(sampler);
    }
    assert.equal(received, 100 * MiB);
    t.diagnostic(`watchdog RSS: peak ${(peak / MiB).toFixed(1)} MiB, baseline ${(baseline / MiB).toFixed(1)} MiB`);
    assert.ok(peak < 150 * 1000 * 1000, `watchdog RSS peaked at ${(peak / MiB).toFixed(1)} MiB (baseline ${(baseline / MiB).toFixed(1)} MiB)`);
    await stopCleanly(wd);
  });

  const BIG = Buffer.alloc(MiB, 'q');
  for (const mode of ['streaming', 'serializing', 'fork'] as const) {
    it(`mode=${mode}: a function that never reads stdin, sent 1 MiB, answers at once (no deadlock)`, async () => {
      const wd = await startWatchdog({ mode, fprocess: 'echo hi' });
      const answer = await call(wd, '/', { method: 'POST', body: BIG });
      assert.deepEqual([answer.status, answer.text], [200, 'hi\n']);
      assert.ok(answer.ms < 2000, `answered after ${answer.ms}ms`);
      await stopCleanly(wd);
    });
  }

  for (const mode of ['http', 'streaming', 'serializing', 'fork'] as const) {
    it(`mode=${mode}: a 1 MiB binary body round-trips byte-exact (declared and chunked)`, async () => {
      const wd = await startWatchdog(mode === 'http' ? await httpModeEnv() : { mode, fprocess: 'cat' });
      const body = Buffer.from(Array.from({ length: MiB }, (_, i) => (i * 7) % 256));
      for (const chunked of [false, true]) {
        const answer = await call(wd, '/', { method: 'POST', body, chunked, headers: { 'x-fixture': 'cat' } });
        assert.equal(answer.status, 200, `chunked=${chunked}`);
        assert.ok(answer.body.equals(body), `chunked=${chunked}: ${answer.body.length} bytes back`);
      }
      await stopCleanly(wd);
    });
  }
});
