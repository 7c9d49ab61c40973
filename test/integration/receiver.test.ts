/**
 * `sluice receiver`, the article's callback receiver (its Flask pil-draft-client) and request bin:
 * a real `sluice serve` with the shipped functions posts async callbacks to real receiver processes.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { request } from 'node:http';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { CallRecord } from '../../src/api/index.js';
import type { MessageRecord, MessageSummary } from '../../src/cli/receiver/index.js';
import { CLI, ROOT, cleanup, eventually, startSluice, tempDir, waitAvailable, type SluiceNode } from '../harness.js';

const KEY = 'receiver-test-key';
/** Werkzeug's access line, as the article's receiver logged it. */
const LOG_LINE = /^127\.0\.0\.1 - - \[\d{2}\/[A-Z][a-z]{2}\/\d{4} \d{2}:\d{2}:\d{2}\] "(\S+) (\S+) HTTP\/1\.1" (\d{3}) -$/;

let gateway: SluiceNode;
/** Has the gateway's key: every callback to it is verified. */
let signed: ReceiverProcess;
/** Has another key: every callback to it is refused. */
let wrongKey: ReceiverProcess;

describe('sluice receiver', () => {
  before(async () => {
    gateway = await startSluice({
      args: ['--stack', path.join(ROOT, 'functions', 'stack.yml')],
      env: { SLUICE_CALLBACK_KEY: KEY, callback_retry_attempts: '2' },
    });
    [signed, wrongKey] = await Promise.all([startReceiverProcess(['--key', KEY]), startReceiverProcess([], { SLUICE_CALLBACK_KEY: 'another-key' })]);
    await Promise.all([waitAvailable(gateway, 'echo'), waitAvailable(gateway, 'pi')]);
  });
  after(async () => {
    await Promise.all(receivers.splice(0).map((r) => r.stop('SIGKILL')));
    await cleanup();
  });

  it('prints where it listens and saves, and answers GET /healthz', async () => {
    assert.match(signed.output(), /^Sluice receiver listening on http:\/\/127\.0\.0\.1:\d+ and saving to \S+ \(X-Sluice-Signature checked\)$/m);
    assert.equal((await fetch(`${signed.url}/healthz`)).status, 200);
  });

  it("saves a callback's binary body byte for byte at <dir>/<name>, its headers beside it", async () => {
    const image = randomBytes(64 * 1024); // under the node-ts template's MAX_RAW_SIZE (100kb)
    const callId = await callAsync('echo', image, `${signed.url}/messages/political-world-map-draft.jpg`, { 'content-type': 'image/jpeg' });
    const [saved] = await waitForMessages(signed, (m) => m.callId === callId);
    assert.ok(saved);
    assert.equal(saved.name, 'political-world-map-draft.jpg');
    assert.deepEqual(await readFile(path.join(signed.dir, 'political-world-map-draft.jpg')), image);
    const record = JSON.parse(await readFile(path.join(signed.dir, 'political-world-map-draft.jpg.headers.json'), 'utf8')) as MessageRecord;
    assert.equal(record.method, 'POST');
    assert.equal(record.path, '/messages/political-world-map-draft.jpg');
    assert.equal(record.size, image.length);
    assert.equal(record.contentType, 'image/jpeg');
    assert.equal(record.functionStatus, 200);
    assert.equal(record.verified, true);
    assert.ok(!Number.isNaN(Date.parse(record.receivedAt)));
    assert.equal(record.headers['x-call-id'], callId);
    assert.equal(record.headers['x-function-status'], '200');
    assert.equal(record.headers['x-function-name'], 'echo');
    assert.match(String(record.headers['x-sluice-signature']), /^t=\d+,v1=[0-9a-f]{64}$/);

    const served = await fetch(`${signed.url}/messages/political-world-map-draft.jpg`);
    assert.equal(served.status, 200);
    assert.equal(served.headers.get('content-type'), 'image/jpeg');
    assert.deepEqual(Buffer.from(await served.arrayBuffer()), image);
    await eventually(() => signed.lines().some((line) => LOG_LINE.test(line) && line.endsWith('"POST /messages/political-world-map-draft.jpg HTTP/1.1" 200 -')), 5000, 'the log line');
  });

  it("keeps the article's three callback forms of pi — /messages/pi-<i>, /<i>, /?accuracy=<i> — and lists them", async () => {
    const digits = [1, 2, 3, 4, 5];
    const forms = (i: number): string[] => [`/messages/pi-${i}`, `/${i}`, `/?accuracy=${i}`];
    const expected = new Map<string, { url: string; body: string }>();
    await Promise.all(
      digits.flatMap((i) =>
        forms(i).map(async (form) => {
          const body = `${i}\n\n`;
          const callId = await callAsync('pi', body, `${signed.url}${form}`, { 'content-type': 'text/plain' });
          const answer = await (await fetch(`${gateway.url}/function/pi`, { method: 'POST', body })).text();
          expected.set(callId, { url: form, body: answer });
        }),
      ),
    );
    const saved = await waitForMessages(signed, (m) => expected.has(m.callId ?? ''), expected.size);
    for (const message of saved) {
      const want = expected.get(message.callId as string);
      assert.ok(want);
      const url = message.query === '' ? message.path : `${message.path}?${message.query}`;
      assert.equal(url, want.url, message.name);
      assert.equal(message.functionStatus, 200);
      assert.equal(message.verified, true);
      assert.equal(await readFile(path.join(signed.dir, message.name), 'utf8'), want.body, message.name);
      if (url.startsWith('/messages/')) assert.equal(message.name, url.slice('/messages/'.length));
      else assert.match(message.name, url.startsWith('/?') ? /^requests\/\d{6}-accuracy=\d$/ : /^requests\/\d{6}-\d$/);
    }
    const listed = await listMessages(signed);
    assert.deepEqual(
      listed.map((m) => m.receivedAt),
      listed.map((m) => m.receivedAt).sort(),
      'newest last',
    );
    const bin = await fetch(`${signed.url}/messages/${saved.find((m) => m.query === 'accuracy=3')?.name}`);
    assert.equal(bin.status, 200);
    assert.match(await bin.text(), /^3 3\.1/);
    const loggedOnce = (form: string): boolean => signed.lines().filter((line) => LOG_LINE.test(line) && line.endsWith(`"POST ${form} HTTP/1.1" 200 -`)).length === 1;
    await eventually(() => digits.every((i) => forms(i).every(loggedOnce)), 5000, 'one log line per callback');
  });

  it('refuses a callback signed with another key (401, nothing saved); the gateway retries, then records the failure', async () => {
    const callId = await callAsync('echo', 'not for you', `${wrongKey.url}/messages/secret.txt`);
    const record = await eventually(async () => {
      const call = (await (await fetch(`${gateway.url}/system/calls/${callId}`)).json()) as CallRecord;
      return call.callback?.status === 'failed' && call;
    }, 15_000, 'the callback to fail');
    assert.equal(record.callback?.attempts, 2);
    assert.equal(record.callback?.statusCode, 401);
    await eventually(() => wrongKey.lines().filter((line) => line.endsWith('"POST /messages/secret.txt HTTP/1.1" 401 -')).length === 2, 5000, 'two 401 lines');
    assert.match(wrongKey.errors(), /X-Sluice-Signature does not match/);
    assert.equal(existsSync(path.join(wrongKey.dir, 'secret.txt')), false);
    assert.deepEqual(await listMessages(wrongKey), []);
  });

  it('refuses an unsigned request when it has a key', async () => {
    const res = await fetch(`${signed.url}/messages/unsigned.txt`, { method: 'POST', body: 'hand-made' });
    assert.equal(res.status, 401);
    assert.equal(res.headers.get('x-sluice-error'), 'ERR_SIGNATURE_INVALID');
    assert.match(((await res.json()) as { message: string }).message, /X-Sluice-Signature is missing; nothing was saved/);
    assert.equal(existsSync(path.join(signed.dir, 'unsigned.txt')), false);
  });

  it('without a key: takes any request, logs JSON lines with --json, and survives what it cannot save (507, 413)', async () => {
    const open = await startReceiverProcess(['--json', '--max-body-size', '1Ki']);
    assert.deepEqual(JSON.parse(open.lines()[0] as string), { event: 'listening', url: open.url, dir: open.dir, verifying: false });
    const saved = await fetch(`${open.url}/messages/notes/unsigned.txt`, { method: 'PUT', body: 'hand-made', headers: { 'x-call-id': 'c-1' } });
    assert.equal(saved.status, 200);
    assert.deepEqual(await saved.json(), { name: 'notes/unsigned.txt', size: 9, verified: false });
    assert.equal(await readFile(path.join(open.dir, 'notes', 'unsigned.txt'), 'utf8'), 'hand-made');
    assert.deepEqual(
      (await listMessages(open)).map(({ name, method, callId, verified }) => ({ name, method, callId, verified })),
      [{ name: 'notes/unsigned.txt', method: 'PUT', callId: 'c-1', verified: false }],
    );
    const clash = await fetch(`${open.url}/messages/notes/unsigned.txt/inside`, { method: 'POST', body: 'x' });
    assert.equal(clash.status, 507);
    assert.match(((await clash.json()) as { message: string }).message, /a file of that name is where a folder is needed; the receiver keeps running/);
    assert.equal((await fetch(`${open.url}/messages/big`, { method: 'POST', body: Buffer.alloc(2048) })).status, 413);
    assert.equal((await fetch(`${open.url}/healthz`)).status, 200);
    // A line is logged once its answer is sent, so the last one may still be on its way.
    await eventually(() => open.lines().length >= 7, 5000, 'six JSON lines');
    const logged = open.lines().slice(1, -1).map((line) => JSON.parse(line) as { event: string; method: string; url: string; status: number; error?: string });
    assert.deepEqual(
      logged.map(({ event, method, url, status, error }) => ({ event, method, url, status, error })),
      [
        { event: 'request', method: 'PUT', url: '/messages/notes/unsigned.txt', status: 200, error: undefined },
        { event: 'request', method: 'GET', url: '/messages', status: 200, error: undefined },
        { event: 'request', method: 'POST', url: '/messages/notes/unsigned.txt/inside', status: 507, error: 'ERR_MESSAGE_NOT_SAVED' },
        { event: 'request', method: 'POST', url: '/messages/big', status: 413, error: 'ERR_BODY_TOO_LARGE' },
        { event: 'request', method: 'GET', url: '/healthz', status: 200, error: undefined },
      ],
    );
  });

  it('refuses names that would leave its folder (400), writing nothing, and keeps serving', async () => {
    const before = await readdir(path.dirname(signed.dir));
    for (const target of ['/messages/../escape.txt', '/messages/%2e%2e/escape.txt', '/messages/a/..%2F..%2Fescape.txt', '/messages//etc/escape.txt', '/messages/x%00y', '/messages/']) {
      const { status, body } = await rawPost(signed.url, target);
      assert.equal(status, 400, target);
      assert.match(body, /"code":"ERR_BAD_REQUEST".*not allowed/, target);
    }
    assert.deepEqual(await readdir(path.dirname(signed.dir)), before);
    assert.equal((await fetch(`${signed.url}/messages/nothing-here`)).status, 404);
    assert.equal((await fetch(`${signed.url}/healthz`)).status, 200);
  });

  it('answers 404 for an unknown message and 405 for a method a route does not take', async () => {
    const missing = await fetch(`${signed.url}/messages/never-sent.jpg`);
    assert.equal(missing.status, 404);
    assert.equal(((await missing.json()) as { code: string }).code, 'ERR_MESSAGE_NOT_FOUND');
    const deleted = await fetch(`${signed.url}/messages`, { method: 'DELETE' });
    assert.equal(deleted.status, 405);
    assert.equal(deleted.headers.get('allow'), 'GET, HEAD');
  });

  it('exits 1 naming the port when it is taken, and 0 on SIGTERM or SIGINT', async () => {
    const port = new URL(signed.url).port;
    const clash = await runToEnd(['--port', port, '--dir', await tempDir('sluice-recv-')]);
    assert.equal(clash.code, 1);
    assert.match(clash.stderr, new RegExp(`^Error: 127\\.0\\.0\\.1:${port} is already in use: .*--port`, 'm'));
    assert.equal(await signed.stop('SIGTERM'), 0);
    assert.match(signed.output(), /^SIGTERM: stopped$/m);
    assert.equal(await wrongKey.stop('SIGINT'), 0);
  });
});

