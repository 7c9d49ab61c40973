import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFile, lstat, mkdir, mkdtemp, readFile, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { x as extract } from 'tar';
import { Pool } from 'undici';
import { BUNDLE_ANNOTATION, SluiceError } from '../api/index.js';
import { loadStack, type Stack } from '../stack/index.js';
import { buildFunction, deploymentFor, findTemplate, listTemplates, packBundle, scaffoldFunction, type BuiltBundle } from './index.js';

const TYPES_TS = fileURLToPath(new URL('../../templates/node-ts/function/types.ts', import.meta.url));

/** A handler that shows what the runner gives it, one behaviour per path. */
const PROBE_HANDLER = `import type { FunctionContext, FunctionEvent } from './types.js';
let calls = 0;
export default async function handle(event: FunctionEvent, context: FunctionContext): Promise<unknown> {
  calls++;
  const body = event.body;
  switch (event.path) {
    case '/event':
      return { method: event.method, path: event.path, query: event.query, headers: event.headers,
        bodyType: Buffer.isBuffer(body) ? 'buffer' : typeof body, body: Buffer.isBuffer(body) ? body.toString('base64') : body };
    case '/echo': return body;
    case '/status': context.status(201).headers({ 'x-sluice': 'yes', 'content-type': 'text/plain' }).succeed('created'); return 'ignored';
    case '/throw': throw new Error('boom');
    case '/fail': context.fail(new Error('nope')); return 'ignored';
    case '/teapot': context.status(418); throw new Error('short and stout');
    case '/array': return [1, 'two'];
    case '/nothing': return undefined;
    case '/calls': return String(calls);
    case '/slow': await new Promise((resolve) => setTimeout(resolve, 300)); return 'slow done';
    default: return 'handler';
  }
}
`;

const scratch: string[] = [];
const children: ChildProcess[] = [];
const pools: Pool[] = [];

async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  scratch.push(dir);
  return dir;
}

