/**
 * `sluice watchdog`, one table of cases run in each function mode (http, streaming, serializing,
 * fork = classic watchdog): method, path, query, header, binary body, empty body, timeout, crash,
 * non-zero exit, oversize body, disconnect, response headers (reference §4).
 *
 * In the process-per-call modes each kind of function is its own watchdog (`cat`, a fixture that
 * prints its env, one that sleeps…), all started at once; in http mode one server plays them all,
 * picked by the X-Fixture header. Every watchdog has exec_timeout=1s and max_body_size=1k.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import {
  DURATION_SECONDS,
  FUNCTION_MODES,
  alive,
  call,
  cleanupWatchdogs,
  eventually,
  fixture,
  httpModeEnv,
  startWatchdog,
  stopCleanly,
  tempDir,
  type Answer,
  type CallOptions,
  type FunctionMode,
  type Watchdog,
} from './_watchdog.js';

/** The kinds of function a case calls. */
type Fn = 'env' | 'cat' | 'sleep' | 'fail' | 'failAfterOutput' | 'killSelf';

/** The fprocess of each kind, in the process-per-call modes. */
const FPROCESS: Record<Fn, string> = {
  env: fixture('print-env.mjs'),
  cat: 'cat',
  sleep: fixture('sleep.mjs', 3000),
  fail: fixture('fail.mjs', 3),
  failAfterOutput: fixture('fail.mjs', 3, 'partial'),
  killSelf: fixture('kill-self.mjs'),
};

/** In http mode: the server fixture's X-Fixture for each kind (see fixtures/server.mjs). */
const HTTP_FIXTURE: Partial<Record<Fn, string>> = { env: 'env', cat: 'cat', sleep: 'sleep', fail: 'fail' };

const SETTINGS = { exec_timeout: '1s', max_body_size: '1k', OPENFAAS_NAME: 'fn-under-test' };

/** What a function saw of the request: http mode's server reports it, the others print their CGI env. */
interface Seen {
  readonly method: string;
  readonly path: string;
  readonly query: string | undefined;
  /** A request header by its canonical name (`X-Custom`). */
  header(name: string): string | undefined;
}

function seen(mode: FunctionMode, answer: Answer): Seen {
  assert.equal(answer.status, 200, answer.text);
  const json = JSON.parse(answer.text) as Record<string, unknown>;
  if (mode === 'http') {
    const url = json['url'] as string;
    const q = url.indexOf('?');
    const headers = json['headers'] as Record<string, string>;
    return { method: json['method'] as string, path: q < 0 ? url : url.slice(0, q), query: q < 0 ? undefined : url.slice(q + 1), header: (name) => headers[name.toLowerCase()] };
  }
  const env = json as Record<string, string | undefined>;
  return { method: env['Http_Method'] as string, path: env['Http_Path'] as string, query: env['Http_Query'], header: (name) => env[`Http_${name.replaceAll('-', '_')}`] };
}

interface Ctx {
  readonly mode: FunctionMode;
  /** The watchdog a kind of function runs behind (in http mode: the one server's). */
  wd(fn: Fn): Watchdog;
  /** Calls a kind of function (in http mode: with X-Fixture). */
  send(fn: Fn, route: string, opts?: CallOptions): Promise<Answer>;
  seen(answer: Answer): Seen;
  /** Where the sleep fixture writes its pid, by X-Call-Id. */
  readonly pidDir: string;
}

interface Case {
  readonly name: string;
  run(ctx: Ctx, t: TestContext): Promise<void>;
}

const BINARY = Buffer.from([...Array(512).keys()].map((i) => i % 256));

/** The pid the sleep fixture wrote for call `id`, once it is running. */
async function pidOf(ctx: Ctx, id: string): Promise<number> {
  const file = path.join(ctx.pidDir, id);
  return eventually(async () => Number(await readFile(file, 'utf8').catch(() => '')) || undefined, 5000, `pid file ${file}`);
}