// --- internal ---

interface ReceiverProcess {
  readonly url: string;
  readonly dir: string;
  readonly process: ChildProcess;
  output(): string;
  errors(): string;
  lines(): string[];
  stop(signal: NodeJS.Signals): Promise<number | null>;
}

const receivers: ReceiverProcess[] = [];

/** Runs the built `sluice receiver --port 0` in a new temp dir; resolves once it says where it listens. */
async function startReceiverProcess(args: string[], env: Record<string, string> = {}): Promise<ReceiverProcess> {
  const dir = path.join(await tempDir('sluice-recv-'), 'received');
  const { SLUICE_CALLBACK_KEY: _inherited, ...base } = process.env;
  const child = spawn(process.execPath, [CLI, 'receiver', '--port', '0', '--dir', dir, ...args], { env: { ...base, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const stop = async (signal: NodeJS.Signals): Promise<number | null> => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    return exited;
  };
  // The text start line or, with --json, the "listening" event.
  const started = (): string | undefined => /listening on (http:\/\/\S+)|"url":"(http:\/\/[^"]+)"/.exec(stdout)?.slice(1).find(Boolean);
  const url = await eventually(started, 10_000, 'sluice receiver to start').catch(async (err: Error) => {
    await stop('SIGKILL');
    throw new Error(`${err.message}\n${stdout}${stderr}`);
  });
  const receiver: ReceiverProcess = {
    url,
    dir,
    process: child,
    output: () => stdout,
    errors: () => stderr,
    lines: () => stdout.split('\n'),
    stop,
  };
  receivers.push(receiver);
  return receiver;
}

