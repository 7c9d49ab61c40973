import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { CommanderError, InvalidArgumentError } from 'commander';
import { SluiceError, VERSION, errors } from '../api/index.js';
import type { CallRecord } from '../api/index.js';
import { parseDurationFlag, parseHeader, parseLimit, parsePort, parseQuery, parseReplicas, parseSince } from './_args.js';
import { answerError } from './_client.js';
import { CallStateError, EXIT, GatewayAnswerError, UsageError, exitCodeFor, formatError } from './_errors.js';
import { DEFAULT_GATEWAY, normalizeGatewayUrl, resolveGatewayUrl } from './_gateway-url.js';
import { formatFields, formatTable } from './_output.js';
import { outcomeOf } from './_wait.js';
import { formatCallRecord, formatCallTable, formatSeconds } from './commands/calls-format.js';
import { formatDescription } from './commands/describe.js';
import { formatFunctionTable } from './commands/list.js';
import { formatStoreTable } from './commands/store.js';
import type { StoreItem } from './_store.js';
import { runCli } from './program.js';
import { captureIo, closedGatewayUrl, fakeGateway } from './_test-support.js';

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
    const { io, stderr } = captureIo(workDir);
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
    const { io, stdout } = captureIo(workDir);
    assert.equal(await runCli(['--help'], io), EXIT.ok);
    assert.match(stdout(), /^Usage: sluice/);
    for (const cmd of ['new', 'build', 'deploy', 'up', 'list|ls', 'describe', 'invoke', 'calls', 'remove|rm', 'scale', 'version', 'serve']) {
      assert.ok(stdout().includes(cmd), cmd);
    }
  });

  it('prints the version on --version', async () => {
    const { io, stdout } = captureIo(workDir);
    assert.equal(await runCli(['--version'], io), EXIT.ok);
    assert.equal(stdout(), `${VERSION}\n`);
  });

  it('answers an unknown command or option with a usage error (exit 2)', async () => {
    const unknown = captureIo(workDir);
    assert.equal(await runCli(['frobnicate'], unknown.io), EXIT.usage);
    assert.match(unknown.stderr(), /^Error: unknown command 'frobnicate'/);
    const option = captureIo(workDir);
    assert.equal(await runCli(['list', '--nope'], option.io), EXIT.usage);
    assert.match(option.stderr(), /^Error: unknown option '--nope'/);
    const missing = captureIo(workDir);
    assert.equal(await runCli(['scale', 'hello'], missing.io), EXIT.usage);
    assert.match(missing.stderr(), /required option '-r, --replicas <n>' not specified/);
  });

  it('exits 3 with the hint when the gateway is unreachable', async () => {
    const { io, stderr, stdout } = captureIo(workDir);
    assert.equal(await runCli(['list', '-g', refused], io), EXIT.unreachable);
    assert.equal(stdout(), '');
    assert.equal(stderr(), `Error: cannot reach the gateway at ${refused} (ECONNREFUSED): is \`sluice serve\` running? Set --gateway or OPENFAAS_URL\n`);
  });

  it('takes the gateway from OPENFAAS_URL, and the global flag before the command', async () => {
    const env = captureIo(workDir, { env: { OPENFAAS_URL: `${refused}/` } });
    assert.equal(await runCli(['describe', 'hello'], env.io), EXIT.unreachable);
    assert.ok(env.stderr().includes(`gateway at ${refused} `));
    const before = captureIo(workDir, { env: { OPENFAAS_URL: 'http://127.0.0.1:1' } });
    assert.equal(await runCli(['-g', refused, 'scale', 'hello', '-r', '2'], before.io), EXIT.unreachable);
    assert.ok(before.stderr().includes(`gateway at ${refused} `));
  });

  it('takes the gateway from the stack file named with -f', async () => {
    const file = path.join(workDir, 'gw.yml');
    await writeFile(file, `provider:\n  name: openfaas\n  gateway: ${refused}\nfunctions: {}\n`);
    const { io, stderr } = captureIo(workDir, { env: { OPENFAAS_URL: 'http://127.0.0.1:1' } });
    assert.equal(await runCli(['list', '-f', 'gw.yml'], io), EXIT.unreachable);
    assert.ok(stderr().includes(`gateway at ${refused} `));
  });

  it('prints the client version and a note when the gateway is down, exit 0', async () => {
    const { io, stdout, stderr } = captureIo(workDir);
    assert.equal(await runCli(['version', '-g', refused], io), EXIT.ok);
    assert.match(stdout(), new RegExp(`^CLI\\n version: ${VERSION.replace(/\./g, '\\.')}\\n`));
    assert.match(stdout(), /status: +unavailable/);
    assert.match(stderr(), /^Note: cannot reach the gateway/);
    const json = captureIo(workDir);
    assert.equal(await runCli(['version', '--json', '-g', refused], json.io), EXIT.ok);
    const report = JSON.parse(json.stdout()) as { client: { version: string }; gateway: { url: string; info: unknown; error: string } };
    assert.equal(report.client.version, VERSION);
    assert.equal(report.gateway.url, refused);
    assert.equal(report.gateway.info, null);
    assert.match(report.gateway.error, /ECONNREFUSED/);
  });

  it('rejects bad serve flags before starting anything (exit 2)', async () => {
    const { io, stderr } = captureIo(workDir);
    assert.equal(await runCli(['serve', '--port', 'abc'], io), EXIT.usage);
    assert.match(stderr(), /^Error: invalid configuration:\n {2}port=abc: not a TCP port/);
  });

  it('rejects a bad worker --metrics-port or SLUICE_WORKER_METRICS_PORT before starting anything (exit 2)', async () => {
    const flag = captureIo(workDir);
    assert.equal(await runCli(['worker', '-g', refused, '--metrics-port', '70000'], flag.io), EXIT.usage);
    assert.match(flag.stderr(), /option '--metrics-port <port>' argument '70000' is invalid\. use a TCP port/);
    const env = captureIo(workDir, { env: { SLUICE_WORKER_METRICS_PORT: 'abc' } });
    assert.equal(await runCli(['worker', '-g', refused], env.io), EXIT.usage);
    assert.match(env.stderr(), /^Error: invalid configuration:\n {2}SLUICE_WORKER_METRICS_PORT=abc: not a TCP port/);
    assert.equal(parsePort(' 9102 '), 9102);
    assert.equal(parsePort('0'), 0);
    for (const bad of ['', '-1', '65536', '1.5', 'http']) assert.throws(() => parsePort(bad), InvalidArgumentError, bad);
  });

  it('exits 4 when the stack file is missing', async () => {
    const { io, stderr } = captureIo(workDir);
    assert.equal(await runCli(['deploy', '-f', 'nowhere.yml'], io), EXIT.local);
    assert.match(stderr(), /^Error: nowhere\.yml has errors:\n {2}file not found/);
  });

  it('exits 4 on an invalid stack file', async () => {
    await writeFile(path.join(workDir, 'bad.yml'), 'provider:\n  name: faas\nfunctions:\n  Bad_Name:\n    image: x\n');
    const { io, stderr } = captureIo(workDir);
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
    const { io, stdout } = captureIo(dir);
    assert.equal(await runCli(['new', '--list'], io), EXIT.ok);
    assert.match(stdout(), /^Template +Mode +Also +Description\n/);
    assert.match(stdout(), /^node-ts +http +node20, node22, node18 +TypeScript on Node\.js/m);
    assert.match(stdout(), /^python3-http +http +.*handle\(event, context\)/m);
    const json = captureIo(dir);
    assert.equal(await runCli(['new', '--list', '--json'], json.io), EXIT.ok);
    const templates = JSON.parse(json.stdout()) as { name: string; description: string; mode: string; aliases: string[] }[];
    assert.ok(templates.some((t) => t.name === 'node-ts' && t.mode === 'http' && t.aliases.includes('node20')));
    assert.deepEqual(templates.map((t) => t.name), ['bash', 'exec', 'node-ts', 'node-ts-classic', 'python3', 'python3-flask', 'python3-http', 'workflow']);
  });

  it('writes NAME.yml and the handler folder, and says what to run next', async () => {
    const { io, stdout } = captureIo(dir, { env: { OPENFAAS_URL: 'localhost:9999/' } });
    assert.equal(await runCli(['new', 'hello', '--lang', 'node-ts'], io), EXIT.ok);
    assert.equal(stdout(), 'Function created in folder: hello\nStack file written: hello.yml\n\nNext: sluice up -f hello.yml\n');
    const stack = await readFile(path.join(dir, 'hello.yml'), 'utf8');
    assert.match(stack, /gateway: http:\/\/localhost:9999\n/);
    assert.match(stack, /hello:\n {4}lang: node-ts\n {4}handler: \.\/hello\n {4}image: hello:latest\n/);
    assert.ok(existsSync(path.join(dir, 'hello', 'handler.ts')));
  });

  it('appends to a stack file with --append, with the image prefix', async () => {
    const { io, stdout } = captureIo(dir);
    assert.equal(await runCli(['new', 'second', '--lang', 'node-ts', '--append', 'hello.yml', '-p', 'me'], io), EXIT.ok);
    assert.match(stdout(), /Stack file updated: hello\.yml\n\nNext: sluice up -f hello\.yml\n$/);
    const stack = await readFile(path.join(dir, 'hello.yml'), 'utf8');
    assert.match(stack, /second:\n {4}lang: node-ts\n {4}handler: \.\/second\n {4}image: me\/second:latest/);
  });

  it('refuses to overwrite a stack file or a folder', async () => {
    const again = captureIo(dir);
    assert.equal(await runCli(['new', 'hello', '--lang', 'node-ts'], again.io), EXIT.usage);
    assert.match(again.stderr(), /^Error: hello\.yml already exists/);
    await mkdir(path.join(dir, 'taken'));
    const folder = captureIo(dir);
    assert.equal(await runCli(['new', 'taken', '--lang', 'node-ts'], folder.io), EXIT.usage);
    assert.match(folder.stderr(), /^Error: folder taken already exists/);
    assert.equal(existsSync(path.join(dir, 'taken.yml')), false);
  });

  it('names the available templates when the lang is unknown (exit 4)', async () => {
    const { io, stderr } = captureIo(dir);
    assert.equal(await runCli(['new', 'x', '--lang', 'cobol'], io), EXIT.local);
    assert.match(stderr(), /^Error: template "cobol" not found; available: .*node-ts/);
    assert.equal(existsSync(path.join(dir, 'x')), false);
  });

  it('rejects an invalid function name (exit 2) and a missing --lang', async () => {
    const bad = captureIo(dir);
    assert.equal(await runCli(['new', 'Bad_Name', '--lang', 'node-ts'], bad.io), EXIT.usage);
    assert.match(bad.stderr(), /^Error: invalid function name "Bad_Name": use lower-case letters/);
    const nolang = captureIo(dir);
    assert.equal(await runCli(['new', 'fine'], nolang.io), EXIT.usage);
    assert.match(nolang.stderr(), /^Error: --lang is required/);
    const noname = captureIo(dir);
    assert.equal(await runCli(['new'], noname.io), EXIT.usage);
    assert.match(noname.stderr(), /^Error: a function name is required/);
  });
});

