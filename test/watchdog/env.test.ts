/**
 * `sluice watchdog`: every env var has an effect one can observe from outside (reference §4.1–4.3),
 * plus unit tests of the config (a pure function of the env) for defaults, durations and invalid
 * values.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { SluiceError } from '../../src/api/index.js';
import { watchdogConfig } from '../../src/watchdog/index.js';
import {
  CLEAN_EXIT,
  call,
  cleanupWatchdogs,
  fixture,
  freePort,
  health,
  httpModeEnv,
  listeningPorts,
  rawExchange,
  runWatchdogToExit,
  sleep,
  startWatchdog,
  stopCleanly,
  tempDir,
  withWatchdog,
} from './_watchdog.js';

after(cleanupWatchdogs);

/** The lines of a log, without the empty last one. */
const lines = (text: string): string[] => text.split('\n').filter((line) => line !== '');

// Suites run three at a time: most of the time goes into starting node processes, and the timing
// assertions leave room for that.
describe('sluice watchdog env vars', { concurrency: 3 }, () => {
  describe('watchdog env: fprocess / function_process', () => {
    // of-watchdog reads fprocess, then function_process over it (config.go); the classic watchdog knows only fprocess.
    const CASES: Array<[string, Record<string, string>, string]> = [
      ['fprocess alone', { fprocess: 'echo from-fprocess' }, 'from-fprocess\n'],
      ['function_process alone', { function_process: 'echo from-function_process' }, 'from-function_process\n'],
      ['both: function_process wins, as in of-watchdog', { fprocess: 'echo from-fprocess', function_process: 'echo from-function_process' }, 'from-function_process\n'],
    ];
    for (const [name, env, body] of CASES) {
      it(`${name} → the function runs "${body.trim()}"`, () =>
        withWatchdog({ mode: 'streaming', ...env }, async (wd) => {
          const answer = await call(wd, '/');
          assert.deepEqual([answer.status, answer.text], [200, body]);
        }));
    }
  });

  describe('watchdog env: upstream_url / http_upstream_url (http mode)', () => {
    const CASES: Array<[string, (url: string, nowhere: string) => Record<string, string>]> = [
      ['upstream_url alone', (url) => ({ upstream_url: url })],
      ['http_upstream_url alone', (url) => ({ http_upstream_url: url })],
      // of-watchdog reads upstream_url, then http_upstream_url over it (config.go).
      ['both: http_upstream_url wins, as in of-watchdog', (url, nowhere) => ({ upstream_url: nowhere, http_upstream_url: url })],
    ];
    for (const [name, urls] of CASES) {
      it(`${name} → calls reach the server there`, async () => {
        const { upstream_url: url, ...server } = await httpModeEnv();
        const nowhere = `http://127.0.0.1:${await freePort()}`;
        await withWatchdog({ ...server, ...urls(url as string, nowhere) }, async (wd) => {
          const answer = await call(wd, '/hello?x=1');
          assert.equal(answer.status, 200);
          assert.equal((JSON.parse(answer.text) as { url: string }).url, '/hello?x=1');
        }, { startTimeoutMs: 4000 });
      });
    }

    it('an upstream that never listens: the watchdog says what it waits for, and does not serve', async () => {
      const nowhere = `http://127.0.0.1:${await freePort()}`;
      const wd = await startWatchdog({ mode: 'http', fprocess: 'sleep 30', upstream_url: nowhere }, { wait: 'nothing' });
      await wd.waitFor(new RegExp(`still waiting for the function process to listen on ${nowhere}`), 20_000);
      assert.doesNotMatch(wd.stderr(), /Listening on port/);
      await stopCleanly(wd, 'while it waits for its upstream');
    });
  });

  describe('watchdog env: timeouts', () => {
    it('read_timeout=500ms: a body that stops arriving (Content-Length 10, 2 bytes sent) → 408 after ~0.5s', () =>
      withWatchdog({ mode: 'streaming', fprocess: 'cat', read_timeout: '500ms' }, async (wd) => {
        const { answer, ms } = await rawExchange(wd.port, 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nab', 5000);
        assert.match(answer, /^HTTP\/1\.1 408 /);
        assert.ok(ms >= 450 && ms < 1500, `answered after ${ms}ms`);
      }));

    it('read_timeout=500ms bounds only the body: a call that runs longer still answers 200', () =>
      withWatchdog({ mode: 'streaming', fprocess: fixture('sleep.mjs', 800), read_timeout: '500ms' }, async (wd) => {
        const answer = await call(wd, '/', { method: 'POST', body: 'quick' });
        assert.deepEqual([answer.status, answer.text], [200, 'slept']);
      }));

    it('write_timeout=1s caps exec_timeout=10s: 504 after ~1s, naming OPENFAAS_NAME', () =>
      withWatchdog({ mode: 'streaming', fprocess: fixture('sleep.mjs', 3000), exec_timeout: '10s', write_timeout: '1s', OPENFAAS_NAME: 'capped-fn' }, async (wd) => {
        const answer = await call(wd, '/');
        assert.equal(answer.status, 504);
        assert.match(answer.text, /"capped-fn"/);
        assert.ok(answer.ms >= 950 && answer.ms < 2000, `answered after ${answer.ms}ms`);
      }));

    it('exec_timeout=0 is unlimited, and X-Timeout is then ignored', () =>
      withWatchdog({ mode: 'streaming', fprocess: fixture('sleep.mjs', 1200), exec_timeout: '0' }, async (wd) => {
        const answer = await call(wd, '/', { headers: { 'x-timeout': '200ms' } });
        assert.deepEqual([answer.status, answer.text], [200, 'slept']);
      }));

    it('X-Timeout longer than exec_timeout does not lengthen it', () =>
      withWatchdog({ mode: 'serializing', fprocess: fixture('sleep.mjs', 3000), exec_timeout: '1' }, async (wd) => {
        const answer = await call(wd, '/', { headers: { 'x-timeout': '10s' } });
        assert.equal(answer.status, 504);
        assert.ok(answer.ms >= 950 && answer.ms < 2000, `answered after ${answer.ms}ms`);
      }));
  });

  describe('watchdog env: max_inflight', () => {
    it('max_inflight=1: a second concurrent call → 429 from faas-middleware, /_/ready → 429; both 200 again after', () =>
      withWatchdog({ mode: 'fork', fprocess: fixture('sleep.mjs', 1000), max_inflight: '1' }, async (wd) => {
        const first = call(wd, '/');
        await sleep(300);
        const second = await call(wd, '/');
        assert.equal(second.status, 429);
        assert.equal(second.text, 'Concurrent request limit exceeded. Max concurrent requests: 1\n');
        assert.equal(second.headers['x-openfaas-internal'], 'faas-middleware');
        assert.equal(await health(wd, '/_/ready'), 429);
        assert.equal(await health(wd, '/_/health'), 200, 'healthy, only busy');
        assert.deepEqual([(await first).status, (await first).text], [200, 'slept']);
        assert.equal(await health(wd, '/_/ready'), 200);
        assert.equal((await call(wd, '/')).status, 200);
      }));
  });

  describe('watchdog env: healthcheck_interval', () => {
    for (const [interval, min, max] of [['1s', 1000, 2500], ['100ms', 100, 900]] as const) {
      it(`healthcheck_interval=${interval}: unhealthy at once on SIGTERM, exits after ~${interval}`, async () => {
        const wd = await startWatchdog({ mode: 'fork', fprocess: 'cat', healthcheck_interval: interval });
        const sent = performance.now();
        wd.terminate();
        if (interval === '1s') {
          await sleep(200);
          assert.equal(await health(wd), 503);
        }
        const exit = await wd.stop();
        const ms = performance.now() - sent;
        assert.deepEqual(exit, CLEAN_EXIT);
        assert.ok(ms >= min && ms < max, `exited ${ms}ms after SIGTERM`);
      });
    }
  });

  describe('watchdog env: logs', () => {
    const PREFIX = /^\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2} stderr: hello-log$/;
    for (const [value, expected] of [['true', PREFIX], [undefined, PREFIX], ['false', /^hello-log$/]] as const) {
      it(`prefix_logs=${value ?? '(unset)'}: a function's stderr line is logged as ${expected}`, () =>
        withWatchdog({ mode: 'streaming', fprocess: fixture('stderr.mjs', 'hello-log', 'out'), prefix_logs: value }, async (wd) => {
          assert.equal((await call(wd, '/')).status, 200);
          await wd.waitFor(/hello-log/);
          assert.deepEqual(lines(wd.stderr()).filter((line) => line.includes('hello-log')).map((line) => expected.test(line)), [true]);
        }));
    }

    it('log_buffer_size=10: a 100-byte line is logged as ten 10-byte lines', () =>
      withWatchdog({ mode: 'streaming', fprocess: fixture('stderr.mjs', '0123456789'.repeat(10), 'out'), prefix_logs: 'false', log_buffer_size: '10' }, async (wd) => {
        assert.equal((await call(wd, '/')).status, 200);
        await wd.waitFor(/0123456789/);
        await sleep(200);
        assert.deepEqual(lines(wd.stderr()).filter((line) => line.includes('0123')), Array(10).fill('0123456789'));
      }));

    it('a UTF-8 character that arrives in two pieces is logged whole', () =>
      withWatchdog({ mode: 'streaming', fprocess: fixture('stderr-split.mjs'), prefix_logs: 'false' }, async (wd) => {
        assert.equal((await call(wd, '/')).status, 200);
        assert.equal(await wd.waitFor(/llo w/), 'héllo wörld');
      }));

    for (const name of ['log_callid', 'log_call_id']) {
      it(`${name}=true: a fork-mode function's stderr line carries the X-Call-Id`, () =>
        withWatchdog({ mode: 'fork', fprocess: fixture('stderr.mjs', 'hello-id', 'out'), combine_output: 'false', prefix_logs: 'false', [name]: 'true' }, async (wd) => {
          const answer = await call(wd, '/', { headers: { 'x-call-id': 'call-4242' } });
          assert.deepEqual([answer.status, answer.text], [200, 'out\n']);
          const line = await wd.waitFor(/hello-id/);
          assert.ok(line.includes('call-4242') && line.endsWith('hello-id'), `log line: ${line}`);
        }));
    }

    it('log_callid unset: the stderr line is the function\'s line alone', () =>
      withWatchdog({ mode: 'fork', fprocess: fixture('stderr.mjs', 'hello-id', 'out'), combine_output: 'false', prefix_logs: 'false' }, async (wd) => {
        assert.equal((await call(wd, '/', { headers: { 'x-call-id': 'call-4242' } })).status, 200);
        assert.equal(await wd.waitFor(/hello-id/), 'hello-id');
      }));

    for (const [value, logged] of [['true', true], ['false', false]] as const) {
      it(`write_debug=${value}: the function's output is ${logged ? '' : 'not '}logged too`, () =>
        withWatchdog({ mode: 'fork', fprocess: 'echo debug-out', write_debug: value }, async (wd) => {
          assert.equal((await call(wd, '/')).text, 'debug-out\n');
          await sleep(200);
          assert.equal(wd.stdout().includes('debug-out'), logged, `stdout:\n${wd.stdout()}`);
        }));
    }

    for (const [value, logged] of [['true', true], ['false', false]] as const) {
      it(`debug_headers=${value}: request headers are ${logged ? '' : 'not '}logged`, () =>
        withWatchdog({ mode: 'fork', fprocess: 'echo x', debug_headers: value }, async (wd) => {
          assert.equal((await call(wd, '/', { headers: { 'x-debug-me': 'dbg-value-77' } })).status, 200);
          await sleep(200);
          assert.equal((wd.stdout() + wd.stderr()).includes('dbg-value-77'), logged);
        }));
    }
  });

  describe('watchdog env: buffer_http (http mode)', () => {
    // 100 kB: larger than what Sluice reads whole anyway (a small chunked body may go on with a length).
    const SIZE = 100_000;
    const CASES: Array<[string, Record<string, string>, { 'content-length'?: string; 'transfer-encoding'?: string }]> = [
      ['unset: a chunked request reaches the server chunked', {}, { 'transfer-encoding': 'chunked' }],
      ['buffer_http=true: the server sees Content-Length instead', { buffer_http: 'true' }, { 'content-length': String(SIZE) }],
      ['http_buffer_req_body=true (alias): Content-Length too', { http_buffer_req_body: 'true' }, { 'content-length': String(SIZE) }],
    ];
    for (const [name, env, expected] of CASES) {
      it(name, async () => {
        await withWatchdog(await httpModeEnv(env), async (wd) => {
          const answer = await call(wd, '/', { method: 'POST', body: Buffer.alloc(SIZE, 'z'), chunked: true });
          const seen = JSON.parse(answer.text) as { headers: Record<string, string>; bodyLength: number };
          assert.equal(seen.bodyLength, SIZE);
          assert.deepEqual({ 'content-length': seen.headers['content-length'], 'transfer-encoding': seen.headers['transfer-encoding'] }, { 'content-length': undefined, 'transfer-encoding': undefined, ...expected });
        });
      });
    }
  });

  describe('watchdog env: content_type', () => {
    const CASES: Array<[string, string | undefined, string]> = [
      ['streaming', 'text/x-forced', 'text/x-forced'],
      ['serializing', 'text/x-forced', 'text/x-forced'],
      ['fork', 'text/x-forced', 'text/x-forced'],
      ['streaming', undefined, 'application/octet-stream'],
      ['fork', undefined, 'application/x-from-request'],
    ];
    for (const [mode, value, expected] of CASES) {
      it(`mode=${mode} content_type=${value ?? '(unset)'} → Content-Type ${expected}`, () =>
        withWatchdog({ mode, fprocess: 'cat', content_type: value }, async (wd) => {
          const answer = await call(wd, '/', { method: 'POST', body: 'x', headers: { 'content-type': 'application/x-from-request' } });
          assert.deepEqual([answer.status, answer.headers['content-type']], [200, expected]);
        }));
    }
  });

  describe('watchdog env: static_path, ready_path', () => {
    it('static_path (relative: to the working dir) is the folder served', async () => {
      const dir = await tempDir();
      await mkdir(path.join(dir, 'site'));
      await writeFile(path.join(dir, 'site', 'hello.txt'), 'hi from site');
      await withWatchdog({ mode: 'static', static_path: 'site' }, async (wd) => {
        assert.deepEqual([(await call(wd, '/hello.txt')).text, (await call(wd, '/nope.txt')).status], ['hi from site', 404]);
      }, { dir });
    });

    it('ready_path=/check?x=1: /_/ready runs the function on that path and query', () =>
      withWatchdog({ mode: 'fork', fprocess: fixture('print-env.mjs'), ready_path: '/check?x=1' }, async (wd) => {
        const answer = await call(wd, '/_/ready');
        assert.equal(answer.status, 200);
        const env = JSON.parse(answer.text) as Record<string, string>;
        assert.deepEqual([env['Http_Path'], env['Http_Query']], ['/check', 'x=1']);
      }));

    it('ready_path unset: /_/ready answers 200 without running the function', () =>
      withWatchdog({ mode: 'fork', fprocess: fixture('fail.mjs', 3) }, async (wd) => {
        assert.equal(await health(wd, '/_/ready'), 200);
      }));
  });

  describe('watchdog env: lock_file, suppress_lock, -run-healthcheck', () => {
    it('lock_file is written once serving and removed at SIGTERM', async () => {
      const wd = await startWatchdog({ mode: 'fork', fprocess: 'cat', lock_file: 'custom.lock' });
      assert.equal(wd.lockFile, path.join(wd.dir, 'custom.lock'));
      assert.equal(existsSync(wd.lockFile), true);
      await stopCleanly(wd);
      assert.equal(existsSync(wd.lockFile), false);
    });

    it('suppress_lock=true: no lock file, /_/health and /_/ready still 200', () =>
      withWatchdog({ mode: 'fork', fprocess: 'cat', suppress_lock: 'true' }, async (wd) => {
        assert.equal(existsSync(wd.lockFile), false);
        assert.deepEqual([await health(wd), await health(wd, '/_/ready')], [200, 200]);
      }));

    it('/_/health → 503 when the lock file is deleted under a running watchdog', () =>
      withWatchdog({ mode: 'fork', fprocess: 'cat' }, async (wd) => {
        await rm(wd.lockFile);
        assert.deepEqual([await health(wd), await health(wd, '/_/ready')], [503, 503]);
      }));

    for (const flag of ['-run-healthcheck', '--run-healthcheck']) {
      it(`sluice watchdog ${flag}: exit 0 when lock_file exists, 1 when not`, async () => {
        const dir = await tempDir();
        const lock = path.join(dir, 'probe.lock');
        const missing = await runWatchdogToExit({ lock_file: lock }, [flag]);
        await writeFile(lock, '');
        const present = await runWatchdogToExit({ lock_file: lock }, [flag]);
        assert.deepEqual([missing.code, present.code], [1, 0], `missing: ${missing.stderr}\npresent: ${present.stderr}`);
      });
    }
  });

  describe('watchdog env: port, metrics_port', () => {
    it('port: the watchdog serves there and says so', () =>
      withWatchdog({ mode: 'fork', fprocess: 'echo on-port' }, async (wd) => {
        assert.ok(wd.stderr().includes(`Listening on port: ${wd.port}`));
        assert.equal((await call(wd, '/')).text, 'on-port\n');
        assert.deepEqual(listeningPorts(wd.pid), [wd.port], 'metrics_port=0: nothing else listens');
      }));

    it('port 0: the watchdog listens on a free port and logs that one', async () => {
      const wd = await startWatchdog({ mode: 'fork', fprocess: 'cat', port: '0' }, { wait: 'nothing' });
      const line = await wd.waitFor(/Listening on port: \d+ \(mode fork\)/, 15_000);
      assert.match(line, /Listening on port: [1-9]\d* \(mode fork\)/);
      await stopCleanly(wd);
    });

    it('port already taken → exit 1 with an Error: line naming the port', async () => {
      const taken = await occupy();
      try {
        const result = await runWatchdogToExit({ mode: 'fork', fprocess: 'cat', port: String(taken.port), metrics_port: '0', lock_file: path.join(await tempDir(), '.lock') });
        assert.equal(result.code, 1, result.stderr);
        assert.match(result.stderr, new RegExp(`^Error: .*port ${taken.port}`, 'm'));
      } finally {
        taken.server.close();
      }
    });

    it('metrics_port: /metrics counts calls by code and method, their duration, and calls in flight', () =>
      withWatchdog({ mode: 'fork', fprocess: 'cat' }, async (wd) => {
        assert.deepEqual(listeningPorts(wd.pid), [wd.port, wd.metricsPort].sort((a, b) => a - b));
        assert.equal((await call(wd, '/', { method: 'POST', body: 'a' })).status, 200);
        assert.equal((await call(wd, '/', { method: 'POST', body: 'b' })).status, 200);
        assert.equal((await call(wd, '/', { method: 'OPTIONS' })).status, 405);
        const metrics = await call(`http://127.0.0.1:${wd.metricsPort}`, '/metrics');
        assert.equal(metrics.status, 200);
        const samples = lines(metrics.text).filter((line) => !line.startsWith('#'));
        for (const expected of [
          'http_requests_total{code="200",method="POST"} 2',
          'http_requests_total{code="405",method="OPTIONS"} 1',
          'http_request_duration_seconds_count{code="200",method="POST"} 2',
          'http_requests_in_flight 0',
        ]) {
          assert.ok(samples.includes(expected), `expected "${expected}" in:\n${samples.join('\n')}`);
        }
        assert.ok(samples.some((line) => line.startsWith('http_request_duration_seconds_bucket{le="0.005",code="200",method="POST"}') || line.startsWith('http_request_duration_seconds_bucket{code="200",method="POST",le="0.005"}')));
      }, { metrics: true }));

    it('metrics_port taken → a warning in the log, and the watchdog serves anyway', async () => {
      const taken = await occupy();
      try {
        await withWatchdog({ mode: 'fork', fprocess: 'echo still-serving', metrics_port: String(taken.port) }, async (wd) => {
          await wd.waitFor(new RegExp(`[Ww]arning.*${taken.port}`));
          assert.equal((await call(wd, '/')).text, 'still-serving\n');
          assert.deepEqual(listeningPorts(wd.pid), [wd.port]);
        });
      } finally {
        taken.server.close();
      }
    });
  });

  describe('watchdog env: classic watchdog (fork mode) switches', () => {
    for (const [mode, value, injected] of [['fork', undefined, true], ['fork', 'false', false], ['streaming', 'false', true]] as const) {
      it(`mode=${mode} cgi_headers=${value ?? '(unset)'}: Http_* vars ${injected ? 'are' : 'are not'} set${mode === 'streaming' ? ' (of-watchdog ignores cgi_headers)' : ''}, the watchdog's env is`, () =>
        withWatchdog({ mode, fprocess: fixture('print-env.mjs'), cgi_headers: value, MY_SETTING: 'kept' }, async (wd) => {
          const env = JSON.parse((await call(wd, '/p?q=1', { headers: { 'x-custom': 'c' } })).text) as Record<string, string>;
          const http = Object.keys(env).filter((key) => key.startsWith('Http_'));
          assert.equal(env['MY_SETTING'], 'kept');
          if (injected) assert.deepEqual([env['Http_Method'], env['Http_Path'], env['Http_Query'], env['Http_X_Custom']], ['GET', '/p', 'q=1', 'c']);
          else assert.deepEqual(http, []);
        }));
    }

    for (const [value, expectLines] of [['true', ['err-text', 'out-text']], [undefined, ['err-text', 'out-text']], ['false', ['out-text']]] as const) {
      it(`combine_output=${value ?? '(unset)'}: the answer has ${expectLines.join(' and ')}`, () =>
        withWatchdog({ mode: 'fork', fprocess: fixture('stderr.mjs', 'err-text', 'out-text'), combine_output: value }, async (wd) => {
          const answer = await call(wd, '/');
          assert.equal(answer.status, 200);
          assert.deepEqual(lines(answer.text).sort(), [...expectLines]);
          if (value === 'false') await wd.waitFor(/err-text/);
        }));
    }

    it('marshal_request=true: stdin is {"header":{…},"body":{"raw":"<base64>"}}', () =>
      withWatchdog({ mode: 'fork', fprocess: 'cat', marshal_request: 'true' }, async (wd) => {
        const answer = await call(wd, '/', { method: 'POST', body: Buffer.from([0, 1, 2, 255]), headers: { 'x-custom': 'v', 'content-type': 'application/x-bin' } });
        assert.equal(answer.status, 200);
        const req = JSON.parse(answer.text) as { header: Record<string, string[]>; body: { raw: string } };
        assert.deepEqual(req.body, { raw: 'AAEC/w==' });
        assert.deepEqual([req.header['X-Custom'], req.header['Content-Type']], [['v'], ['application/x-bin']]);
      }));
  });

  describe('watchdog config (watchdogConfig, a pure function of the env)', () => {
    const KiB = 1024;
    it('defaults: of-watchdog streaming, 30s timeouts, healthcheck_interval = write_timeout, ports 8080/8081', () => {
      const c = watchdogConfig({ fprocess: 'node index.js' }, '/app');
      assert.deepEqual(
        {
          mode: c.mode, argv: c.argv, readTimeoutMs: c.readTimeoutMs, writeTimeoutMs: c.writeTimeoutMs, execTimeoutMs: c.execTimeoutMs,
          healthcheckIntervalMs: c.healthcheckIntervalMs, maxInflight: c.maxInflight, prefixLogs: c.prefixLogs, logBufferSize: c.logBufferSize,
          logCallId: c.logCallId, bufferHttp: c.bufferHttp, contentType: c.contentType, staticPath: c.staticPath, readyPath: c.readyPath,
          suppressLock: c.suppressLock, lockFile: c.lockFile, port: c.port, metricsPort: c.metricsPort, maxBodySize: c.maxBodySize,
          cgiHeaders: c.cgiHeaders, combineOutput: c.combineOutput, marshalRequest: c.marshalRequest, writeDebug: c.writeDebug, debugHeaders: c.debugHeaders,
        },
        {
          mode: 'streaming', argv: ['node', 'index.js'], readTimeoutMs: 30_000, writeTimeoutMs: 30_000, execTimeoutMs: 30_000,
          healthcheckIntervalMs: 30_000, maxInflight: 0, prefixLogs: true, logBufferSize: 64 * KiB,
          logCallId: false, bufferHttp: false, contentType: undefined, staticPath: '/home/app/public', readyPath: undefined,
          suppressLock: false, lockFile: path.join(os.tmpdir(), '.lock'), port: 8080, metricsPort: 8081, maxBodySize: 64 * KiB * KiB,
          cgiHeaders: true, combineOutput: true, marshalRequest: false, writeDebug: false, debugHeaders: false,
        },
      );
    });

    it('fork mode (classic watchdog): exec_timeout defaults to 0 (off)', () => {
      assert.equal(watchdogConfig({ mode: 'fork', fprocess: 'cat' }, '/').execTimeoutMs, 0);
    });

    for (const [text, ms] of [['1m30s', 90_000], ['2', 2000], ['500ms', 500], ['1.5s', 1500], ['0', 0], ['1h', 3_600_000]] as const) {
      it(`exec_timeout=${text} → ${ms} ms`, () => {
        assert.equal(watchdogConfig({ fprocess: 'cat', exec_timeout: text }, '/').execTimeoutMs, ms);
      });
    }

    it('healthcheck_interval defaults to write_timeout; relative paths resolve against the working dir', () => {
      const c = watchdogConfig({ fprocess: 'cat', write_timeout: '7s', static_path: 'pub', lock_file: 'x.lock' }, '/srv/fn');
      assert.deepEqual([c.healthcheckIntervalMs, c.staticPath, c.lockFile], [7000, '/srv/fn/pub', '/srv/fn/x.lock']);
    });

    const INVALID: Array<[Record<string, string>, string]> = [
      [{ mode: 'bogus', fprocess: 'cat' }, 'mode=bogus'],
      [{ fprocess: 'cat', exec_timeout: 'abc' }, 'exec_timeout=abc'],
      [{ fprocess: 'cat', read_timeout: '10x' }, 'read_timeout=10x'],
      [{ fprocess: 'cat', healthcheck_interval: 'soon' }, 'healthcheck_interval=soon'],
      [{ fprocess: 'cat', write_timeout: '0' }, 'write_timeout'],
      [{ fprocess: 'cat', max_inflight: '-1' }, 'max_inflight=-1'],
      [{ fprocess: 'cat', port: '70000' }, 'port=70000'],
      [{ fprocess: 'cat', metrics_port: 'x' }, 'metrics_port=x'],
      [{ fprocess: 'cat', log_buffer_size: '0' }, 'log_buffer_size=0'],
      [{ fprocess: 'cat', max_body_size: 'lots' }, 'max_body_size=lots'],
      [{ mode: 'http', fprocess: 'node s.js', upstream_url: 'not a url' }, 'upstream_url=not a url'],
      [{ mode: 'streaming' }, 'fprocess'],
    ];
    for (const [env, named] of INVALID) {
      it(`${JSON.stringify(env)} → ERR_CONFIG_INVALID naming ${named}`, () => {
        assert.throws(
          () => watchdogConfig(env, '/'),
          (err: unknown) => err instanceof SluiceError && err.code === 'ERR_CONFIG_INVALID' && err.message.includes(named),
        );
      });
    }
  });

  describe('watchdog env: invalid values stop the process', () => {
    for (const [env, named] of [
      [{ mode: 'bogus', fprocess: 'cat' }, 'mode=bogus'],
      [{ mode: 'fork', fprocess: 'cat', exec_timeout: 'abc' }, 'exec_timeout=abc'],
      [{ mode: 'streaming' }, 'fprocess'],
    ] as const) {
      it(`${JSON.stringify(env)} → exit 2 with an Error: line naming ${named}`, async () => {
        const result = await runWatchdogToExit({ ...env, port: '0', metrics_port: '0', lock_file: path.join(await tempDir(), '.lock') });
        assert.equal(result.code, 2, result.stderr);
        assert.match(result.stderr, /^Error: /m);
        assert.ok(result.stderr.includes(named), result.stderr);
      });
    }
  });
});

/** A server holding a free port, to make it taken. */
async function occupy(): Promise<{ port: number; server: Server }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, resolve));
  return { port: (server.address() as { port: number }).port, server };
}
