/**
 * The template runners as real processes, without a gateway: python3-http's index.py (both handler
 * contracts, Unix socket and TCP, IPC readiness and shutdown) and the per-call runners of python3,
 * node-ts-classic and bash. Each test builds a bundle folder the way the builder lays one out:
 * the template's runner files at the root, the handler under function/.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { Agent, request, type IncomingHttpHeaders } from 'node:http';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { RuntimeMode } from '../../src/api/index.js';
import { bundleEntry } from '../../src/builder/_esbuild.js';

// --- shared helpers ---

const TEMPLATES = fileURLToPath(new URL('../../templates/', import.meta.url));
const PYTHON = '/usr/bin/python3';
/** Every byte value once: a body that survives only if nothing decodes or re-encodes it. */
const ALL_BYTES = Buffer.from(Array.from({ length: 256 }, (_, i) => i));

/** Registers something to undo: `t.after` in a test, suiteCleanup() for a describe's fixtures. */
type Cleanup = (fn: () => Promise<void> | void) => void;

/**
 * Cleanup for fixtures a describe's `before` makes, run by its `after` (newest first: processes
 * before their folders). Call it in the describe body: an `after` registered inside a running
 * `before` would run at once.
 */
function suiteCleanup(): Cleanup {
  const fns: Array<() => Promise<void> | void> = [];
  after(async () => {
    for (const fn of fns.splice(0).reverse()) await fn();
  });
  return (fn) => void fns.push(fn);
}

