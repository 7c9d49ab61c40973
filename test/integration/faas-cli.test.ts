/**
 * The issue's faas-cli compatibility bar, against a real gateway with auth on: login, list,
 * describe, deploy --image --name --fprocess, invoke (sync and --async), logs, secret
 * create/list/remove, remove and version, run with test/compat/faas-cli — a Go program that sends
 * faas-cli 0.16's requests and decodes the answers into OpenFaaS's Go types with encoding/json, as
 * the real binary does (the real one is only on GitHub, which these machines cannot reach). The logs
 * case is OpenFaaS's own certifier test: `sha512sum` with an empty body logs exactly two lines.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startReceiver, type CallbackReceiver } from '../callback-receiver.js';
import { ROOT, cleanup, eventually, runProgram, runSluice, startSluice, tempDir, type CliRun, type SluiceNode } from '../harness.js';

let node: SluiceNode;
let receiver: CallbackReceiver;
let faasCli: string;
let configDir: string;

/** Runs the stand-in as a user runs faas-cli: OPENFAAS_URL set, its config dir private to the test. */
function run(args: string[], stdin = ''): Promise<CliRun> {
  return runProgram(faasCli, args, { stdin, env: { OPENFAAS_URL: node.url, OPENFAAS_CONFIG: configDir } });
}

async function ok(args: string[], stdin = ''): Promise<string> {
  const result = await run(args, stdin);
  assert.equal(result.code, 0, `faas-cli ${args.join(' ')} failed:\n${result.stdout}${result.stderr}`);
  return result.stdout;
}

