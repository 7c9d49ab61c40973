/**
 * `sluice deploy`'s faas-cli flags against a fake gateway that records what it is sent: `-e`, `-l`,
 * `--annotation`, `--secret`, `--constraint`, `--readonly` and the limits/requests flags merged over
 * the stack file's, `--replace`, `--update=false`,
 * `--image/--name/--fprocess` without a stack file, and the global `--filter`/`--regex`.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { FunctionDeployment } from '../api/index.js';
import { EXIT, UsageError } from './_errors.js';
import { globToRegExp } from './_filter.js';
import { runCli } from './program.js';
import { captureIo, fakeGateway } from './_test-support.js';

/** Two image-only functions (nothing to build) and a third matching neither glob below. */
const STACK = `provider: {name: openfaas}
functions:
  img-a:
    image: cat:latest
    fprocess: cat
    environment: {A: file, KEEP: file}
    labels: {team: file}
    annotations: {topic: file}
    secrets: [db]
  img-b:
    image: cat:latest
    fprocess: cat
  other:
    image: cat:latest
    fprocess: cat
  sized:
    image: cat:latest
    fprocess: cat
    limits: {memory: 64Mi, cpu: 250m}
    requests: {memory: 32Mi}
    constraints: [node.platform.os == linux]
`;

interface Seen {
  method: string;
  url: string;
  body: string;
}

let workDir = '';
before(async () => {
  workDir = await mkdtemp(path.join(tmpdir(), 'sluice-deploy-'));
  await writeFile(path.join(workDir, 'stack.yml'), STACK);
});
after(async () => {
  await rm(workDir, { recursive: true, force: true });
});

