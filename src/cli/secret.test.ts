import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { EXIT, UsageError } from './_errors.js';
import { formatSecretTable } from './commands/secret.js';
import { secretBodyOf, trimBytes, trimSpace } from './commands/secret-value.js';
import type { SecretValueOptions } from './commands/secret-value.js';
import { runCli } from './program.js';
import type { CliIo } from './program.js';
import { captureIo, closedGatewayUrl, fakeGateway } from './_test-support.js';

let workDir = '';
before(async () => {
  workDir = await mkdtemp(path.join(tmpdir(), 'sluice-secret-'));
});
after(async () => {
  await rm(workDir, { recursive: true, force: true });
});

/** A stdin that is a terminal: nothing is piped in. */
function terminalStdin(): Readable {
  return Object.assign(Readable.from([]), { isTTY: true });
}

const pipe = (...chunks: Buffer[]): Readable => Readable.from(chunks);
const BINARY = Buffer.from([0x20, 0x00, 0xff, 0xfe, 0x0a, 0x80, 0x20, 0x0a]);

describe('secret values (faas-cli secret create: --from-literal, --from-file, stdin, --trim)', () => {
  const create = (opts: Partial<SecretValueOptions>, io = captureIo(workDir).io) => secretBodyOf('db', { command: 'create', trim: true, ...opts }, io);

  it('sends a literal as text, trimmed unless --no-trim', async () => {
    assert.deepEqual(await create({ fromLiteral: '  s3cret\n' }), { name: 'db', value: 's3cret' });
    assert.deepEqual(await create({ fromLiteral: '  s3cret\n', trim: false }), { name: 'db', value: '  s3cret\n' });
  });

  it('sends a file as base64 bytes: text trimmed, binary byte for byte even with --trim', async () => {
    await writeFile(path.join(workDir, 'text'), 'from a file\n');
    await writeFile(path.join(workDir, 'key.bin'), BINARY);
    assert.deepEqual(await create({ fromFile: 'text' }), { name: 'db', rawValue: Buffer.from('from a file').toString('base64') });
    assert.deepEqual(await create({ fromFile: 'text', trim: false }), { name: 'db', rawValue: Buffer.from('from a file\n').toString('base64') });
    assert.deepEqual(await create({ fromFile: path.join(workDir, 'key.bin') }), { name: 'db', rawValue: BINARY.toString('base64') });
  });

  it('reads stdin when neither flag is given, and refuses a terminal with a hint', async () => {
    const piped = captureIo(workDir, { stdin: pipe(Buffer.from('from '), Buffer.from('stdin\n')) });
    assert.deepEqual(await create({}, piped.io), { name: 'db', rawValue: Buffer.from('from stdin').toString('base64') });
    const binary = captureIo(workDir, { stdin: pipe(BINARY) });
    assert.deepEqual(await create({}, binary.io), { name: 'db', rawValue: BINARY.toString('base64') });
    const tty = captureIo(workDir, { stdin: terminalStdin() });
    await assert.rejects(create({}, tty.io), (err: unknown) => err instanceof UsageError && /--from-literal VALUE, --from-file PATH, or pipe it in .*\| sluice secret create db/.test(err.message));
    await assert.rejects(secretBodyOf('db', { command: 'update', trim: true }, tty.io), /\| sluice secret update db/);
    assert.deepEqual(await create({ fromLiteral: 'x' }, tty.io), { name: 'db', value: 'x' }, 'a flag needs no stdin');
  });

  it('refuses both flags, an unreadable file, an empty value and a bad name (usage errors)', async () => {
    await assert.rejects(create({ fromLiteral: 'a', fromFile: 'text' }), /give the value one way/);
    await assert.rejects(create({ fromFile: 'missing' }), (err: unknown) => err instanceof UsageError && err.message === 'cannot read --from-file missing (ENOENT)');
    await assert.rejects(create({ fromLiteral: ' \n' }), /the value of secret "db" is empty \(after trimming whitespace; --no-trim keeps it\)/);
    assert.deepEqual(await create({ fromLiteral: ' \n', trim: false }), { name: 'db', value: ' \n' });
    await assert.rejects(create({}), /is empty/, 'an empty pipe');
    await assert.rejects(secretBodyOf('Bad_Name', { command: 'create', fromLiteral: 'x', trim: true }, captureIo(workDir).io), (err: unknown) => err instanceof UsageError && /secret name "Bad_Name" is not valid/.test(err.message));
  });

  it("trims as Go's strings.TrimSpace: Unicode White_Space, not a BOM", () => {
    assert.equal(trimSpace('\t\v\f\r\n \u0085\u00a0\u2028\u3000x y\u2003\n'), 'x y');
    assert.equal(trimSpace('\ufeffx'), '\ufeffx');
    const bom = Buffer.from([0xef, 0xbb, 0xbf, 0x78, 0x0a]);
    assert.deepEqual(trimBytes(bom), bom.subarray(0, 4), 'a BOM survives the decode');
    assert.equal(trimBytes(BINARY), BINARY, 'not UTF-8: untouched');
    const exact = Buffer.from('exact');
    assert.equal(trimBytes(exact), exact);
  });

  it('lists names under faas-cli\'s NAME header, sorted', () => {
    assert.equal(formatSecretTable([{ name: 'b', namespace: 'openfaas-fn' }, { name: 'a.key', namespace: 'openfaas-fn' }]), 'NAME\na.key\nb\n');
    assert.equal(formatSecretTable([]), 'NAME\n');
  });
});