describe('faas-cli 0.16 against Sluice', () => {
  before(async () => {
    const bin = await tempDir('sluice-faas-cli-');
    faasCli = path.join(bin, 'faas-cli-wire');
    const build = spawnSync('go', ['build', '-o', faasCli, '.'], { cwd: path.join(ROOT, 'test', 'compat', 'faas-cli'), encoding: 'utf8' });
    if (build.error || build.status !== 0) {
      throw new Error(`cannot build test/compat/faas-cli (Go is installed by scripts/ensure-deps.sh): ${build.error?.message ?? build.stderr}`);
    }
    configDir = path.join(bin, 'openfaas');
    node = await startSluice({ env: { basic_auth: 'true' } });
    receiver = await startReceiver();
  });
  after(async () => {
    await receiver?.close();
    await cleanup();
  });

  it('login refuses a wrong password, saves a right one where faas-cli keeps it, and the sluice CLI uses it', async () => {
    const denied = await run(['list']);
    assert.equal(denied.code, 1);
    assert.match(denied.stderr, /unauthorized access, run "faas-cli login"/);
    const wrong = await run(['login', '--password', 'not-it']);
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /unable to login, either username or password is incorrect/);

    const password = await readFile(path.join(node.dataDir, 'auth', 'basic-auth-password'), 'utf8');
    assert.match(await ok(['login', '--password-stdin'], password), /credentials saved for admin http:\/\/127\.0\.0\.1:\d+/);
    assert.equal((await stat(path.join(configDir, 'config.yml'))).mode & 0o777, 0o600);
    const sluice = await runSluice(node, ['list', '--json'], { env: { OPENFAAS_CONFIG: configDir, HOME: configDir } });
    assert.equal(sluice.code, 0, sluice.stderr);
  });

  it('version decodes /system/info, provider version included', async () => {
    const { version } = JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const out = await ok(['version']);
    assert.match(out, new RegExp(`Gateway\\n uri:     ${node.url}\\n version: ${version.replace(/\./g, '\\.')}\\n`));
    assert.match(out, /Provider\n name:          sluice\n orchestration: process\n version:       \S+/);
  });

  it('deploy --image --name --fprocess: PUT answers 404, so it POSTs; a second deploy updates in place', async () => {
    const first = await ok(['deploy', '--image', 'functions/alpine:latest', '--name', 'wire-hash', '--fprocess', 'sha512sum', '-l', 'team=wire']);
    assert.match(first, new RegExp(`Deployed\\. 202 Accepted\\.\\nURL: ${node.url}/function/wire-hash`));
    const again = await ok(['deploy', '--image', 'functions/alpine:latest', '--name', 'wire-hash', '--fprocess', 'sha512sum', '-l', 'team=wire', '--annotation', 'owner=ops']);
    assert.match(again, /Deployed\. 202 Accepted\./);
    await eventually(async () => /Status:\s+Ready/.test(await ok(['describe', 'wire-hash'])), 20_000, 'wire-hash ready');
  });

  it('list and describe decode FunctionStatus: counts, replicas, labels, annotations, createdAt', async () => {
    assert.match(await ok(['list']), /^Function\s+\tInvocations\s+\tReplicas\s*\nwire-hash\s+\t0\s+\t1\s*\n$/);
    assert.equal(await ok(['list', '-q']), 'wire-hash\n');
    const described = await ok(['describe', 'wire-hash']);
    for (const line of [/Name:\s+wire-hash/, /Replicas:\s+1/, /Available Replicas:\s+1/, /Image:\s+functions\/alpine:latest/, /Function Process:\s+sha512sum/, /Labels:\s+.*team=wire/, /Annotations:\s+.*owner=ops/, /Created:\s+\d{4}-\d\d-\d\d /]) {
      assert.match(described, line);
    }
  });

  it('invoke: sync answers the body; --async is accepted with 202 and the callback brings the result', async () => {
    assert.equal(await ok(['invoke', 'wire-hash'], 'abc'), `${sha512('abc')}  -\n`);
    const queued = await run(['invoke', 'wire-hash', '--async', '-H', `X-Callback-Url=${receiver.url}/done`], 'queued');
    assert.equal(queued.code, 0, queued.stderr);
    assert.match(queued.stderr, /Function submitted asynchronously\./);
    const [callback] = await receiver.waitFor(1, 20_000);
    assert.equal(callback?.body.toString(), `${sha512('queued')}  -\n`);
    const missing = await run(['invoke', 'no-such-fn'], 'x');
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /Server returned unexpected status code: 404/);
  });

  it('logs: the certifier case — an empty call to sha512sum logs "Forking fprocess." and "Wrote 132 Bytes"', async () => {
    await ok(['invoke', 'wire-hash'], '');
    const out = await ok(['logs', 'wire-hash', '--tail=false', '--lines', '2']);
    const lines = out.trimEnd().split('\n');
    assert.equal(lines.length, 2, out);
    assert.match(lines[0] as string, /^\d{4}-\d\d-\d\dT\S+ wire-hash \(wire-hash-\w+\) Forking fprocess\.$/);
    assert.match(lines[1] as string, /^\S+ wire-hash \(wire-hash-\w+\) Wrote 132 Bytes - Duration: \d+\.\d{6} seconds$/);
    const since = await ok(['logs', 'wire-hash', '--tail=false', '--since', '1h']);
    assert.ok(since.split('\n').length > 4, since);
  });

  it('secret create (literal and binary file), list, remove; a duplicate is refused with 409', async () => {
    assert.match(await ok(['secret', 'create', 'wire-token', '--from-literal', 's3cret']), /Created: 202 Accepted/);
    const file = path.join(configDir, 'key.bin');
    await writeFile(file, Buffer.from([0, 1, 2, 255]));
    await ok(['secret', 'create', 'wire-key', '--from-file', file]);
    const duplicate = await run(['secret', 'create', 'wire-token', '--from-literal', 'x']);
    assert.equal(duplicate.code, 1);
    assert.match(duplicate.stderr, /409/);
    assert.equal(await ok(['secret', 'list']), 'NAME\nwire-key\nwire-token\n');
    assert.match(await ok(['secret', 'remove', 'wire-token']), /Removed: 202 Accepted/);
    assert.equal(await ok(['secret', 'list']), 'NAME\nwire-key\n');
  });

  it('remove deletes the function; removing it again finds none; describe then fails', async () => {
    assert.match(await ok(['remove', 'wire-hash']), /Deleting: wire-hash\.\nRemoving old function\./);
    assert.match(await ok(['remove', 'wire-hash']), /No existing function to remove/);
    const gone = await run(['describe', 'wire-hash']);
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /no such function: wire-hash/);
    assert.equal(await ok(['list', '-q']), '');
  });
});

function sha512(text: string): string {
  return spawnSync('sha512sum', { input: text, encoding: 'utf8' }).stdout.split(' ')[0] as string;
}