describe('sluice build', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(path.join(workDir, 'build-'));
    assert.equal(await runCli(['new', 'hello', '--lang', 'node-ts'], captureIo(dir).io), EXIT.ok);
  });

  it('prints progress on stderr only at a terminal, and the result on stdout', async () => {
    const tty = captureIo(dir, { isTTY: true });
    assert.equal(await runCli(['build', '-f', 'hello.yml'], tty.io), EXIT.ok);
    assert.match(tty.stderr(), /^Building hello…\n/);
    assert.equal(tty.stdout(), 'Built hello: build/hello\n');
    assert.ok(existsSync(path.join(dir, 'build', 'hello', 'function.json')));
    const pipe = captureIo(dir, { isTTY: false });
    assert.equal(await runCli(['build', '--shrinkwrap', '-f', 'hello.yml'], pipe.io), EXIT.ok);
    assert.equal(pipe.stderr(), '');
    assert.equal(pipe.stdout(), 'Built hello: build/hello (with Dockerfile)\n');
    assert.ok(existsSync(path.join(dir, 'build', 'hello', 'Dockerfile')), '--shrinkwrap writes the Dockerfile');
  });

  it('stops an up at an unreachable gateway after building (exit 3)', async () => {
    const { io, stdout, stderr } = captureIo(dir, { env: { OPENFAAS_URL: refused } });
    assert.equal(await runCli(['up', '-f', 'hello.yml'], io), EXIT.unreachable);
    assert.equal(stdout(), '');
    assert.match(stderr(), /^Error: cannot reach the gateway at /);
  });
});