/** `promise`, or a failure naming `what` after `ms`: a runner that hangs fails its test instead of the run. */
async function within<T>(promise: Promise<T>, what: string, ms = 10_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: not within ${ms}ms`)), ms)));
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Polls `check` every 20 ms until it is true; fails after 10 s. */
async function until(check: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in 10s');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * A bundle folder in a new temp dir (removed at cleanup): `runnerFiles` (paths under templates/)
 * copied to its root, `handler` written under function/. Starters are read from templates/ too.
 */
async function bundle(cleanup: Cleanup, runnerFiles: readonly string[], handler: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sluice-runner-'));
  cleanup(() => rm(dir, { recursive: true, force: true }));
  await mkdir(path.join(dir, 'function'));
  await Promise.all(runnerFiles.map((file) => copyFile(path.join(TEMPLATES, file), path.join(dir, path.basename(file)))));
  await Promise.all(Object.entries(handler).map(([name, text]) => writeFile(path.join(dir, 'function', name), text)));
  return dir;
}

/** A template's own starter file, to run the starters exactly as `sluice new` hands them out. */
function starter(template: string, file: string): string {
  return readFileSync(path.join(TEMPLATES, template, 'function', file), 'utf8');
}

interface Runner {
  readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stdout(): string;
  stderr(): string;
}

/** Spawns a process that is killed at cleanup if still running; collects its output. */
function run(cleanup: Cleanup, argv: readonly string[], cwd: string, env: Record<string, string>, ipc = false): Runner {
  const [program, ...args] = argv as [string, ...string[]];
  const child = spawn(program, args, { cwd, env: { PATH: process.env['PATH'] ?? '', ...env }, stdio: ['pipe', 'pipe', 'pipe', ...(ipc ? ['ipc' as const] : [])] });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  cleanup(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  });
  return { child, exited, stdout: () => stdout, stderr: () => stderr };
}

/** Runs a per-call (fork mode) process to the end: body on stdin, Http_* env as the watchdog sets them. */
async function runOnce(cleanup: Cleanup, argv: readonly string[], cwd: string, env: Record<string, string>, stdin: Buffer | string): Promise<{ code: number | null; stdout: Buffer; stderr: string }> {
  const runner = run(cleanup, argv, cwd, env);
  const chunks: Buffer[] = [];
  runner.child.stdout?.on('data', (chunk: Buffer) => chunks.push(chunk));
  runner.child.stdin?.end(stdin);
  const { code } = await within(runner.exited, `${argv.join(' ')} exit`);
  return { code, stdout: Buffer.concat(chunks), stderr: runner.stderr() };
}

/** The last line of a process's stderr: where an error's own line is. */
function lastLine(text: string): string {
  return text.trimEnd().split('\n').at(-1) ?? '';
}

/** node-ts-classic bundled as the builder does it: runner.ts + function/handler.ts → index.mjs by esbuild. */
function classicBundle(handler: string): (cleanup: Cleanup) => Promise<string> {
  return async (cleanup) => {
    const dir = await bundle(cleanup, ['node-ts-classic/runner.ts'], { 'handler.ts': handler });
    await bundleEntry('test', dir, 'runner.ts', 'function');
    return dir;
  };
}

/** Where a runner listens: a Unix socket or a TCP port on 127.0.0.1. */
type Target = { socketPath: string } | { host: string; port: number };

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  reusedSocket: boolean;
}

interface Send {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  /** One Buffer: sent with Content-Length. An array: each item a chunk of a chunked body. */
  body?: Buffer | readonly Buffer[];
  agent?: Agent;
  /** Send `Expect: 100-continue` and the body only once the server says 100 Continue. */
  expectContinue?: boolean;
}

function send(target: Target, opts: Send = {}): Promise<Reply> {
  const body = opts.body ?? Buffer.alloc(0);
  const headers: Record<string, string> = { ...opts.headers };
  if (Array.isArray(body)) headers['transfer-encoding'] = 'chunked';
  else headers['content-length'] = String((body as Buffer).length);
  if (opts.expectContinue) headers['expect'] = '100-continue';
  return new Promise((resolve, reject) => {
    const req = request({ ...target, method: opts.method ?? 'POST', path: opts.path ?? '/', headers, agent: opts.agent ?? false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), reusedSocket: req.reusedSocket }));
      res.on('error', reject);
    });
    req.on('error', reject);
    const write = (): void => {
      if (Array.isArray(body)) for (const chunk of body) req.write(chunk);
      else req.write(body);
      req.end();
    };
    if (opts.expectContinue) req.on('continue', write);
    else write();
  });
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return address.port;
}

/** Resolves once `ready()` does, failing early if the runner exits first. */
async function waitReady(runner: Runner, ready: () => Promise<unknown>): Promise<void> {
  const exit = runner.exited.then(({ code }) => {
    throw new Error(`runner exited with ${code} before it was ready:\n${runner.stderr()}`);
  });
  await within(Promise.race([ready(), exit]), 'runner ready');
}

/** Until `GET /_/health` answers 200 (a TCP runner has no IPC channel to say it is ready). */
function healthy(target: Target): Promise<void> {
  return until(() => send(target, { method: 'GET', path: '/_/health' }).then((reply) => reply.status === 200, () => false));
}

interface HttpRunner extends Runner {
  readonly target: Target;
  /** The first IPC message (Unix runners only). */
  readonly readyMessage?: unknown;
}

/**
 * Starts python3-http's index.py in a bundle with `handler` as function/handler.py. Unix: on
 * SLUICE_SOCKET with an IPC channel, ready on its message; TCP: on http_port, ready when healthy.
 */
async function startHttp(cleanup: Cleanup, handler: string, transport: 'unix' | 'tcp', env: Record<string, string> = {}): Promise<HttpRunner> {
  const dir = await bundle(cleanup, ['python3-http/index.py'], { 'handler.py': handler });
  if (transport === 'unix') {
    const target = { socketPath: path.join(dir, 's.sock') };
    const runner = run(cleanup, [PYTHON, 'index.py'], dir, { ...env, SLUICE_SOCKET: target.socketPath }, true);
    let readyMessage: unknown;
    await waitReady(runner, () => new Promise((resolve) => runner.child.once('message', (message) => resolve((readyMessage = message)))));
    return { ...runner, target, readyMessage };
  }
  const target = { host: '127.0.0.1', port: await freePort() };
  const runner = run(cleanup, [PYTHON, 'index.py'], dir, { ...env, http_port: String(target.port) });
  await waitReady(runner, () => healthy(target));
  return { ...runner, target };
}

interface ForkCase {
  name: string;
  env?: Record<string, string>;
  stdin: Buffer | string;
  code: number;
  stdout: Buffer | string;
  /** The last line of stderr, for failures. */
  stderr?: RegExp;
}

/** Runs each case through `argv` in the bundle `makeBundle` makes once for the describe. */
function forkCases(argv: readonly string[], makeBundle: (cleanup: Cleanup) => Promise<string>, cases: readonly ForkCase[]): void {
  const cleanup = suiteCleanup();
  let dir: string;
  before(async () => {
    dir = await makeBundle(cleanup);
  });
  for (const c of cases) {
    it(c.name, async (t) => {
      const env = { Http_Method: 'PUT', Http_Path: '/p', Http_Query: 'a=1&a=2', ...c.env };
      const result = await runOnce(t.after.bind(t), argv, dir, env, c.stdin);
      assert.equal(result.code, c.code, result.stderr);
      assert.deepEqual(result.stdout, Buffer.from(c.stdout));
      if (c.stderr) assert.match(lastLine(result.stderr), c.stderr);
    });
  }
}

// --- python3-http ---

/** Shows what reached it; other paths exercise the ways a handler can answer. */
const HTTP_HANDLER = `
import time

def handle(event, context):
    path = event.path
    if path == '/echo':
        return {"body": event.body, "headers": {"Content-Type": "application/octet-stream"}}
    if path == '/status':
        return {"statusCode": 201, "body": "made", "headers": [("X-Made-By", "handler"), ("X-Made-By", "again"), ("Content-Type", "text/plain")]}
    if path == '/json':
        return {"body": {"a": [1, 2], "b": None}, "headers": {"X-One": 1}}
    if path == '/no-content':
        return {"statusCode": 204, "body": "not sent"}
    if path == '/none':
        return None
    if path == '/tuple':
        return "tuple body", 202, {"X-T": "1"}
    if path == '/raise':
        raise RuntimeError("secret detail")
    if path == '/bad-header':
        return {"body": "x", "headers": {"X-Split": "a\\r\\nX-Injected: 1"}}
    if path == '/sleep':
        print("sleeping", flush=True)
        time.sleep(float(event.query.get("s")))
        return "slept"
    return {"body": {
        "method": event.method, "path": event.path, "query": event.query.to_dict(flat=False),
        "first": event.query.get("a"), "all": event.query.getlist("a"), "has_b": "b" in event.query,
        "keys": list(event.query), "custom": event.headers.get("X-CUSTOM"), "length": len(event.body),
        "hostname": context.hostname,
    }}
`;

/** What a handler's return value becomes: status, some headers, body. */
const ANSWERS: ReadonlyArray<{ path: string; status: number; headers: Record<string, string | undefined>; body: string }> = [
  { path: '/status', status: 201, headers: { 'x-made-by': 'handler, again', 'content-type': 'text/plain' }, body: 'made' },
  { path: '/json', status: 200, headers: { 'content-type': 'application/json', 'x-one': '1' }, body: '{"a":[1,2],"b":null}\n' },
  { path: '/no-content', status: 204, headers: { 'content-length': undefined }, body: '' },
  { path: '/none', status: 200, headers: { 'content-type': 'text/html; charset=utf-8', 'content-length': '0' }, body: '' },
  { path: '/tuple', status: 202, headers: { 'x-t': '1' }, body: 'tuple body' },
  { path: '/raise', status: 500, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: 'Internal Server Error\n' },
  { path: '/bad-header', status: 500, headers: { 'x-injected': undefined }, body: 'Internal Server Error\n' },
  { path: '/_/health', status: 200, headers: {}, body: 'OK' },
];

for (const transport of ['unix', 'tcp'] as const) {
  describe(`python3-http runner over ${transport}: handle(event, context)`, () => {
    const cleanup = suiteCleanup();
    let runner: HttpRunner;
    before(async () => {
      runner = await startHttp(cleanup, HTTP_HANDLER, transport, { HOSTNAME: 'replica-7' });
    });

    for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']) {
      it(`${method}: method, decoded path, multi-valued query, headers and body reach the handler`, async () => {
        const body = Buffer.from('héllo');
        const reply = await send(runner.target, { method, path: '/some/pa%20th?a=1&a=2&b=', headers: { 'X-Custom': 'v1' }, body });
        assert.equal(reply.status, 200);
        assert.equal(reply.headers['content-type'], 'application/json');
        assert.deepEqual(JSON.parse(reply.body.toString()), {
          method, path: '/some/pa th', query: { a: ['1', '2'], b: [''] }, first: '1', all: ['1', '2'], has_b: true,
          keys: ['a', 'b'], custom: 'v1', length: body.length, hostname: 'replica-7',
        });
      });
    }

    it('HEAD: the status and Content-Length of the answer, no body', async () => {
      const reply = await send(runner.target, { method: 'HEAD', path: '/x' });
      assert.equal(reply.status, 200);
      assert.ok(Number(reply.headers['content-length']) > 20, `content-length ${reply.headers['content-length']}`);
      assert.equal(reply.body.length, 0);
    });

    const bodies: ReadonlyArray<{ name: string; body: Buffer | readonly Buffer[]; expected: Buffer; expectContinue?: boolean }> = [
      { name: 'all 256 byte values', body: ALL_BYTES, expected: ALL_BYTES },
      { name: 'a chunked body', body: [Buffer.from('one,'), ALL_BYTES, Buffer.from(',three')], expected: Buffer.concat([Buffer.from('one,'), ALL_BYTES, Buffer.from(',three')]) },
      { name: 'an empty body', body: Buffer.alloc(0), expected: Buffer.alloc(0) },
      { name: 'a body sent after 100 Continue', body: Buffer.from('waited'), expected: Buffer.from('waited'), expectContinue: true },
    ];
    for (const { name, body, expected, expectContinue } of bodies) {
      it(`round-trips ${name}`, async () => {
        const reply = await send(runner.target, { path: '/echo', body, expectContinue });
        assert.equal(reply.status, 200);
        assert.equal(reply.headers['content-type'], 'application/octet-stream');
        assert.deepEqual(reply.body, expected);
      });
    }

    for (const answer of ANSWERS) {
      it(`${answer.path} → ${answer.status}`, async () => {
        const reply = await send(runner.target, { method: 'GET', path: answer.path });
        assert.equal(reply.status, answer.status);
        for (const [name, value] of Object.entries(answer.headers)) assert.equal(reply.headers[name], value, name);
        assert.equal(reply.body.toString(), answer.body);
      });
    }

    it('a handler exception: the traceback goes to stderr, never to the client', async () => {
      const reply = await send(runner.target, { method: 'GET', path: '/raise' });
      assert.doesNotMatch(reply.body.toString(), /secret|Traceback/);
      assert.match(runner.stderr(), /Traceback[\s\S]*RuntimeError: secret detail/);
    });

    it('keeps the connection alive between calls, also after a 204', async () => {
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      try {
        const first = await send(runner.target, { method: 'GET', path: '/no-content', agent });
        const second = await send(runner.target, { method: 'GET', path: '/tuple', agent });
        assert.equal(first.status, 204);
        assert.equal(second.body.toString(), 'tuple body');
        assert.equal(second.reusedSocket, true);
      } finally {
        agent.destroy();
      }
    });
  });
}

describe('python3-http runner: handle(req), the python3-flask contract', () => {
  const FLASK_HANDLER = `
def handle(req):
    if isinstance(req, bytes):
        return req, 201, {"X-A": "b"}
    if req == "json":
        return {"k": [1]}
    if req == "headers":
        return "with headers", {"X-H": "1"}
    if req == "status":
        return "created", "201 CREATED"
    if req == "none":
        return None
    return "text:" + req
`;
  const cases: ReadonlyArray<{ name: string; env: Record<string, string>; body: Buffer; status: number; headers: Record<string, string>; reply: Buffer }> = [
    { name: 'RAW_BODY=true: bytes in, (bytes, 201, headers) out', env: { RAW_BODY: 'true' }, body: ALL_BYTES, status: 201, headers: { 'x-a': 'b', 'content-type': 'text/html; charset=utf-8' }, reply: ALL_BYTES },
    { name: 'text in, str out', env: {}, body: Buffer.from('héllo'), status: 200, headers: { 'content-type': 'text/html; charset=utf-8' }, reply: Buffer.from('text:héllo') },
    { name: 'invalid UTF-8 is replaced, not an error', env: { RAW_BODY: 'false' }, body: Buffer.from([0x61, 0xff]), status: 200, headers: {}, reply: Buffer.from('text:a\uFFFD') },
    { name: 'a dict is JSON', env: {}, body: Buffer.from('json'), status: 200, headers: { 'content-type': 'application/json' }, reply: Buffer.from('{"k":[1]}\n') },
    { name: '(body, headers)', env: {}, body: Buffer.from('headers'), status: 200, headers: { 'x-h': '1' }, reply: Buffer.from('with headers') },
    { name: '(body, "201 CREATED")', env: {}, body: Buffer.from('status'), status: 201, headers: {}, reply: Buffer.from('created') },
    { name: 'None is an empty 200', env: {}, body: Buffer.from('none'), status: 200, headers: {}, reply: Buffer.alloc(0) },
  ];
  for (const { name, env, body, status, headers, reply } of cases) {
    it(name, async (t) => {
      const runner = await startHttp(t.after.bind(t), FLASK_HANDLER, 'unix', env);
      const got = await send(runner.target, { body });
      assert.equal(got.status, status);
      for (const [header, value] of Object.entries(headers)) assert.equal(got.headers[header], value, header);
      assert.deepEqual(got.body, reply);
    });
  }
});

describe('python3-http runner: context.secret', () => {
  const handler = `
def handle(event, context):
    try:
        return context.secret(event.query.get('name'))
    except (KeyError, ValueError) as err:
        return {"statusCode": 404, "body": str(err)}
`;
  it('reads a secret file of SLUICE_SECRETS_DIR by name, without its trailing newline; names what is missing', async (t) => {
    const secrets = await mkdtemp(path.join(os.tmpdir(), 'sluice-secrets-'));
    t.after(() => rm(secrets, { recursive: true, force: true }));
    await writeFile(path.join(secrets, 'db-password'), 's3cret\n');
    const runner = await startHttp(t.after.bind(t), handler, 'unix', { SLUICE_SECRETS_DIR: secrets });
    const read = async (name: string): Promise<[number, string]> => {
      const reply = await send(runner.target, { path: `/?name=${encodeURIComponent(name)}` });
      return [reply.status, reply.body.toString()];
    };
    assert.deepEqual(await read('db-password'), [200, 's3cret']);
    const [status, message] = await read('other');
    assert.equal(status, 404);
    assert.match(message, /secret "other" is not available: list it under secrets:/);
    assert.equal((await read('../db-password'))[0], 404, 'a path is not a secret name');
  });
});

describe('python3-http runner: start and stop', () => {
  const broken: ReadonlyArray<{ name: string; handler: string; line: RegExp }> = [
    { name: 'a missing module', handler: 'import not_a_module_xyz\n', line: /^ModuleNotFoundError: No module named 'not_a_module_xyz'$/ },
    { name: 'a syntax error', handler: 'def handle(event, context)\n    return 1\n', line: /^SyntaxError: / },
    { name: 'no handle function', handler: 'def handler(req):\n    return req\n', line: /^TypeError: function\/handler.py must define handle/ },
    { name: 'an error while importing', handler: 'raise RuntimeError("DATABASE_URL is not set")\n', line: /^RuntimeError: DATABASE_URL is not set$/ },
  ];
  for (const { name, handler, line } of broken) {
    it(`a handler with ${name}: exit 1, the error as the last line of stderr`, async (t) => {
      const dir = await bundle(t.after.bind(t), ['python3-http/index.py'], { 'handler.py': handler });
      const runner = run(t.after.bind(t), [PYTHON, 'index.py'], dir, { SLUICE_SOCKET: path.join(dir, 's.sock') });
      assert.equal((await within(runner.exited, 'exit')).code, 1);
      assert.match(lastLine(runner.stderr()), line);
    });
  }

  it('says {sluice:"ready"} over IPC once listening, and exits 0 when the channel closes', async (t) => {
    const runner = await startHttp(t.after.bind(t), HTTP_HANDLER, 'unix');
    assert.deepEqual(runner.readyMessage, { sluice: 'ready' });
    assert.equal((await send(runner.target, { path: '/tuple' })).status, 202); // listening when it said so
    runner.child.disconnect();
    assert.deepEqual(await within(runner.exited, 'exit after the IPC channel closed'), { code: 0, signal: null });
  });

  it('SIGTERM: stops accepting, finishes the call in flight, exits 0 despite an idle keep-alive connection', async (t) => {
    const runner = await startHttp(t.after.bind(t), HTTP_HANDLER, 'unix');
    const agent = new Agent({ keepAlive: true });
    t.after(() => agent.destroy());
    assert.equal((await send(runner.target, { path: '/tuple', agent })).status, 202); // leaves an idle connection
    const inFlight = send(runner.target, { path: '/sleep?s=1.5' });
    await until(() => runner.stdout().includes('sleeping'));
    runner.child.kill('SIGTERM');
    // New connections are refused while the call in flight still runs.
    await until(() => send(runner.target, { path: '/tuple' }).then(() => false, (err: NodeJS.ErrnoException) => err.code === 'ECONNREFUSED'));
    const reply = await within(inFlight, 'the call in flight');
    assert.equal(reply.status, 200);
    assert.equal(reply.body.toString(), 'slept');
    assert.equal(reply.headers['connection'], 'close');
    // Well before the 10 s drain limit: the idle keep-alive connection does not hold up the exit.
    assert.deepEqual(await within(runner.exited, 'exit after SIGTERM', 5_000), { code: 0, signal: null });
  });
});

// --- per-call runners: python3, node-ts-classic, bash ---

describe('python3 (classic) runner', () => {
  const HANDLER = `
import os

def handle(req):
    path = os.getenv("Http_Path")
    if path == "/json":
        return {"got": req}
    if path == "/none":
        return None
    if path == "/number":
        return 42
    if path == "/raise":
        raise ValueError("boom")
    if path == "/raw":
        return req
    return f"{os.getenv('Http_Method')} {path}?{os.getenv('Http_Query')} {type(req).__name__}:{req}"
`;
  forkCases([PYTHON, 'index.py'], (cleanup) => bundle(cleanup, ['python3/index.py'], { 'handler.py': HANDLER }), [
    { name: 'text in, str out, Http_* env seen', stdin: 'héllo', code: 0, stdout: 'PUT /p?a=1&a=2 str:héllo' },
    { name: 'RAW_BODY=true: bytes in, bytes out unchanged', env: { Http_Path: '/raw', RAW_BODY: 'true' }, stdin: ALL_BYTES, code: 0, stdout: ALL_BYTES },
    { name: 'a dict is JSON', env: { Http_Path: '/json' }, stdin: 'x', code: 0, stdout: '{"got": "x"}' },
    { name: 'None prints nothing', env: { Http_Path: '/none' }, stdin: 'x', code: 0, stdout: '' },
    { name: 'anything else is str()', env: { Http_Path: '/number' }, stdin: '', code: 0, stdout: '42' },
    { name: 'an exception: exit 1, traceback on stderr', env: { Http_Path: '/raise' }, stdin: 'x', code: 1, stdout: '', stderr: /^ValueError: boom$/ },
  ]);
});

describe('node-ts-classic runner', () => {
  const HANDLER = `
export default async (input: string | Buffer) => {
  switch (process.env['Http_Path']) {
    case '/json': return { got: input };
    case '/none': return undefined;
    case '/raw': return input;
    case '/throw': throw new Error('boom');
    default: return \`\${process.env['Http_Method']} \${process.env['Http_Path']}?\${process.env['Http_Query']} \${typeof input}:\${String(input)}\`;
  }
};
`;
  const CALLBACK_HANDLER = `
export default (input: string, callback: (err: unknown, result?: unknown) => void) => {
  setTimeout(() => (input === 'fail' ? callback(new Error('callback failed')) : callback(null, { via: 'callback', input })), 5);
};
`;
  describe('async handler', () => {
    forkCases([process.execPath, 'index.mjs'], classicBundle(HANDLER), [
      { name: 'text in, string out, Http_* env seen', stdin: 'héllo', code: 0, stdout: 'PUT /p?a=1&a=2 string:héllo' },
      { name: 'RAW_BODY=1: Buffer in, Buffer out unchanged', env: { Http_Path: '/raw', RAW_BODY: '1' }, stdin: ALL_BYTES, code: 0, stdout: ALL_BYTES },
      { name: 'an object is JSON', env: { Http_Path: '/json' }, stdin: 'x', code: 0, stdout: '{"got":"x"}' },
      { name: 'undefined prints nothing', env: { Http_Path: '/none' }, stdin: 'x', code: 0, stdout: '' },
      { name: 'a thrown error: exit 1, its message on stderr', env: { Http_Path: '/throw' }, stdin: 'x', code: 1, stdout: '', stderr: /^Error: boom$/ },
    ]);
  });
  describe('callback handler (two parameters)', () => {
    forkCases([process.execPath, 'index.mjs'], classicBundle(CALLBACK_HANDLER), [
      { name: 'callback(null, result)', stdin: 'hi', code: 0, stdout: '{"via":"callback","input":"hi"}' },
      { name: 'callback(err): exit 1, its message on stderr', stdin: 'fail', code: 1, stdout: '', stderr: /^Error: callback failed$/ },
    ]);
  });
});

describe('the starters, as `sluice new` hands them out', () => {
  describe('bash', () => {
    forkCases(['bash', 'function/handler.sh'], (cleanup) => bundle(cleanup, [], { 'handler.sh': starter('bash', 'handler.sh') }), [
      { name: 'the request line, then the body byte for byte', stdin: ALL_BYTES, code: 0, stdout: Buffer.concat([Buffer.from('PUT /p?a=1&a=2\n'), ALL_BYTES]) },
      { name: 'no query: no "?"', env: { Http_Query: '' }, stdin: 'x', code: 0, stdout: 'PUT /p\nx' },
    ]);
  });
  describe('python3', () => {
    forkCases([PYTHON, 'index.py'], (cleanup) => bundle(cleanup, ['python3/index.py'], { 'handler.py': starter('python3', 'handler.py') }), [
      { name: 'echoes the body with method, path and query', stdin: 'Ada', code: 0, stdout: 'Hello! You said: Ada (PUT /p?a=1&a=2)\n' },
    ]);
  });
  describe('node-ts-classic', () => {
    forkCases([process.execPath, 'index.mjs'], classicBundle(starter('node-ts-classic', 'handler.ts')), [{ name: 'greets the body with method, path and query', stdin: 'Ada', code: 0, stdout: 'Hello, Ada! (PUT /p?a=1&a=2)\n' }]);
  });

  const servers: ReadonlyArray<{ template: string; body: string; status: number; reply: RegExp }> = [
    { template: 'python3-http', body: 'Ada', status: 200, reply: /^\{"message":"Hello from python3-http, Ada!","method":"POST","path":"\/x","query":\{"q":\["1"\]\}/ },
    { template: 'python3-flask', body: 'Ada', status: 200, reply: /^Ada$/ },
    { template: 'python3-flask', body: '', status: 400, reply: /^Send me something/ },
  ];
  for (const { template, body, status, reply } of servers) {
    it(`${template} answers ${JSON.stringify(body)} with ${status}`, async (t) => {
      const runner = await startHttp(t.after.bind(t), starter(template, 'handler.py'), 'unix');
      const got = await send(runner.target, { path: '/x?q=1', body: Buffer.from(body) });
      assert.equal(got.status, status);
      assert.match(got.body.toString(), reply);
    });
  }
});

// --- template.yml of every template ---

describe('template.yml', () => {
  const names = readdirSync(TEMPLATES);
  for (const name of names) {
    it(`${name}: the keys the builder and \`sluice new --list\` rely on`, () => {
      const spec = parse(readFileSync(path.join(TEMPLATES, name, 'template.yml'), 'utf8')) as Record<string, unknown>;
      assert.equal(spec['language'], name);
      assert.equal(typeof spec['description'], 'string');
      assert.doesNotMatch(spec['description'] as string, /\n/, 'description is one line');
      assert.ok(RuntimeMode.safeParse(spec['mode']).success, `mode ${String(spec['mode'])}`);
      // A workflow runs no process (the gateway runs its steps): its fprocess is empty on purpose.
      if (spec['mode'] === 'workflow') assert.equal(spec['fprocess'], '', 'fprocess of a workflow');
      else assert.ok(typeof spec['fprocess'] === 'string' && spec['fprocess'] !== '', 'fprocess');
      if (spec['base'] !== undefined) assert.ok(names.includes(spec['base'] as string), `base ${String(spec['base'])} is a template`);
      const entry = spec['entry'];
      if (entry !== undefined) assert.ok(readdirSync(path.join(TEMPLATES, name)).includes(entry as string), `entry ${String(entry)} exists`);
      for (const alias of (spec['aliases'] as string[] | undefined) ?? []) assert.ok(!names.includes(alias), `alias ${alias} shadows a template`);
    });
  }
});