describe('sluice secret against a fake gateway', () => {
  /** What the gateway was sent: `METHOD body`. */
  const requests: string[] = [];
  const stored = new Map<string, string>();

  const fail = (res: ServerResponse, status: number, code: string, message: string): void => {
    res.writeHead(status, { 'content-type': 'application/json', 'x-sluice-error': code });
    res.end(JSON.stringify({ code, message }));
  };

  /** Answers as the gateway's /system/secrets does, keeping `stored`; `in-use` is used by "api". */
  async function answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let text = '';
    for await (const chunk of req) text += String(chunk);
    requests.push(`${req.method} ${text}`.trim());
    const body = (text ? JSON.parse(text) : {}) as { name?: string; value?: string; rawValue?: string };
    const name = body.name ?? '';
    const value = body.rawValue ?? body.value ?? '';
    if (req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify([...stored.keys()].map((n) => ({ name: n, namespace: 'openfaas-fn' }))));
    } else if (req.method === 'POST' && stored.has(name)) {
      fail(res, 409, 'ERR_SECRET_EXISTS', `secret "${name}" already exists: use PUT /system/secrets (\`sluice secret update ${name}\`) to change its value`);
    } else if (req.method !== 'POST' && !stored.has(name)) {
      fail(res, 404, 'ERR_SECRET_NOT_FOUND', `secret "${name}" not found`);
    } else if (req.method === 'DELETE' && name === 'in-use') {
      fail(res, 409, 'ERR_SECRET_IN_USE', `secret "${name}" is used by "api": remove it from their secrets and deploy them again first`);
    } else {
      if (req.method === 'DELETE') stored.delete(name);
      else stored.set(name, value);
      res.writeHead(202).end();
    }
  }

  const gateway = fakeGateway((req, res) => void answer(req, res));

  const sluice = async (args: string[], overrides: Partial<CliIo> = {}) => {
    const { io, stdout, stderr } = captureIo(workDir, overrides);
    const code = await runCli(['secret', ...args, '-g', gateway.url()], io);
    return { code, stdout: stdout(), stderr: stderr() };
  };


  it('creates with POST and says so; --json for scripts', async () => {
    const run = await sluice(['create', 'db', '--from-literal', ' s3cret ']);
    assert.equal(run.code, EXIT.ok, run.stderr);
    assert.equal(run.stdout, 'Created secret db\n');
    assert.equal(requests.at(-1), 'POST {"name":"db","value":"s3cret"}');
    const json = await sluice(['create', 'token', '--json', '--trim=false'], { stdin: pipe(Buffer.from('t\n')) });
    assert.deepEqual(JSON.parse(json.stdout), { name: 'token', action: 'created', status: 202 });
    assert.equal(requests.at(-1), `POST {"name":"token","rawValue":"${Buffer.from('t\n').toString('base64')}"}`);
  });

  it("quotes the gateway's 409 (exit 1), and --replace updates instead", async () => {
    const again = await sluice(['create', 'db', '--from-literal', 'x']);
    assert.equal(again.code, EXIT.failed);
    assert.equal(again.stderr, 'Error: secret "db" already exists: use PUT /system/secrets (`sluice secret update db`) to change its value\n');
    const replaced = await sluice(['create', 'db', '--from-literal', 'x', '--replace']);
    assert.equal(replaced.code, EXIT.ok, replaced.stderr);
    assert.equal(replaced.stdout, 'Updated secret db\n');
    assert.deepEqual(requests.slice(-2), ['POST {"name":"db","value":"x"}', 'PUT {"name":"db","value":"x"}']);
  });

  it('updates with PUT (alias u), 404 for a missing one', async () => {
    for (const verb of ['update', 'u']) {
      const run = await sluice([verb, 'db', '--from-literal', 'rotated']);
      assert.equal(run.code, EXIT.ok, run.stderr);
      assert.equal(run.stdout, 'Updated secret db\n');
      assert.equal(requests.at(-1), 'PUT {"name":"db","value":"rotated"}');
    }
    const missing = await sluice(['update', 'nope', '--from-literal', 'x']);
    assert.equal(missing.code, EXIT.failed);
    assert.equal(missing.stderr, 'Error: secret "nope" not found\n');
  });

  it('lists a NAME table (alias ls), or the gateway\'s JSON', async () => {
    for (const verb of ['list', 'ls']) {
      const run = await sluice([verb]);
      assert.equal(run.code, EXIT.ok, run.stderr);
      assert.equal(run.stdout, 'NAME\ndb\ntoken\n');
    }
    const json = await sluice(['list', '--json']);
    assert.deepEqual(JSON.parse(json.stdout), [{ name: 'db', namespace: 'openfaas-fn' }, { name: 'token', namespace: 'openfaas-fn' }]);
  });

  it('removes with DELETE (aliases rm, delete); in use → exit 1 naming the function', async () => {
    stored.set('in-use', 'v');
    const used = await sluice(['remove', 'in-use']);
    assert.equal(used.code, EXIT.failed);
    assert.match(used.stderr, /^Error: secret "in-use" is used by "api"/);
    stored.set('two', 'v');
    for (const [verb, name] of [['remove', 'db'], ['rm', 'token'], ['delete', 'two']] as const) {
      const run = await sluice([verb, name]);
      assert.equal(run.code, EXIT.ok, run.stderr);
      assert.equal(run.stdout, `Removed secret ${name}\n`);
      assert.equal(requests.at(-1), `DELETE {"name":"${name}"}`);
    }
    const json = await sluice(['rm', 'in-use', '--json']);
    assert.equal(json.code, EXIT.failed);
  });

  it('makes usage mistakes exit 2 before any request', async () => {
    const asked = requests.length;
    const cases: [string[], Partial<CliIo>][] = [
      [['create', 'db'], { stdin: terminalStdin() }],
      [['create', 'db', '--from-literal', 'a', '--from-file', 'b'], {}],
      [['create', 'db', '--from-file', 'missing'], {}],
      [['create', 'db', '--from-literal', ''], {}],
      [['create', 'Bad_Name', '--from-literal', 'x'], {}],
      [['update', 'db'], { stdin: terminalStdin() }],
      [['remove', '../escape'], {}],
      [['create'], {}],
      [['create', 'db', '--from-literal'], {}],
      [['nope'], {}],
    ];
    for (const [args, overrides] of cases) {
      const run = await sluice(args, overrides);
      assert.equal(run.code, EXIT.usage, `${args.join(' ')}: ${run.stderr}`);
      assert.match(run.stderr, /^Error: /m);
    }
    assert.equal(requests.length, asked);
  });

  it('exits 3 when the gateway cannot be reached', async () => {
    const url = await closedGatewayUrl();
    const { io, stderr } = captureIo(workDir);
    assert.equal(await runCli(['secret', 'list', '-g', url], io), EXIT.unreachable);
    assert.match(stderr(), /^Error: cannot reach the gateway at .* \(ECONNREFUSED\)/);
  });
});