/** A call record as the gateway answers it, with the fields a test cares about. */
function callRecord(fields: Partial<CallRecord> = {}): CallRecord {
  return { callId: 'c1', function: 'pi', queue: 'faas-request', status: 'succeeded', attempts: 1, statusCode: 200, timings: { queued: '2026-11-28T01:13:39.310Z', started: '2026-11-28T01:13:39.313Z', finished: '2026-11-28T01:13:39.328Z', durationSeconds: 0.0135 }, ...fields };
}

describe('async call flags', () => {
  it('parses durations as seconds or Go durations', () => {
    assert.equal(parseDurationFlag('30'), 30_000);
    assert.equal(parseDurationFlag('1m30s'), 90_000);
    assert.equal(parseDurationFlag('500ms'), 500);
    assert.equal(parseDurationFlag('1.5h'), 5_400_000);
    for (const bad of ['', 'abc', '5 m', '10x', '-1s', 's']) assert.throws(() => parseDurationFlag(bad), InvalidArgumentError, bad);
  });

  it('takes --since as a duration or an ISO time, and --limit from 1 to 1000', () => {
    assert.equal(parseSince(' 1h '), '1h');
    assert.equal(parseSince('2026-11-28T10:00:00Z'), '2026-11-28T10:00:00Z');
    assert.throws(() => parseSince('yesterday'), /a duration back from now/);
    assert.equal(parseLimit('1000'), 1000);
    for (const bad of ['0', '1001', '2.5', 'ten']) assert.throws(() => parseLimit(bad), InvalidArgumentError, bad);
  });

  it('rejects async-only invoke flags without --async, and --json with --wait (exit 2)', async () => {
    for (const flags of [['--wait'], ['--callback-url', 'http://x/'], ['--idempotency-key', 'k'], ['--json']]) {
      const { io, stderr } = captureIo(workDir);
      assert.equal(await runCli(['invoke', 'pi', ...flags, '-g', refused], io), EXIT.usage, flags.join(' '));
      assert.match(stderr(), new RegExp(`^Error: ${flags[0]} goes with --async`));
    }
    const both = captureIo(workDir);
    assert.equal(await runCli(['invoke', 'pi', '--async', '--wait', '--json', '-g', refused], both.io), EXIT.usage);
    assert.match(both.stderr(), /^Error: --json prints the call id; with --wait/);
  });

  it('rejects a bad --status, --limit or --timeout before any request (exit 2)', async () => {
    for (const args of [['calls', 'list', '--status', 'done'], ['calls', 'list', '--limit', '0'], ['calls', 'wait', 'c1', '--timeout', 'soon']]) {
      const { io, stderr } = captureIo(workDir);
      assert.equal(await runCli([...args, '-g', refused], io), EXIT.usage, args.join(' '));
      assert.match(stderr(), /^Error: option '--/);
    }
  });
});

describe('call records', () => {
  it('lays out the calls list table, missing values as -', () => {
    const text = formatCallTable([
      callRecord({ callback: { url: 'http://cb/', status: 'delivered', attempts: 1, statusCode: 200 } }),
      callRecord({ callId: 'c2', status: 'queued', attempts: 0, statusCode: undefined, timings: { queued: '2026-11-28T01:14:00Z' } }),
    ]);
    assert.deepEqual(text.split('\n').map((l) => l.split(/ {2,}/)), [
      ['CALL ID', 'FUNCTION', 'STATUS', 'CODE', 'ATTEMPTS', 'QUEUED', 'DURATION', 'CALLBACK'],
      ['c1', 'pi', 'succeeded', '200', '1', '2026-11-28T01:13:39Z', '14ms', 'delivered'],
      ['c2', 'pi', 'queued', '-', '0', '2026-11-28T01:14:00Z', '-', '-'],
      [''],
    ]);
  });

  it('shows one call as fields, with error and callback only when there are some', () => {
    const plain = formatCallRecord(callRecord());
    assert.match(plain, /^Call ID: +c1\nFunction: +pi\nQueue: +faas-request\nStatus: +succeeded\nStatus code: +200\nAttempts: +1\n/);
    assert.match(plain, /^Duration: +14ms$/m);
    assert.doesNotMatch(plain, /^(Error|Callback):/m);
    const dead = formatCallRecord(callRecord({ status: 'dead', statusCode: 500, error: 'gave up after 3 attempt(s)', callback: { url: 'http://cb/', status: 'failed', attempts: 2, error: 'ECONNREFUSED' } }));
    assert.match(dead, /^Error: +gave up after 3 attempt\(s\)$/m);
    assert.match(dead, /^Callback: +http:\/\/cb\/ \(failed, 2 attempt\(s\)\)$/m);
    assert.match(dead, /^Callback error: +ECONNREFUSED$/m);
    assert.match(formatCallRecord(callRecord({ status: 'queued', attempts: 0, timings: { queued: 'x' } })), /^Started: +-\nFinished: +-\nDuration: +-$/m);
  });

  it('formats durations for people', () => {
    assert.deepEqual([0.0004, 0.85, 0.9996, 2.345, 59.999, 65, 7380].map(formatSeconds), ['0ms', '850ms', '1.00s', '2.35s', '1m00s', '1m05s', '2h03m']);
  });

  it('says why a call ended, with the next step', () => {
    assert.match(outcomeOf(callRecord({ status: 'dead', statusCode: 503 })), /^call c1 is dead: the last attempt answered 503; retry it with `sluice calls redrive --function pi`$/);
    assert.match(outcomeOf(callRecord({ status: 'failed', statusCode: 400 })), /^call c1 failed: the function answered 400; see its answer with `sluice calls result c1`$/);
    assert.equal(outcomeOf(callRecord({ status: 'cancelled' })), 'call c1 was cancelled before it ran');
    assert.match(outcomeOf(callRecord({ status: 'running', attempts: 2 })), /^call c1 is still running \(attempt 2\) and has no result yet: wait for it with `sluice calls wait c1`$/);
  });

  it('exits 1 for a finished call that went wrong, 5 for one still going', () => {
    assert.equal(exitCodeFor(new CallStateError(callRecord({ status: 'dead' }), 'x')), EXIT.failed);
    assert.equal(exitCodeFor(new CallStateError(callRecord({ status: 'cancelled' }), 'x')), EXIT.failed);
    assert.equal(exitCodeFor(new CallStateError(callRecord({ status: 'running' }), 'x')), EXIT.unfinished);
    assert.equal(exitCodeFor(new CallStateError(callRecord({ status: 'queued' }), 'x')), EXIT.unfinished);
  });
});

describe('sluice calls and invoke --async against a fake gateway', () => {
  const seen: IncomingMessage[] = [];
  const records: Record<string, CallRecord> = {
    slow: callRecord({ callId: 'slow', status: 'running', statusCode: undefined, timings: { queued: '2026-11-28T01:13:39Z' } }),
    gone: callRecord({ callId: 'gone', status: 'cancelled', attempts: 0, statusCode: undefined }),
    own409: callRecord({ callId: 'own409', status: 'failed', statusCode: 409 }),
    bytes: callRecord({ callId: 'bytes' }),
  };
  const BYTES = Buffer.from([0, 1, 2, 0xff, 0xfe, 10, 13]);

  /** Answers as the real gateway does: the function's response with X-Function-Status, or a JSON error. */
  function answer(req: IncomingMessage, res: ServerResponse): void {
    seen.push(req);
    const notReady = (): void => {
      res.writeHead(409, { 'content-type': 'application/json', 'x-sluice-error': 'ERR_RESULT_NOT_READY' });
      res.end(JSON.stringify({ code: 'ERR_RESULT_NOT_READY', message: 'not ready' }));
    };
    const url = new URL(req.url ?? '/', 'http://x');
    const [, , , id, result] = url.pathname.split('/');
    if (req.method === 'POST' && url.pathname === '/async-function/pi') {
      res.writeHead(202, { 'x-call-id': 'bytes', 'x-start-time': '1' }).end();
    } else if (url.pathname.startsWith('/system/calls/') && id && records[id]) {
      if (!result) res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(records[id]));
      else if (id === 'own409') res.writeHead(409, { 'x-function-status': '409', 'x-call-id': id }).end('conflict, says the function');
      else if (id === 'bytes') res.writeHead(200, { 'x-function-status': '200', 'x-call-id': id }).end(BYTES);
      else notReady();
    } else {
      res.writeHead(404, { 'content-type': 'application/json', 'x-sluice-error': 'ERR_CALL_NOT_FOUND' }).end(JSON.stringify({ code: 'ERR_CALL_NOT_FOUND', message: `no async call "${id}"` }));
    }
  }

  const gateway = fakeGateway(answer);

  it("prints the call id, sending the callback URL and idempotency key as headers", async () => {
    const { io, stdout } = captureIo(workDir, { stdin: Readable.from([Buffer.from('body')]) });
    assert.equal(await runCli(['invoke', 'pi', '-a', '--callback-url', 'http://cb/', '--idempotency-key', 'k1', '-g', gateway.url()], io), EXIT.ok);
    assert.equal(stdout(), 'bytes\n');
    const sent = seen.at(-1);
    assert.equal(sent?.headers['x-callback-url'], 'http://cb/');
    assert.equal(sent?.headers['idempotency-key'], 'k1');
  });

  it('waits with --wait and writes the result byte for byte, progress only at a terminal', async () => {
    const chunks: Buffer[] = [];
    const tty = captureIo(workDir, { isTTY: true });
    tty.io.stdout = new Writable({ write: (chunk: Buffer, _e, cb) => (chunks.push(chunk), cb()) });
    assert.equal(await runCli(['invoke', 'pi', '--async', '--wait', '-g', gateway.url()], tty.io), EXIT.ok);
    assert.deepEqual(Buffer.concat(chunks), BYTES);
    assert.match(tty.stderr(), /^Queued call bytes; waiting/);
  });

  it("tells the function's own 409 from a result not ready", async () => {
    const own = captureIo(workDir);
    assert.equal(await runCli(['calls', 'result', 'own409', '-g', gateway.url()], own.io), EXIT.failed);
    assert.equal(own.stderr(), 'Error: Server returned unexpected status code: 409 - conflict, says the function\n');
    const slow = captureIo(workDir);
    assert.equal(await runCli(['calls', 'result', 'slow', '-g', gateway.url()], slow.io), EXIT.unfinished);
    assert.match(slow.stderr(), /^Error: call slow is still running \(attempt 1\) and has no result yet: wait for it with `sluice calls wait slow`\n$/);
    const gone = captureIo(workDir);
    assert.equal(await runCli(['calls', 'result', 'gone', '-g', gateway.url()], gone.io), EXIT.failed);
    assert.match(gone.stderr(), /^Error: call gone was cancelled before it ran: it has no result\n$/);
  });

  it('prints the last record and exits 5 when calls wait times out', async () => {
    const { io, stdout, stderr } = captureIo(workDir);
    assert.equal(await runCli(['calls', 'wait', 'slow', '--timeout', '0', '--json', '-g', gateway.url()], io), EXIT.unfinished);
    assert.equal((JSON.parse(stdout()) as CallRecord).status, 'running');
    assert.match(stderr(), /^Error: call slow is still running after 0ms: wait longer with --timeout/);
    const failed = captureIo(workDir);
    assert.equal(await runCli(['calls', 'wait', 'own409', '-g', gateway.url()], failed.io), EXIT.failed);
    assert.match(failed.stdout(), /^Status: +failed$/m);
    assert.match(failed.stderr(), /^Error: call own409 failed: the function answered 409/);
  });

  it('quotes the gateway on an unknown call (exit 1)', async () => {
    const { io, stderr } = captureIo(workDir);
    assert.equal(await runCli(['calls', 'get', 'nope', '-g', gateway.url()], io), EXIT.failed);
    assert.equal(stderr(), 'Error: no async call "nope"\n');
  });
});