describe('sluice deploy flags', () => {
  let seen: Seen[] = [];
  /** What the fake gateway answers a PUT: 404 (not deployed) unless a test says otherwise. */
  let putAnswer: [number, object] = [404, { code: 'ERR_FUNCTION_NOT_FOUND', message: 'function not found' }];
  const gateway = fakeGateway((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', body });
      const [status, answer] = req.method === 'PUT' ? putAnswer : [202, {}];
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
    });
  });
  beforeEach(() => {
    seen = [];
    putAnswer = [404, { code: 'ERR_FUNCTION_NOT_FOUND', message: 'function not found' }];
  });

  const sluice = async (args: string[]) => {
    const { io, stdout, stderr } = captureIo(workDir);
    const code = await runCli([...args, '-g', gateway.url()], io);
    return { code, stdout: stdout(), stderr: stderr() };
  };
  const deployed = (): FunctionDeployment[] => seen.filter((r) => r.method === 'POST').map((r) => JSON.parse(r.body) as FunctionDeployment);

  it('deploys --image/--name/--fprocess without a stack file: PUT, then POST on 404', async () => {
    const run = await sluice(['deploy', '--image', 'cat:latest', '--name', 'echo-cat', '--fprocess', 'cat']);
    assert.equal(run.code, EXIT.ok, run.stderr);
    assert.equal(run.stdout, `${gateway.url()}/function/echo-cat\n`);
    assert.deepEqual(seen.map((r) => `${r.method} ${r.url}`), ['PUT /system/functions', 'POST /system/functions']);
    assert.deepEqual(deployed(), [{ service: 'echo-cat', image: 'cat:latest', envProcess: 'cat' }]);
  });

  it('merges -e, -l, --annotation (flags win) and --secret (added) over the stack file', async () => {
    const run = await sluice(['deploy', '--filter', 'img-a', '-e', 'A=flag', '-e', 'B=x=y', '-l', 'team=flag', '--annotation', 'owner=me', '--secret', 'api', '--secret', 'db']);
    assert.equal(run.code, EXIT.ok, run.stderr);
    assert.deepEqual(deployed(), [
      {
        service: 'img-a',
        image: 'cat:latest',
        envProcess: 'cat',
        envVars: { A: 'flag', KEEP: 'file', B: 'x=y' },
        labels: { team: 'flag' },
        annotations: { topic: 'file', owner: 'me' },
        secrets: ['db', 'api'],
      },
    ]);
  });

  it('merges --constraint (added), --readonly and the limit/request flags (flags win, the file\'s other value kept)', async () => {
    const run = await sluice([
      'deploy', '--filter', 'sized',
      '--constraint', 'node.platform.os == linux', '--constraint', 'zone=eu',
      '--readonly',
      '--memory-limit', '128Mi', '--cpu-request', '100m', '--memory-request', '48Mi',
    ]);
    assert.equal(run.code, EXIT.ok, run.stderr);
    assert.deepEqual(deployed(), [
      {
        service: 'sized',
        image: 'cat:latest',
        envProcess: 'cat',
        limits: { memory: '128Mi', cpu: '250m' },
        requests: { memory: '48Mi', cpu: '100m' },
        constraints: ['node.platform.os == linux', 'zone=eu'],
        readOnlyRootFilesystem: true,
      },
    ]);
  });

  it('sends the flags\' limits and requests without a stack file; --readonly=false sets nothing', async () => {
    const run = await sluice(['deploy', '--image', 'x', '--name', 'f', '--cpu-limit', '1', '--memory-limit', 'lots', '--memory-request', '64Mi', '--readonly=false']);
    assert.equal(run.code, EXIT.ok, run.stderr);
    // Not checked here: the gateway answers a bad quantity with a 400 naming it.
    assert.deepEqual(deployed(), [{ service: 'f', image: 'x', limits: { cpu: '1', memory: 'lots' }, requests: { memory: '64Mi' } }]);
  });

  it('store deploy merges --secret (added) with -e/-l/--annotation as deploy does', async () => {
    const run = await sluice(['store', 'deploy', 'img-a', '-u', workDir, '--name', 'alias', '--secret', 'api', '--secret', 'db', '-e', 'A=flag']);
    assert.equal(run.code, EXIT.ok, run.stderr);
    assert.deepEqual(deployed(), [
      {
        service: 'alias',
        image: 'cat:latest',
        envProcess: 'cat',
        envVars: { A: 'flag', KEEP: 'file' },
        labels: { team: 'file' },
        annotations: { topic: 'file' },
        secrets: ['db', 'api'],
      },
    ]);
  });

  it('store deploy adds --constraint to the store\'s constraints, as deploy does; an empty one is a usage error', async () => {
    const run = await sluice(['store', 'deploy', 'sized', '-u', workDir, '--constraint', 'node.labels.disk == ssd', '--constraint', 'node.platform.os == linux']);
    assert.equal(run.code, EXIT.ok, run.stderr);
    assert.deepEqual(deployed()[0]?.constraints, ['node.platform.os == linux', 'node.labels.disk == ssd']);
    const empty = await sluice(['store', 'deploy', 'sized', '-u', workDir, '--constraint', ' ']);
    assert.equal(empty.code, EXIT.usage);
    assert.match(empty.stderr, /--constraint needs a value/);
  });

  it('--update=false only POSTs; --replace DELETEs first; both with --update is a usage error', async () => {
    assert.equal((await sluice(['deploy', '--image', 'x', '--name', 'f', '--update=false'])).code, EXIT.ok);
    assert.deepEqual(seen.map((r) => r.method), ['POST']);
    seen = [];
    assert.equal((await sluice(['deploy', '--image', 'x', '--name', 'f', '--replace', '--update=false'])).code, EXIT.ok);
    assert.deepEqual(seen.map((r) => `${r.method} ${r.body}`), ['DELETE {"functionName":"f"}', 'POST {"service":"f","image":"x"}']);
    seen = [];
    const both = await sluice(['deploy', '--image', 'x', '--name', 'f', '--replace', '--update']);
    assert.equal(both.code, EXIT.usage);
    assert.match(both.stderr, /pass --replace or --update, not both/);
    assert.deepEqual(seen, []);
  });

  it('refuses bad flags before calling the gateway (exit 2)', async () => {
    for (const [args, message] of [
      [['deploy', '-e', 'novalue'], /use the form key=value, e\.g\. -e KEY=value/],
      [['deploy', '-l', '=v'], /use the form key=value/],
      [['deploy', '--annotation', 'x'], /use the form key=value/],
      [['deploy', '--image', 'x'], /give both --image and --name/],
      [['deploy', '--fprocess', 'cat'], /--fprocess needs --image and --name/],
      [['deploy', '--image', 'x', '--name', 'Bad_Name'], /invalid function name "Bad_Name"/],
      [['deploy', '--update=maybe'], /use true or false/],
      [['deploy', '--readonly=maybe'], /use true or false/],
      [['deploy', '--memory-limit', ' '], /--memory-limit needs a value/],
      [['deploy', '--constraint', ''], /--constraint needs a value/],
      [['deploy', '--filter', 'img-*', '--regex', 'img'], /pass --filter or --regex, not both/],
      [['deploy', '--regex', '('], /--regex "\(" is not a valid regular expression/],
      [['deploy', '--filter', 'nothing-*'], /^Error: no functions matching --filter\/--regex were found$/m],
    ] as const) {
      const run = await sluice([...args]);
      assert.equal(run.code, EXIT.usage, `${args.join(' ')}: ${run.stderr}`);
      assert.match(run.stderr, message);
    }
    assert.deepEqual(seen, []);
  });

  it('--filter and --regex choose the functions deploy and remove act on', async () => {
    assert.equal((await sluice(['deploy', '--filter', 'img-*'])).code, EXIT.ok);
    assert.deepEqual(deployed().map((d) => d.service), ['img-a', 'img-b']);
    seen = [];
    assert.equal((await sluice(['deploy', '--regex', 'th'])).code, EXIT.ok);
    assert.deepEqual(deployed().map((d) => d.service), ['other']);
    seen = [];
    const removed = await sluice(['remove', '--regex', '^img-b$']);
    assert.equal(removed.code, EXIT.ok, removed.stderr);
    assert.equal(removed.stdout, 'Removed img-b\n');
  });
});

describe('globToRegExp', () => {
  it('matches whole names with *, ?, classes and alternatives', () => {
    const cases: [string, string, boolean][] = [
      ['img-*', 'img-resize', true],
      ['img-*', 'my-img-resize', false],
      ['fn-?', 'fn-1', true],
      ['fn-?', 'fn-12', false],
      ['fn-[ab]', 'fn-b', true],
      ['fn-[!ab]', 'fn-b', false],
      ['fn-[!ab]', 'fn-c', true],
      ['fn-[!ab]', 'fn-!', true],
      ['fn-[a-c]x', 'fn-bx', true],
      ['!pi', 'echo', false],
      ['!pi', '!pi', true],
      ['+(a)', 'aa', false],
      ['fn-\\*', 'fn-*', true],
      ['fn-\\*', 'fn-1', false],
      ['{a,b{c,d}}', 'bd', true],
      ['{echo,pi}', 'pi', true],
      ['{echo,pi}', 'pie', false],
      ['a.b', 'axb', false],
    ];
    for (const [glob, name, matches] of cases) assert.equal(globToRegExp(glob).test(name), matches, `${glob} ~ ${name}`);
  });

  it('refuses an unclosed [ or { as a usage error', () => {
    for (const glob of ['fn-{a,b', 'fn-[ab']) assert.throws(() => globToRegExp(glob), (err: unknown) => err instanceof UsageError && err.message.startsWith(`--filter "${glob}" is not a valid glob`), glob);
  });
});