const CASES: Case[] = [
  {
    name: 'method: GET, POST, PUT, PATCH, DELETE reach the function',
    async run(ctx) {
      for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE']) {
        assert.equal(ctx.seen(await ctx.send('env', '/', { method })).method, method);
      }
    },
  },
  {
    name: 'method: OPTIONS and HEAD (classic watchdog: 405)',
    async run(ctx) {
      const options = await ctx.send('env', '/', { method: 'OPTIONS' });
      const head = await ctx.send('env', '/', { method: 'HEAD' });
      if (ctx.mode === 'fork') {
        assert.deepEqual([options.status, head.status], [405, 405]);
      } else {
        assert.equal(ctx.seen(options).method, 'OPTIONS');
        assert.deepEqual([head.status, head.body.length], [200, 0]);
      }
    },
  },
  {
    name: 'path and raw query reach the function unchanged',
    async run(ctx) {
      const deep = ctx.seen(await ctx.send('env', '/some/deep/path.txt?a=1&a=2&b=x%20y&c'));
      assert.deepEqual([deep.path, deep.query], ['/some/deep/path.txt', 'a=1&a=2&b=x%20y&c']);
      const root = ctx.seen(await ctx.send('env', '/'));
      assert.deepEqual([root.path, root.query], ['/', undefined]);
    },
  },
  {
    name: 'a request header reaches the function (Http_X_Custom in the process modes)',
    async run(ctx) {
      const s = ctx.seen(await ctx.send('env', '/', { headers: { 'x-custom': 'hello 123', 'x-some-long-name': 'v2' } }));
      assert.deepEqual([s.header('X-Custom'), s.header('X-Some-Long-Name')], ['hello 123', 'v2']);
      if (ctx.mode === 'http') assert.equal(s.header('Host'), `127.0.0.1:${ctx.wd('env').port}`, 'Host preserved');
    },
  },
  {
    name: 'binary body (all 256 byte values) round-trips byte-exact',
    async run(ctx) {
      const answer = await ctx.send('cat', '/', { method: 'POST', body: BINARY, headers: { 'content-type': 'application/octet-stream' } });
      assert.equal(answer.status, 200);
      assert.deepEqual(answer.body, BINARY);
    },
  },
  {
    name: 'empty body: POST without a body, and GET, answer 200 with nothing',
    async run(ctx) {
      for (const method of ['POST', 'GET']) {
        const answer = await ctx.send('cat', '/', { method });
        assert.deepEqual([answer.status, answer.text], [200, ''], method);
      }
    },
  },
  {
    name: 'timeout: exec_timeout=1s (504, classic 408 "Killed process."), X-Timeout: 500ms shortens it, the process is killed',
    async run(ctx) {
      const expected: Record<FunctionMode, { status: number; body?: string; internal?: string }> = {
        http: { status: 504, internal: 'of-watchdog' },
        streaming: { status: 504, internal: 'of-watchdog' },
        serializing: { status: 504, internal: 'of-watchdog' },
        fork: { status: 408, body: 'Killed process.\n' },
      };
      const want = expected[ctx.mode];
      for (const [xTimeout, min, max] of [[undefined, 950, 2000], ['500ms', 450, 950]] as const) {
        const id = `timeout-${ctx.mode}-${xTimeout ?? 'exec'}`;
        const answer = await ctx.send('sleep', '/', { headers: { 'x-call-id': id, ...(xTimeout ? { 'x-timeout': xTimeout } : {}) } });
        assert.equal(answer.status, want.status, `X-Timeout ${xTimeout}: ${answer.text}`);
        if (want.body !== undefined) assert.equal(answer.text, want.body);
        if (want.internal !== undefined) assert.equal(answer.headers['x-openfaas-internal'], want.internal);
        assert.ok(answer.ms >= min && answer.ms < max, `X-Timeout ${xTimeout}: answered after ${answer.ms}ms, expected ${min}-${max}ms`);
        if (ctx.mode !== 'http') {
          const pid = await pidOf(ctx, id);
          await eventually(() => !alive(pid), 1000, `timed-out process ${pid} to be killed`);
        }
      }
    },
  },
  {
    name: 'crash: http mode\'s process dies → the watchdog exits 1; a process killed by a signal → 500 "signal: killed"',
    async run(ctx) {
      if (ctx.mode === 'http') {
        const wd = await startHttpWatchdog(ctx.pidDir);
        await call(wd, '/', { headers: { 'x-fixture': 'crash' } }).catch(() => undefined);
        const exit = await Promise.race([wd.exited, new Promise((r) => setTimeout(r, 5000, 'still running'))]);
        assert.deepEqual(exit, { code: 1, signal: null });
        assert.deepEqual((await wd.stop()).leftovers, []);
        return;
      }
      const answer = await ctx.send('killSelf', '/', { method: 'POST', body: 'x' });
      assert.equal(answer.status, 500);
      // Go's wording (os.ProcessState.String()), which both watchdogs answer with.
      assert.equal(answer.text.split('\n')[0], 'signal: killed');
    },
  },
  {
    name: 'upstream error (http mode: the connection closes without an answer) → 500 X-OpenFaaS-Internal: of-watchdog',
    async run(ctx, t) {
      if (ctx.mode !== 'http') return void t.skip('no upstream connection in the process-per-call modes');
      const answer = await call(ctx.wd('env'), '/', { headers: { 'x-fixture': 'reset' } });
      assert.deepEqual([answer.status, answer.headers['x-openfaas-internal']], [500, 'of-watchdog']);
    },
  },
  {
    name: 'non-zero exit: 500 with "exit status 3" (streaming: 200 once output started; http: the function\'s own 500 passes)',
    async run(ctx) {
      const failed = await ctx.send('fail', '/', { method: 'POST', body: 'in' });
      const expected: Record<FunctionMode, { status: number; text: string | RegExp; afterOutput?: { status: number; text: string } }> = {
        http: { status: 500, text: 'boom' },
        streaming: { status: 500, text: /^exit status 3\n(.*\n)*boom\n$/, afterOutput: { status: 200, text: 'partial' } },
        serializing: { status: 500, text: /^exit status 3\n/, afterOutput: { status: 500, text: 'exit status 3\n' } },
        fork: { status: 500, text: 'exit status 3\nboom\n', afterOutput: { status: 500, text: 'exit status 3\npartialboom\n' } },
      };
      const want = expected[ctx.mode];
      assert.equal(failed.status, want.status);
      if (typeof want.text === 'string') assert.equal(failed.text, want.text);
      else assert.match(failed.text, want.text);
      if (ctx.mode === 'http') assert.equal(failed.headers['x-openfaas-internal'], undefined, "the function's own error is not marked internal");
      if (want.afterOutput) {
        const late = await ctx.send('failAfterOutput', '/', { method: 'POST', body: 'in' });
        assert.deepEqual({ status: late.status, text: late.text }, want.afterOutput);
      }
    },
  },
  {
    name: 'oversize body: max_body_size=1k takes 1000 bytes; 2k, declared or chunked → 413 (20 tries each)',
    async run(ctx) {
      const fits = await ctx.send('cat', '/', { method: 'POST', body: Buffer.alloc(1000, 'a') });
      assert.deepEqual([fits.status, fits.body.length], [200, 1000]);
      // To a function that writes nothing before the body is in (in streaming mode, an answer that
      // has begun can only be cut). Repeated, as the chunked body races the function.
      const outcomes = new Map<string, number>();
      for (const how of ['declared', 'chunked'] as const) {
        for (let i = 0; i < 20; i++) {
          const outcome = await ctx.send('sleep', '/', { method: 'POST', body: Buffer.alloc(2000, 'b'), chunked: how === 'chunked' }).then(
            (answer) => String(answer.status),
            (err: NodeJS.ErrnoException) => err.code ?? err.message,
          );
          outcomes.set(`${how} ${outcome}`, (outcomes.get(`${how} ${outcome}`) ?? 0) + 1);
        }
      }
      assert.deepEqual(Object.fromEntries(outcomes), { 'declared 413': 20, 'chunked 413': 20 });
    },
  },
  {
    name: 'disconnect: a client that goes away mid-call stops the function within a second',
    async run(ctx) {
      const id = `disconnect-${ctx.mode}`;
      const abort = new AbortController();
      const pending = ctx.send('sleep', '/', { headers: { 'x-call-id': id }, signal: abort.signal }).then(
        () => 'answered',
        (err: Error) => err.name,
      );
      if (ctx.mode === 'http') {
        const wd = ctx.wd('sleep');
        await wd.waitFor(new RegExp(`sleeping ${id}$`), 5000, 'stdout');
        abort.abort();
        assert.equal(await pending, 'AbortError');
        await wd.waitFor(new RegExp(`aborted ${id}$`), 1000, 'stdout');
        return;
      }
      const pid = await pidOf(ctx, id);
      assert.ok(alive(pid));
      abort.abort();
      assert.equal(await pending, 'AbortError');
      await eventually(() => !alive(pid), 1000, `process ${pid} of the abandoned call to be killed`);
    },
  },
  {
    name: 'response headers: X-Duration-Seconds; Content-Type = content_type (streaming, serializing) or the request\'s (classic)',
    async run(ctx) {
      const answer = await ctx.send('cat', '/', { method: 'POST', body: 'abc', headers: { 'content-type': 'text/x-in' } });
      const contentType: Record<FunctionMode, string> = {
        http: 'text/x-in',
        streaming: 'application/octet-stream',
        serializing: 'application/octet-stream',
        fork: 'text/x-in',
      };
      assert.equal(answer.status, 200);
      assert.match(String(answer.headers['x-duration-seconds']), DURATION_SECONDS);
      assert.equal(answer.headers['content-type'], contentType[ctx.mode]);
    },
  },
];