describe('sluice store (the shipped functions, or a local stack with --url)', () => {
  /** A folder holding `file` with one image-only function, `cat-fn`, described as `description`. */
  async function storeDir(file: string, description: string): Promise<string> {
    const dir = await mkdtemp(path.join(workDir, 'store-'));
    const yaml = `provider:\n  name: openfaas\nfunctions:\n  cat-fn:\n    image: cat\n    fprocess: cat\n    annotations:\n      description: "${description}"\n`;
    await writeFile(path.join(dir, file), yaml);
    return dir;
  }

  it('gives every shipped function a one-line description (functions/stack.yml\'s convention)', async () => {
    const { io, stdout } = captureIo(workDir);
    assert.equal(await runCli(['store', 'list', '--json'], io), EXIT.ok);
    const items = JSON.parse(stdout()) as StoreItem[];
    assert.ok(['echo', 'pi'].every((name) => items.some((item) => item.name === name)), 'echo and pi are in the store');
    for (const item of items) {
      const hint = `functions/stack.yml: give ${item.name} "annotations: { description: ... }", one line, at most 60 characters, no final period`;
      assert.match(item.description, /^[^\n]{1,60}(?<!\.)$/, hint);
    }
  });

  it('lists FUNCTION, LANG and DESCRIPTION, cutting long descriptions unless verbose', () => {
    const item = (name: string, description: string): StoreItem => ({ name, description, lang: 'node-ts', environment: {}, labels: {}, annotations: {} });
    const long = 'x'.repeat(70);
    const items = [item('short', 'Says hi'), item('long', long), { ...item('img', ''), lang: undefined }];
    const table = formatStoreTable(items, false);
    assert.equal(table.split('\n')[0], 'FUNCTION   LANG      DESCRIPTION');
    assert.match(table, /^short +node-ts +Says hi$/m);
    assert.match(table, new RegExp(`^long +node-ts +${'x'.repeat(59)}…$`, 'm'));
    assert.match(table, /^img +-$/m);
    assert.match(formatStoreTable(items, true), new RegExp(`${long}$`, 'm'));
  });

  it('reads another store with --url: a folder (stack.yaml first), a stack file, a file: URL', async () => {
    const dir = await storeDir('stack.yml', 'Cats');
    await writeFile(path.join(dir, 'stack.yaml'), (await readFile(path.join(dir, 'stack.yml'), 'utf8')).replace('Cats', 'Cats from stack.yaml'));
    const cases: [url: string, description: string][] = [
      [path.basename(dir), 'Cats from stack.yaml'],
      [path.join(dir, 'stack.yml'), 'Cats'],
      [pathToFileURL(dir).href, 'Cats from stack.yaml'],
    ];
    for (const [url, description] of cases) {
      const { io, stdout } = captureIo(path.dirname(dir));
      assert.equal(await runCli(['store', '--url', url, 'list'], io), EXIT.ok);
      assert.match(stdout(), new RegExp(`^cat-fn +- +${description}$`, 'm'), url);
    }
  });

  it('describes a function with its future URL on the gateway in use', async () => {
    const dir = await storeDir('stack.yml', 'Cats');
    const { io, stdout } = captureIo(workDir);
    assert.equal(await runCli(['store', 'describe', 'cat-fn', '-u', dir, '-g', 'http://gw:9'], io), EXIT.ok);
    assert.match(stdout(), /^Description: +Cats$/m);
    assert.match(stdout(), /^Function process: +cat$/m);
    assert.match(stdout(), /^URL: +http:\/\/gw:9\/function\/cat-fn$/m);
    const json = captureIo(workDir);
    assert.equal(await runCli(['store', 'inspect', 'pi', '--json', '-g', 'http://gw:9'], json.io), EXIT.ok);
    const pi = JSON.parse(json.stdout()) as StoreItem & { url: string; store: string };
    assert.equal(pi.url, 'http://gw:9/function/pi');
    assert.equal(pi.lang, 'node-ts');
    assert.ok(existsSync(path.join(pi.handler as string, 'handler.ts')), 'handler is the absolute folder');
    assert.ok(pi.store.endsWith(path.join('functions', 'stack.yml')));
  });

  it('names the available functions when the name is unknown (exit 2)', async () => {
    for (const command of ['describe', 'deploy']) {
      const { io, stderr } = captureIo(workDir);
      assert.equal(await runCli(['store', command, 'nope', '-g', refused], io), EXIT.usage);
      assert.match(stderr(), /^Error: no function "nope" in the store .*functions\/stack\.yml; available: echo, pi/);
    }
  });

  it('refuses remote stores (exit 2) and a missing one (exit 4)', async () => {
    const remote = captureIo(workDir);
    assert.equal(await runCli(['store', 'list', '--url', 'https://raw.githubusercontent.com/openfaas/store/master/functions.json'], remote.io), EXIT.usage);
    assert.match(remote.stderr(), /only local stores are supported/);
    const missing = captureIo(workDir);
    assert.equal(await runCli(['store', 'list', '--url', 'nowhere'], missing.io), EXIT.local);
    assert.match(missing.stderr(), /nowhere has errors:\n {2}file not found/);
  });

  it('checks deploy flags before building anything (exit 2)', async () => {
    const alias = captureIo(workDir);
    assert.equal(await runCli(['store', 'deploy', 'pi', '--name', 'Bad_Name', '-g', refused], alias.io), EXIT.usage);
    assert.match(alias.stderr(), /invalid function name "Bad_Name"/);
    const env = captureIo(workDir);
    assert.equal(await runCli(['store', 'deploy', 'pi', '-e', 'novalue', '-g', refused], env.io), EXIT.usage);
    assert.match(env.stderr(), /use the form key=value, e\.g\. -e KEY=value/);
    const both = captureIo(workDir);
    assert.equal(await runCli(['store', 'deploy', 'pi', '--replace', '--update', '-g', refused], both.io), EXIT.usage);
  });

  it('deploys an image-only function without building, and stops at an unreachable gateway (exit 3)', async () => {
    const dir = await storeDir('stack.yml', 'Cats');
    const { io, stderr } = captureIo(workDir);
    assert.equal(await runCli(['store', 'deploy', 'cat-fn', '-u', dir, '-g', refused], io), EXIT.unreachable);
    assert.match(stderr(), /cannot reach the gateway/);
  });
});
