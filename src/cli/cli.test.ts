import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { CommanderError, InvalidArgumentError } from 'commander';
import { SluiceError, VERSION, errors } from '../api/index.js';
import { parseHeader, parseQuery, parseReplicas } from './_args.js';
import { answerError } from './_client.js';
import { EXIT, GatewayAnswerError, UsageError, exitCodeFor, formatError } from './_errors.js';
import { DEFAULT_GATEWAY, normalizeGatewayUrl, resolveGatewayUrl } from './_gateway-url.js';
import { formatFields, formatTable } from './_output.js';
import { formatDescription } from './commands/describe.js';
import { formatFunctionTable } from './commands/list.js';
import { runCli } from './program.js';
import type { CliIo } from './program.js';

/** An IO whose stdout/stderr are captured; cwd is a fresh temp dir unless given. */
function captureIo(overrides: Partial<CliIo> = {}): { io: CliIo; stdout: () => string; stderr: () => string } {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const sink = (chunks: Buffer[]): Writable =>
    new Writable({
      write(chunk: Buffer, _encoding, callback) {
        chunks.push(chunk);
        callback();
      },
    });
  const io: CliIo = { stdout: sink(out), stderr: sink(err), stdin: Readable.from([]), env: {}, cwd: workDir, isTTY: false, ...overrides };
  return { io, stdout: () => Buffer.concat(out).toString(), stderr: () => Buffer.concat(err).toString() };
}

/** A local URL on which nothing listens: a real "connection refused". */
async function closedGatewayUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

let workDir = '';
let refused = '';

before(async () => {
  workDir = await mkdtemp(path.join(tmpdir(), 'sluice-cli-'));
  refused = await closedGatewayUrl();
});
after(async () => {
  await rm(workDir, { recursive: true, force: true });
});