/** http mode: the server fixture behind a watchdog. */
async function startHttpWatchdog(pidDir: string): Promise<Watchdog> {
  return startWatchdog(await httpModeEnv({ PID_DIR: pidDir, ...SETTINGS }));
}

for (const mode of FUNCTION_MODES) {
  describe(`sluice watchdog mode=${mode}`, () => {
    const running = new Map<Fn, Watchdog>();
    let pidDir = '';

    before(async () => {
      pidDir = await tempDir('sluice-wd-pids-');
      if (mode === 'http') {
        const wd = await startHttpWatchdog(pidDir);
        for (const fn of Object.keys(HTTP_FIXTURE) as Fn[]) running.set(fn, wd);
        return;
      }
      const fns = Object.keys(FPROCESS) as Fn[];
      const wds = await Promise.all(fns.map((fn) => startWatchdog({ mode, fprocess: FPROCESS[fn], PID_DIR: pidDir, ...SETTINGS })));
      fns.forEach((fn, i) => running.set(fn, wds[i] as Watchdog));
    });

    after(async () => {
      try {
        for (const wd of new Set(running.values())) {
          await stopCleanly(wd, wd.env['fprocess']);
        }
      } finally {
        await cleanupWatchdogs();
      }
    });

    const ctx: Ctx = {
      mode,
      wd: (fn) => {
        const wd = running.get(fn);
        if (!wd) throw new Error(`no ${fn} function in mode ${mode}`);
        return wd;
      },
      send: (fn, route, opts = {}) =>
        call(ctx.wd(fn), route, mode === 'http' ? { ...opts, headers: { ...opts.headers, 'x-fixture': HTTP_FIXTURE[fn] as string } } : opts),
      seen: (answer) => seen(mode, answer),
      get pidDir() {
        return pidDir;
      },
    };

    for (const c of CASES) it(c.name, (t) => c.run(ctx, t));
  });
}