/** Runs `sluice receiver ARGS` to its end (for start-up failures). */
function runToEnd(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, 'receiver', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('close', (code) => resolve({ code, stderr }));
  });
}

/** Queues an async call with a callback URL; resolves with its call id. */
async function callAsync(fn: string, body: string | Buffer, callbackUrl: string, headers: Record<string, string> = {}): Promise<string> {
  const res = await fetch(`${gateway.url}/async-function/${fn}`, { method: 'POST', body, headers: { ...headers, 'x-callback-url': callbackUrl } });
  assert.equal(res.status, 202, await res.text());
  return res.headers.get('x-call-id') as string;
}

async function listMessages(receiver: ReceiverProcess): Promise<MessageSummary[]> {
  const res = await fetch(`${receiver.url}/messages`);
  assert.equal(res.status, 200);
  return (await res.json()) as MessageSummary[];
}

/** Polls GET /messages until `count` messages match. */
async function waitForMessages(receiver: ReceiverProcess, match: (m: MessageSummary) => boolean, count = 1): Promise<MessageSummary[]> {
  return eventually(async () => {
    const found = (await listMessages(receiver)).filter(match);
    return found.length >= count && found;
  }, 15_000, `${count} message(s) at ${receiver.url}`);
}

/** POSTs to a path exactly as written (fetch would resolve `..` first). */
function rawPost(base: string, target: string): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port, method: 'POST', path: target }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end('escape');
  });
}