describe('resolveGatewayUrl', () => {
  it('prefers --gateway, then stack provider.gateway, then OPENFAAS_URL, then the default', () => {
    const env = { OPENFAAS_URL: 'http://env:1' };
    assert.equal(resolveGatewayUrl({ flag: 'http://flag:1', stack: 'http://stack:1', env }), 'http://flag:1');
    assert.equal(resolveGatewayUrl({ stack: 'http://stack:1', env }), 'http://stack:1');
    assert.equal(resolveGatewayUrl({ env }), 'http://env:1');
    assert.equal(resolveGatewayUrl({ env: {} }), DEFAULT_GATEWAY);
  });

  it('lets OPENFAAS_URL win over a stack gateway that is the default', () => {
    const env = { OPENFAAS_URL: 'http://env:1' };
    assert.equal(resolveGatewayUrl({ stack: 'http://127.0.0.1:8080/', env }), 'http://env:1');
    assert.equal(resolveGatewayUrl({ flag: 'http://127.0.0.1:8080', stack: 'http://stack:1', env }), 'http://127.0.0.1:8080');
  });

  it('treats empty values as not given', () => {
    assert.equal(resolveGatewayUrl({ flag: '', stack: ' ', env: { OPENFAAS_URL: '' } }), DEFAULT_GATEWAY);
  });

  it('trims trailing slashes and adds http:// when there is no scheme', () => {
    assert.equal(normalizeGatewayUrl('127.0.0.1:9090/'), 'http://127.0.0.1:9090');
    assert.equal(normalizeGatewayUrl(' https://gw.example.com// '), 'https://gw.example.com');
    assert.equal(normalizeGatewayUrl('http://gw:8080/openfaas/'), 'http://gw:8080/openfaas');
  });

  it('rejects what is not an http(s) URL as a usage error', () => {
    assert.throws(() => normalizeGatewayUrl('http://bad host'), UsageError);
    assert.throws(() => normalizeGatewayUrl('ftp://gw'), /only http:\/\/ and https:\/\//);
  });
});

describe('header and query flags', () => {
  it('splits -H on the first =', () => {
    assert.deepEqual(parseHeader('X-Token=a=b'), ['X-Token', 'a=b']);
    assert.deepEqual(parseHeader('X-Empty='), ['X-Empty', '']);
  });

  it('rejects -H without a key or =', () => {
    assert.throws(() => parseHeader('novalue'), InvalidArgumentError);
    assert.throws(() => parseHeader('=v'), InvalidArgumentError);
  });

  it('rejects --query with an empty value', () => {
    assert.deepEqual(parseQuery('page=2'), ['page', '2']);
    assert.deepEqual(parseQuery('q=a=b'), ['q', 'a=b']);
    assert.throws(() => parseQuery('page='), /empty value for "page"/);
    assert.throws(() => parseQuery('page'), InvalidArgumentError);
  });

  it('accepts only whole replica counts', () => {
    assert.equal(parseReplicas('0'), 0);
    assert.equal(parseReplicas('3'), 3);
    for (const bad of ['-1', '1.5', 'two', '']) assert.throws(() => parseReplicas(bad), InvalidArgumentError);
  });

  it('makes a bad --query a usage error before any request (exit 2)', async () => {
    const { io, stderr } = captureIo();
    const code = await runCli(['invoke', 'hello', '--query', 'page=', '-g', refused], io);
    assert.equal(code, EXIT.usage);
    assert.match(stderr(), /^Error: option '--query <key=value>' argument 'page=' is invalid/);
  });
});

describe('tables', () => {
  it('aligns columns to the widest cell without trailing blanks', () => {
    const text = formatTable([
      ['Function', 'Invocations', 'Replicas'],
      ['a-long-function-name', '12', '1'],
    ]);
    assert.equal(text, 'Function               Invocations   Replicas\na-long-function-name   12            1\n');
  });

  it('lays out list rows as faas-cli does, missing counts as 0', () => {
    const fns = [{ name: 'hello', image: 'hello:latest', namespace: 'openfaas-fn', createdAt: '', replicas: 2, availableReplicas: 1, invocationCount: 7 }];
    assert.deepEqual(formatFunctionTable(fns, false).split('\n')[1]?.split(/\s+/), ['hello', '7', '2']);
    const zero = [{ name: 'idle', image: 'idle:latest', namespace: 'openfaas-fn', createdAt: '' }];
    assert.deepEqual(formatFunctionTable(zero, true).split('\n').map((l) => l.split(/\s+/)), [
      ['Function', 'Image', 'Invocations', 'Replicas', 'Available'],
      ['idle', 'idle:latest', '0', '0', '0'],
      [''],
    ]);
  });

  it('aligns describe fields and lists map entries one a line', () => {
    assert.equal(formatFields([['Name', 'x'], ['Labels', ['a: 1', 'b: 2']], ['Annotations', []]]), 'Name:        x\nLabels:      a: 1\n             b: 2\nAnnotations: <none>\n');
  });

  it('describes a function with its status, URLs and maps', () => {
    const client = { functionUrl: (n: string) => `http://gw/function/${n}` };
    const text = formatDescription({ name: 'hello', image: 'hello:latest', namespace: 'openfaas-fn', createdAt: '2025-01-01T00:00:00Z', replicas: 1, availableReplicas: 1, envProcess: 'node index.mjs', labels: { team: 'a' } }, client);
    assert.match(text, /^Status: +Ready$/m);
    assert.match(text, /^Function process: +node index\.mjs$/m);
    assert.match(text, /^URL: +http:\/\/gw\/function\/hello$/m);
    assert.match(text, /^Labels: +team: a$/m);
    assert.match(text, /^Annotations: +<none>$/m);
    const down = formatDescription({ name: 'x', image: 'x', namespace: 'openfaas-fn', createdAt: '' }, client);
    assert.match(down, /^Status: +Not Ready$/m);
    assert.match(down, /^Available Replicas: +0$/m);
  });
});

describe('exit codes', () => {
  it('maps each kind of failure to its code', () => {
    assert.equal(exitCodeFor(new GatewayAnswerError(500, 'boom')), EXIT.failed);
    assert.equal(exitCodeFor(new UsageError('bad')), EXIT.usage);
    assert.equal(exitCodeFor(new CommanderError(1, 'commander.unknownOption', 'x')), EXIT.usage);
    assert.equal(exitCodeFor(new CommanderError(0, 'commander.helpDisplayed', 'x')), EXIT.ok);
    assert.equal(exitCodeFor(errors.invalidName('Bad')), EXIT.usage);
    assert.equal(exitCodeFor(errors.configInvalid(['port=abc: not a TCP port'])), EXIT.usage);
    assert.equal(exitCodeFor(errors.gatewayUnreachable('http://x', 'ECONNREFUSED')), EXIT.unreachable);
    assert.equal(exitCodeFor(errors.stackInvalid('stack.yml', ['x'])), EXIT.local);
    assert.equal(exitCodeFor(errors.templateNotFound('cobol', ['node-ts'])), EXIT.local);
    assert.equal(exitCodeFor(errors.buildFailed('hello', 'npm failed')), EXIT.local);
    assert.equal(exitCodeFor(new Error('anything else')), EXIT.failed);
  });

  it('turns a Sluice error body into its message, and quotes any other body', () => {
    const sluice = answerError(404, JSON.stringify(errors.functionNotFound('nope')));
    assert.equal(sluice.status, 404);
    assert.equal(sluice.code, 'ERR_FUNCTION_NOT_FOUND');
    assert.match(sluice.message, /^function "nope" not found/);
    assert.equal(answerError(401, 'invalid credentials\n').message, 'Server returned unexpected status code: 401 - invalid credentials');
  });

  it('prints one Error line, and the stack only when debugging', () => {
    const err = new SluiceError('ERR_X', 500, 'it broke', { cause: new Error('root cause') });
    assert.equal(formatError(err, false), 'Error: it broke\n');
    const debug = formatError(err, true);
    assert.match(debug, /^Error: it broke\n/);
    assert.match(debug, /root cause/);
    assert.match(debug, /cli\.test\.ts/);
  });
});

describe('runCli', () => {
  it('prints help on --help with exit 0', async () => {
    const { io, stdout } = captureIo();
    assert.equal(await runCli(['--help'], io), EXIT.ok);
    assert.match(stdout(), /^Usage: sluice/);
    for (const cmd of ['new', 'build', 'deploy', 'up', 'list|ls', 'describe', 'invoke', 'remove|rm', 'scale', 'version', 'serve']) {
      assert.ok(stdout().includes(cmd), cmd);
    }
  });

  it('prints the version on --version', async () => {
    const { io, stdout } = captureIo();
    assert.equal(await runCli(['--version'], io), EXIT.ok);
    assert.equal(stdout(), `${VERSION}\n`);
  });

  it('answers an unknown command or option with a usage error (exit 2)', async () => {
    const unknown = captureIo();
    assert.equal(await runCli(['frobnicate'], unknown.io), EXIT.usage);
    assert.match(unknown.stderr(), /^Error: unknown command 'frobnicate'/);
    const option = captureIo();
    assert.equal(await runCli(['list', '--nope'], option.io), EXIT.usage);
    assert.match(option.stderr(), /^Error: unknown option '--nope'/);
    const missing = captureIo();
    assert.equal(await runCli(['scale', 'hello'], missing.io), EXIT.usage);
    assert.match(missing.stderr(), /required option '-r, --replicas <n>' not specified/);
  });

  it('exits 3 with the hint when the gateway is unreachable', async () => {
    const { io, stderr, stdout } = captureIo();
    assert.equal(await runCli(['list', '-g', refused], io), EXIT.unreachable);
    assert.equal(stdout(), '');
    assert.equal(stderr(), `Error: cannot reach the gateway at ${refused} (ECONNREFUSED): is \`sluice serve\` running? Set --gateway or OPENFAAS_URL\n`);
  });

  it('takes the gateway from OPENFAAS_URL, and the global flag before the command', async () => {
    const env = captureIo({ env: { OPENFAAS_URL: `${refused}/` } });
    assert.equal(await runCli(['describe', 'hello'], env.io), EXIT.unreachable);
    assert.ok(env.stderr().includes(`gateway at ${refused} `));
    const before = captureIo({ env: { OPENFAAS_URL: 'http://127.0.0.1:1' } });
    assert.equal(await runCli(['-g', refused, 'scale', 'hello', '-r', '2'], before.io), EXIT.unreachable);
    assert.ok(before.stderr().includes(`gateway at ${refused} `));
  });

  it('takes the gateway from the stack file named with -f', async () => {
    const file = path.join(workDir, 'gw.yml');
    await writeFile(file, `provider:\n  name: openfaas\n  gateway: ${refused}\nfunctions: {}\n`);
    const { io, stderr } = captureIo({ env: { OPENFAAS_URL: 'http://127.0.0.1:1' } });
    assert.equal(await runCli(['list', '-f', 'gw.yml'], io), EXIT.unreachable);
    assert.ok(stderr().includes(`gateway at ${refused} `));
  });

  it('prints the client version and a note when the gateway is down, exit 0', async () => {
    const { io, stdout, stderr } = captureIo();
    assert.equal(await runCli(['version', '-g', refused], io), EXIT.ok);
    assert.match(stdout(), new RegExp(`^CLI\\n version: ${VERSION.replace(/\./g, '\\.')}\\n`));
    assert.match(stdout(), /status: +unavailable/);
    assert.match(stderr(), /^Note: cannot reach the gateway/);
    const json = captureIo();
    assert.equal(await runCli(['version', '--json', '-g', refused], json.io), EXIT.ok);
    const report = JSON.parse(json.stdout()) as { client: { version: string }; gateway: { url: string; info: unknown; error: string } };
    assert.equal(report.client.version, VERSION);
    assert.equal(report.gateway.url, refused);
    assert.equal(report.gateway.info, null);
    assert.match(report.gateway.error, /ECONNREFUSED/);
  });

  it('rejects bad serve flags before starting anything (exit 2)', async () => {
    const { io, stderr } = captureIo();
    assert.equal(await runCli(['serve', '--port', 'abc'], io), EXIT.usage);
    assert.match(stderr(), /^Error: invalid configuration:\n {2}port=abc: not a TCP port/);
  });

  it('exits 4 when the stack file is missing', async () => {
    const { io, stderr } = captureIo();
    assert.equal(await runCli(['deploy', '-f', 'nowhere.yml'], io), EXIT.local);
    assert.match(stderr(), /^Error: nowhere\.yml has errors:\n {2}file not found/);
  });

  it('exits 4 on an invalid stack file', async () => {
    await writeFile(path.join(workDir, 'bad.yml'), 'provider:\n  name: faas\nfunctions:\n  Bad_Name:\n    image: x\n');
    const { io, stderr } = captureIo();
    assert.equal(await runCli(['build', '-f', 'bad.yml'], io), EXIT.local);
    assert.match(stderr(), /^Error: .*bad\.yml has errors:/);
  });
});

describe('sluice new', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(path.join(workDir, 'new-'));
  });

  it('lists the templates with their descriptions', async () => {
    const { io, stdout } = captureIo({ cwd: dir });
    assert.equal(await runCli(['new', '--list'], io), EXIT.ok);
    assert.match(stdout(), /^Template +Mode +Also +Description\n/);
    assert.match(stdout(), /^node-ts +http +node20, node22, node18 +TypeScript on Node\.js/m);
    assert.match(stdout(), /^python3-http +http +.*handle\(event, context\)/m);
    const json = captureIo({ cwd: dir });
    assert.equal(await runCli(['new', '--list', '--json'], json.io), EXIT.ok);
    const templates = JSON.parse(json.stdout()) as { name: string; description: string; mode: string; aliases: string[] }[];
    assert.ok(templates.some((t) => t.name === 'node-ts' && t.mode === 'http' && t.aliases.includes('node20')));
    assert.deepEqual(templates.map((t) => t.name), ['bash', 'exec', 'node-ts', 'node-ts-classic', 'python3', 'python3-flask', 'python3-http']);
  });

  it('writes NAME.yml and the handler folder, and says what to run next', async () => {
    const { io, stdout } = captureIo({ cwd: dir, env: { OPENFAAS_URL: 'localhost:9999/' } });
    assert.equal(await runCli(['new', 'hello', '--lang', 'node-ts'], io), EXIT.ok);
    assert.equal(stdout(), 'Function created in folder: hello\nStack file written: hello.yml\n\nNext: sluice up -f hello.yml\n');
    const stack = await readFile(path.join(dir, 'hello.yml'), 'utf8');
    assert.match(stack, /gateway: http:\/\/localhost:9999\n/);
    assert.match(stack, /hello:\n {4}lang: node-ts\n {4}handler: \.\/hello\n {4}image: hello:latest\n/);
    assert.ok(existsSync(path.join(dir, 'hello', 'handler.ts')));
  });

  it('appends to a stack file with --append, with the image prefix', async () => {
    const { io, stdout } = captureIo({ cwd: dir });
    assert.equal(await runCli(['new', 'second', '--lang', 'node-ts', '--append', 'hello.yml', '-p', 'me'], io), EXIT.ok);
    assert.match(stdout(), /Stack file updated: hello\.yml\n\nNext: sluice up -f hello\.yml\n$/);
    const stack = await readFile(path.join(dir, 'hello.yml'), 'utf8');
    assert.match(stack, /second:\n {4}lang: node-ts\n {4}handler: \.\/second\n {4}image: me\/second:latest/);
  });

  it('refuses to overwrite a stack file or a folder', async () => {
    const again = captureIo({ cwd: dir });
    assert.equal(await runCli(['new', 'hello', '--lang', 'node-ts'], again.io), EXIT.usage);
    assert.match(again.stderr(), /^Error: hello\.yml already exists/);
    await mkdir(path.join(dir, 'taken'));
    const folder = captureIo({ cwd: dir });
    assert.equal(await runCli(['new', 'taken', '--lang', 'node-ts'], folder.io), EXIT.usage);
    assert.match(folder.stderr(), /^Error: folder taken already exists/);
    assert.equal(existsSync(path.join(dir, 'taken.yml')), false);
  });

  it('names the available templates when the lang is unknown (exit 4)', async () => {
    const { io, stderr } = captureIo({ cwd: dir });
    assert.equal(await runCli(['new', 'x', '--lang', 'cobol'], io), EXIT.local);
    assert.match(stderr(), /^Error: template "cobol" not found; available: .*node-ts/);
    assert.equal(existsSync(path.join(dir, 'x')), false);
  });

  it('rejects an invalid function name (exit 2) and a missing --lang', async () => {
    const bad = captureIo({ cwd: dir });
    assert.equal(await runCli(['new', 'Bad_Name', '--lang', 'node-ts'], bad.io), EXIT.usage);
    assert.match(bad.stderr(), /^Error: invalid function name "Bad_Name": use lower-case letters/);
    const nolang = captureIo({ cwd: dir });
    assert.equal(await runCli(['new', 'fine'], nolang.io), EXIT.usage);
    assert.match(nolang.stderr(), /^Error: --lang is required/);
    const noname = captureIo({ cwd: dir });
    assert.equal(await runCli(['new'], noname.io), EXIT.usage);
    assert.match(noname.stderr(), /^Error: a function name is required/);
  });
});