after(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await Promise.all(pools.map((pool) => pool.destroy()));
  await Promise.all(scratch.map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A temp project with one function per entry of `handlers` (file name → source), and its stack. */
async function project(functions: Record<string, { files: Record<string, string>; extra?: string }>): Promise<Stack> {
  const dir = await tempDir('sluice-build-');
  let yaml = 'version: 1.0\nprovider:\n  name: openfaas\nfunctions:\n';
  for (const [name, { files, extra }] of Object.entries(functions)) {
    await mkdir(path.join(dir, name), { recursive: true });
    for (const [file, text] of Object.entries(files)) await writeFile(path.join(dir, name, file), text);
    await copyFile(TYPES_TS, path.join(dir, name, 'types.ts'));
    yaml += `  ${name}:\n    lang: node-ts\n    handler: ./${name}\n    image: ${name}:latest\n${extra ?? ''}`;
  }
  await writeFile(path.join(dir, 'stack.yml'), yaml);
  return loadStack(path.join(dir, 'stack.yml'));
}

function fnOf(stack: Stack, name: string) {
  const fn = stack.functions.find((f) => f.name === name);
  assert.ok(fn, `no function ${name}`);
  return fn;
}

interface Replica {
  child: ChildProcess;
  pool: Pool;
  stderr: () => string;
  exit: Promise<number | null>;
}

/** Starts a bundle as the provider does (fprocess in the bundle folder, socket in env, IPC channel). */
async function startReplica(bundle: BuiltBundle, env: Record<string, string> = {}): Promise<Replica> {
  const socketPath = path.join(await tempDir('sluice-sock-'), 'r.sock');
  const [command, ...args] = bundle.manifest.fprocess.split(' ');
  assert.equal(command, 'node');
  const child = spawn(process.execPath, args, {
    cwd: bundle.dir,
    env: { PATH: process.env['PATH'] ?? '', ...bundle.manifest.environment, ...env, SLUICE_SOCKET: socketPath },
    stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
  });
  children.push(child);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const pool = new Pool('http://localhost', { socketPath });
  pools.push(pool);
  const until = Date.now() + 10_000;
  for (;;) {
    try {
      const res = await pool.request({ path: '/_/health', method: 'GET' });
      if (res.statusCode === 200 && (await res.body.text()) === 'OK') break;
    } catch {
      // not listening yet
    }
    if (child.exitCode !== null) assert.fail(`replica exited with ${child.exitCode}: ${stderr}`);
    if (Date.now() > until) assert.fail(`replica did not become healthy: ${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 30));
  }
  return { child, pool, stderr: () => stderr, exit };
}

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  text: string;
}

async function call(pool: Pool, method: string, p: string, body?: string | Buffer | Readable, headers: Record<string, string> = {}): Promise<Reply> {
  const res = await pool.request({ path: p, method: method as 'GET', headers, body: body ?? null });
  const buf = Buffer.from(await res.body.arrayBuffer());
  return { status: res.statusCode, headers: res.headers, body: buf, text: buf.toString('utf8') };
}

function json(reply: Reply): Record<string, unknown> {
  return JSON.parse(reply.text) as Record<string, unknown>;
}

describe('listTemplates and findTemplate', () => {
  it('finds the built-in node-ts template with its template.yml settings', async () => {
    const cwd = await tempDir('sluice-tpl-');
    const node = (await listTemplates(cwd)).find((t) => t.name === 'node-ts');
    assert.ok(node, 'node-ts not listed');
    assert.equal(node.mode, 'http');
    assert.equal(node.fprocess, 'node index.mjs');
    assert.equal(node.entry, 'runner.ts');
    assert.match(node.description, /^TypeScript on Node\.js 20/);
    assert.deepEqual(node.environment, { exec_timeout: '10s', read_timeout: '15s', write_timeout: '15s' });
  });

  it('lists ./template/<name> under cwd first: it wins on the same name; sorted by name', async () => {
    const cwd = await tempDir('sluice-tpl-');
    await mkdir(path.join(cwd, 'template', 'node-ts'), { recursive: true });
    await mkdir(path.join(cwd, 'template', 'aaa-cat'), { recursive: true });
    await mkdir(path.join(cwd, 'template', 'not-a-template'), { recursive: true });
    await writeFile(path.join(cwd, 'template', 'node-ts', 'template.yml'), 'language: node-ts\nfprocess: node mine.js\ndescription: mine\n');
    await writeFile(path.join(cwd, 'template', 'aaa-cat', 'template.yml'), 'language: cat\nfprocess: cat\nmode: fork\nenvironment: {N: 1}\n');
    const templates = await listTemplates(cwd);
    const names = templates.map((t) => t.name);
    assert.deepEqual(names, [...names].sort());
    assert.equal(names[0], 'aaa-cat');
    assert.ok(!names.includes('not-a-template'));
    const cat = templates[0];
    assert.equal(cat?.mode, 'fork');
    assert.deepEqual(cat?.environment, { N: '1' });
    const local = await findTemplate('node-ts', cwd);
    assert.equal(local.description, 'mine');
    assert.equal(local.dir, path.join(cwd, 'template', 'node-ts'));
  });

  it('names the available templates when the one asked for does not exist', async () => {
    const cwd = await tempDir('sluice-tpl-');
    await assert.rejects(findTemplate('cobol', cwd), (err: SluiceError) => {
      assert.equal(err.code, 'ERR_TEMPLATE_NOT_FOUND');
      assert.match(err.message, /template "cobol" not found; available: .*node-ts/);
      return true;
    });
  });
});

describe('scaffoldFunction', () => {
  it('copies the starter into a new folder and refuses a folder with files', async () => {
    const cwd = await tempDir('sluice-new-');
    const template = await findTemplate('node-ts', cwd);
    const target = path.join(cwd, 'hello');
    await scaffoldFunction(template, target);
    assert.deepEqual((await readdir(target)).sort(), ['handler.ts', 'package.json', 'types.ts']);
    await assert.rejects(scaffoldFunction(template, target), { code: 'ERR_BAD_REQUEST' });
  });
});

describe('buildFunction', () => {
  it('writes template files, the handler, index.mjs and function.json', async () => {
    const stack = await project({ probe: { files: { 'handler.ts': PROBE_HANDLER } } });
    for (const junk of ['node_modules', 'build', '.git']) {
      await mkdir(path.join(stack.dir, 'probe', junk), { recursive: true });
      await writeFile(path.join(stack.dir, 'probe', junk, 'x'), 'not shipped');
    }
    const steps: string[] = [];
    const bundle = await buildFunction(stack, fnOf(stack, 'probe'), { onProgress: (step) => steps.push(step) });
    assert.equal(bundle.dir, path.join(stack.dir, 'build', 'probe'));
    const files = (await readdir(bundle.dir)).sort();
    assert.deepEqual(files, ['function', 'function.json', 'index.mjs', 'runner.ts']);
    assert.deepEqual((await readdir(path.join(bundle.dir, 'function'))).sort(), ['handler.ts', 'types.ts']);
    assert.deepEqual(JSON.parse(await readFile(path.join(bundle.dir, 'function.json'), 'utf8')), bundle.manifest);
    assert.deepEqual(bundle.manifest, {
      name: 'probe',
      lang: 'node-ts',
      mode: 'http',
      fprocess: 'node index.mjs',
      environment: { exec_timeout: '10s', read_timeout: '15s', write_timeout: '15s' },
    });
    assert.ok(steps.includes('bundling runner.ts'), steps.join(', '));
    assert.ok(!steps.includes('installing dependencies'), 'no dependencies to install');
  });

  it('requires lang and an existing handler folder', async () => {
    const stack = await project({ probe: { files: { 'handler.ts': PROBE_HANDLER } } });
    const missing = { name: 'ghost', handler: './ghost', environment: {}, labels: {}, annotations: {} };
    await assert.rejects(buildFunction(stack, missing), (err: SluiceError) => {
      assert.equal(err.code, 'ERR_STACK_INVALID');
      assert.match(err.message, /functions\.ghost\.lang: required to build/);
      assert.match(err.message, /functions\.ghost\.handler: folder \.\/ghost not found/);
      return true;
    });
  });

  it('reports a syntax error with the file and line of the handler', async () => {
    const stack = await project({ broken: { files: { 'handler.ts': 'export default async () => {\n  const x = ;\n};\n' } } });
    await assert.rejects(buildFunction(stack, fnOf(stack, 'broken')), (err: SluiceError) => {
      assert.equal(err.code, 'ERR_BUILD_FAILED');
      assert.match(err.message, /building "broken" failed: broken\/handler\.ts:2:\d+: /);
      return true;
    });
  });
});

describe('node-ts runner (a built bundle, run as a replica)', () => {
  let bundle: BuiltBundle;
  let parsed: Replica;
  let raw: Replica;

  before(async () => {
    const stack = await project({ probe: { files: { 'handler.ts': PROBE_HANDLER } } });
    bundle = await buildFunction(stack, fnOf(stack, 'probe'));
    [parsed, raw] = await Promise.all([
      startReplica(bundle, { MAX_JSON_SIZE: '1kb', MAX_RAW_SIZE: '4kb' }),
      startReplica(bundle, { RAW_BODY: 'TRUE', MAX_RAW_SIZE: '64kb' }),
    ]);
  });

  it('gives the handler method, path, query (repeated keys as arrays) and lower-case headers', async () => {
    const reply = await call(parsed.pool, 'DELETE', '/event?a=1&a=2&b=x%20y&c=', undefined, { 'X-Custom': 'Hi' });
    assert.equal(reply.status, 200);
    const event = json(reply);
    assert.equal(event['method'], 'DELETE');
    assert.equal(event['path'], '/event');
    assert.deepEqual(event['query'], { a: ['1', '2'], b: 'x y', c: '' });
    assert.equal((event['headers'] as Record<string, string>)['x-custom'], 'Hi');
  });

  it('treats a missing Content-Type as text: the body is a string', async () => {
    const event = json(await call(parsed.pool, 'POST', '/event', 'plain words'));
    assert.deepEqual([event['bodyType'], event['body']], ['string', 'plain words']);
  });

  it('parses JSON and urlencoded bodies into objects', async () => {
    const fromJson = json(await call(parsed.pool, 'POST', '/event', '{"n":1,"list":[true]}', { 'content-type': 'application/json; charset=utf-8' }));
    assert.deepEqual([fromJson['bodyType'], fromJson['body']], ['object', { n: 1, list: [true] }]);
    const fromForm = json(await call(parsed.pool, 'POST', '/event', 'a=1&a=2&b=%C3%A9', { 'content-type': 'application/x-www-form-urlencoded' }));
    assert.deepEqual(fromForm['body'], { a: ['1', '2'], b: 'é' });
  });

  it('answers 400 to invalid JSON without calling the handler', async () => {
    const reply = await call(parsed.pool, 'POST', '/event', '{"n":', { 'content-type': 'application/json' });
    assert.equal(reply.status, 400);
    assert.match(reply.text, /^invalid JSON body: /);
  });

  it('gives other types as a Buffer', async () => {
    const event = json(await call(parsed.pool, 'POST', '/event', Buffer.from([0, 1, 2, 255]), { 'content-type': 'application/octet-stream' }));
    assert.deepEqual([event['bodyType'], event['body']], ['buffer', Buffer.from([0, 1, 2, 255]).toString('base64')]);
  });

  it('sends an object or array result as JSON with a JSON Content-Type', async () => {
    const reply = await call(parsed.pool, 'GET', '/array');
    assert.equal(reply.text, '[1,"two"]');
    assert.equal(reply.headers['content-type'], 'application/json');
  });

  it('sends an undefined result as an empty 200', async () => {
    const reply = await call(parsed.pool, 'GET', '/nothing');
    assert.deepEqual([reply.status, reply.text], [200, '']);
  });

  it('applies context.status and context.headers, and succeed wins over the returned value', async () => {
    const reply = await call(parsed.pool, 'GET', '/status');
    assert.equal(reply.status, 201);
    assert.equal(reply.headers['x-sluice'], 'yes');
    assert.equal(reply.headers['content-type'], 'text/plain');
    assert.equal(reply.text, 'created');
  });

  it('answers 500 with err.toString() to a thrown error and logs the stack', async () => {
    const reply = await call(parsed.pool, 'POST', '/throw', 'x');
    assert.deepEqual([reply.status, reply.text], [500, 'Error: boom']);
    assert.match(parsed.stderr(), /Error: boom\n\s+at /);
  });

  it('answers 500 to context.fail, and keeps an error status the handler chose', async () => {
    assert.deepEqual(await call(parsed.pool, 'GET', '/fail').then((r) => [r.status, r.text]), [500, 'Error: nope']);
    assert.deepEqual(await call(parsed.pool, 'GET', '/teapot').then((r) => [r.status, r.text]), [418, 'Error: short and stout']);
  });

  it('answers GET /_/health itself: the handler is not called', async () => {
    const before = Number((await call(parsed.pool, 'GET', '/calls')).text);
    const health = await call(parsed.pool, 'GET', '/_/health');
    assert.deepEqual([health.status, health.text], [200, 'OK']);
    const afterCount = Number((await call(parsed.pool, 'GET', '/calls')).text);
    assert.equal(afterCount, before + 1, 'only the second /calls reached the handler');
  });

  it('answers 413 above MAX_JSON_SIZE and keeps serving', async () => {
    const big = JSON.stringify({ pad: 'x'.repeat(2000) });
    const reply = await call(parsed.pool, 'POST', '/event', big, { 'content-type': 'application/json' });
    assert.equal(reply.status, 413);
    const small = await call(parsed.pool, 'POST', '/event', '{}', { 'content-type': 'application/json' });
    assert.equal(small.status, 200);
  });

  it('with RAW_BODY=true, echoes a binary body byte-exact whatever its type', async () => {
    const bytes = randomBytes(50_000);
    const reply = await call(raw.pool, 'POST', '/echo', bytes, { 'content-type': 'application/json' });
    assert.equal(reply.status, 200);
    assert.ok(reply.body.equals(bytes), 'body differs');
  });

  it('with RAW_BODY=true, reads a chunked body (no Content-Length) byte-exact', async () => {
    const parts = [randomBytes(10_000), randomBytes(7), randomBytes(20_000)];
    const reply = await call(raw.pool, 'POST', '/echo', Readable.from(parts));
    assert.ok(reply.body.equals(Buffer.concat(parts)), 'body differs');
  });

  it('with RAW_BODY=true, answers 413 above MAX_RAW_SIZE, declared or chunked', async () => {
    const declared = await call(raw.pool, 'POST', '/echo', randomBytes(70_000));
    assert.equal(declared.status, 413);
    const chunked = await call(raw.pool, 'POST', '/echo', Readable.from([randomBytes(40_000), randomBytes(40_000)]));
    assert.equal(chunked.status, 413);
    assert.equal((await call(raw.pool, 'POST', '/echo', 'still here')).text, 'still here');
  });

  it('on SIGTERM, finishes the request in flight, then exits 0 without waiting for idle keep-alive', async () => {
    const replica = await startReplica(bundle); // its pool holds a keep-alive connection from the health probe
    const pending = call(replica.pool, 'GET', '/slow');
    await new Promise((resolve) => setTimeout(resolve, 100));
    const start = Date.now();
    replica.child.kill('SIGTERM');
    const reply = await pending;
    assert.deepEqual([reply.status, reply.text], [200, 'slow done']);
    assert.equal(await replica.exit, 0);
    assert.ok(Date.now() - start < 3_000, `took ${Date.now() - start}ms to exit`);
  });

  it('exits 0 when its parent disconnects the IPC channel', async () => {
    const replica = await startReplica(bundle);
    replica.child.disconnect();
    assert.equal(await replica.exit, 0);
  });
});

describe('node-ts runner with an OpenFaaS node20 handler', () => {
  it('runs a CommonJS handler.js (module.exports) unchanged', async () => {
    const stack = await project({
      legacy: {
        files: {
          'handler.js': "'use strict'\nmodule.exports = async (event, context) => context.status(202).succeed({ got: event.body })\n",
          'package.json': JSON.stringify({ name: 'legacy', version: '1.0.0', main: 'handler.js' }),
        },
      },
    });
    const replica = await startReplica(await buildFunction(stack, fnOf(stack, 'legacy')));
    const reply = await call(replica.pool, 'POST', '/', 'hi', { 'content-type': 'text/plain' });
    assert.deepEqual([reply.status, reply.text], [202, '{"got":"hi"}']);
  });
});

describe('functions/echo (shipped with Sluice)', () => {
  it('echoes the body byte-exact with the request Content-Type, or application/octet-stream', async () => {
    const stack = await loadStack(fileURLToPath(new URL('../../functions/stack.yml', import.meta.url)));
    const bundle = await buildFunction(stack, fnOf(stack, 'echo'), { outDir: await tempDir('sluice-echo-') });
    const fn = fnOf(stack, 'echo');
    const replica = await startReplica(bundle, fn.environment);
    const bytes = randomBytes(4096);
    const typed = await call(replica.pool, 'POST', '/', bytes, { 'content-type': 'application/json' });
    assert.ok(typed.body.equals(bytes), 'body differs');
    assert.equal(typed.headers['content-type'], 'application/json');
    const untyped = await call(replica.pool, 'PUT', '/any/path', bytes);
    assert.ok(untyped.body.equals(bytes), 'body differs');
    assert.equal(untyped.headers['content-type'], 'application/octet-stream');
  });
});

describe('buildFunction with npm dependencies', () => {
  it('installs a local file: dependency as a copy, and the handler can import it', async () => {
    const stack = await project({
      greeter: {
        files: {
          'handler.ts': "import { greet } from 'greet-lib';\nexport default async (event: { body: unknown }) => greet(String(event.body));\n",
          'package.json': JSON.stringify({ name: 'greeter', private: true, type: 'module', dependencies: { 'greet-lib': 'file:../lib/greet' } }),
        },
      },
    });
    const lib = path.join(stack.dir, 'lib', 'greet');
    await mkdir(lib, { recursive: true });
    await writeFile(path.join(lib, 'package.json'), JSON.stringify({ name: 'greet-lib', version: '1.0.0', type: 'module', main: 'index.js' }));
    await writeFile(path.join(lib, 'index.js'), "export function greet(name) { return `hi ${name} from greet-lib`; }\n");
    const steps: string[] = [];
    const bundle = await buildFunction(stack, fnOf(stack, 'greeter'), { onProgress: (step) => steps.push(step) });
    assert.ok(steps.includes('installing dependencies'));
    const installed = await lstat(path.join(bundle.dir, 'node_modules', 'greet-lib'));
    assert.ok(installed.isDirectory() && !installed.isSymbolicLink(), 'a copy, so the bundle can move');
    const replica = await startReplica(bundle);
    assert.equal((await call(replica.pool, 'POST', '/', 'Ada')).text, 'hi Ada from greet-lib');
  });

  it('reports a failing npm install with the end of its output', async () => {
    const stack = await project({
      needy: {
        files: {
          'handler.ts': 'export default async () => "x";\n',
          'package.json': JSON.stringify({ name: 'needy', private: true, dependencies: { missing: 'file:../does-not-exist' } }),
        },
      },
    });
    await assert.rejects(buildFunction(stack, fnOf(stack, 'needy')), (err: SluiceError) => {
      assert.equal(err.code, 'ERR_BUILD_FAILED');
      assert.match(err.message, /building "needy" failed: npm install exited with code [1-9]/);
      return true;
    });
  });
});

describe('packBundle', () => {
  it('gives the same bytes for the same folder, and unpacks to the same files', async () => {
    const dir = await tempDir('sluice-pack-');
    await mkdir(path.join(dir, 'b', 'nested'), { recursive: true });
    await writeFile(path.join(dir, 'b', 'nested', 'z.txt'), 'zed');
    await writeFile(path.join(dir, 'a.txt'), 'ay');
    await writeFile(path.join(dir, 'function.json'), '{}');
    const first = await packBundle(dir);
    const later = new Date(Date.now() + 3_600_000);
    await utimes(path.join(dir, 'a.txt'), later, later); // same content, another mtime
    const second = await packBundle(dir);
    assert.ok(first.equals(second), 'packing twice gave different bytes');
    assert.equal(first.subarray(0, 2).toString('hex'), '1f8b', 'gzip');

    const out = await tempDir('sluice-unpack-');
    await new Promise<void>((resolve, reject) => {
      const sink = extract({ cwd: out });
      sink.on('error', reject).on('close', resolve).on('finish', resolve);
      sink.end(first);
    });
    assert.equal(await readFile(path.join(out, 'b', 'nested', 'z.txt'), 'utf8'), 'zed');
    assert.equal(await readFile(path.join(out, 'a.txt'), 'utf8'), 'ay');
  });
});

describe('deploymentFor', () => {
  it('maps a stack function to a FunctionDeployment, leaving out empty maps', () => {
    const fn = { name: 'echo', environment: {}, labels: {}, annotations: {} };
    assert.deepEqual(deploymentFor(fn), { service: 'echo', image: 'echo:latest' });
  });

  it('carries image, fprocess, maps and the bundle annotation', () => {
    const fn = {
      name: 'cat',
      image: 'reg/cat:1',
      fprocess: 'cat',
      environment: { A: '1' },
      labels: { 'com.openfaas.scale.min': '1' },
      annotations: { topic: 'x' },
    };
    assert.deepEqual(deploymentFor(fn, 'sha256:abc'), {
      service: 'cat',
      image: 'reg/cat:1',
      envProcess: 'cat',
      envVars: { A: '1' },
      labels: { 'com.openfaas.scale.min': '1' },
      annotations: { topic: 'x', [BUNDLE_ANNOTATION]: 'sha256:abc' },
    });
  });

  it('carries secrets, limits, requests, constraints and readonly_root_filesystem under their OpenFaaS keys', () => {
    const fn = {
      name: 'ro',
      environment: {},
      labels: {},
      annotations: {},
      secrets: ['db'],
      limits: { memory: '128Mi' },
      requests: { memory: '64Mi', cpu: '50m' },
      constraints: ['node.platform.os == linux'],
      readOnlyRootFilesystem: false,
    };
    assert.deepEqual(deploymentFor(fn), {
      service: 'ro',
      image: 'ro:latest',
      secrets: ['db'],
      limits: { memory: '128Mi' },
      requests: { memory: '64Mi', cpu: '50m' },
      constraints: ['node.platform.os == linux'],
      readOnlyRootFilesystem: false,
    });
  });
});