describe('sluice build', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(path.join(workDir, 'build-'));
    assert.equal(await runCli(['new', 'hello', '--lang', 'node-ts'], captureIo({ cwd: dir }).io), EXIT.ok);
  });

  it('prints progress on stderr only at a terminal, and the result on stdout', async () => {
    const tty = captureIo({ cwd: dir, isTTY: true });
    assert.equal(await runCli(['build', '-f', 'hello.yml'], tty.io), EXIT.ok);
    assert.match(tty.stderr(), /^Building hello…\n/);
    assert.equal(tty.stdout(), 'Built hello: build/hello\n');
    assert.ok(existsSync(path.join(dir, 'build', 'hello', 'function.json')));
    const pipe = captureIo({ cwd: dir, isTTY: false });
    assert.equal(await runCli(['build', '--shrinkwrap', '-f', 'hello.yml'], pipe.io), EXIT.ok);
    assert.equal(pipe.stderr(), '');
    assert.equal(pipe.stdout(), 'Built hello: build/hello (with Dockerfile)\n');
    assert.ok(existsSync(path.join(dir, 'build', 'hello', 'Dockerfile')), '--shrinkwrap writes the Dockerfile');
  });

  it('stops an up at an unreachable gateway after building (exit 3)', async () => {
    const { io, stdout, stderr } = captureIo({ cwd: dir, env: { OPENFAAS_URL: refused } });
    assert.equal(await runCli(['up', '-f', 'hello.yml'], io), EXIT.unreachable);
    assert.equal(stdout(), '');
    assert.match(stderr(), /^Error: cannot reach the gateway at /);
  });
});
