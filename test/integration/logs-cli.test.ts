/**
 * `sluice logs` against a real gateway (`GET /system/logs`): a node-ts function logs its input, and
 * the CLI prints it in faas-cli's layouts, keeps only the last lines with --lines, and follows new
 * lines as they come until Ctrl-C, which ends it with exit 0.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { CLI, cleanup, deployNodeTs, eventually, runSluice, startSluice, waitAvailable, type SluiceNode } from '../harness.js';

/** Logs what it was sent, one line. */
const ECHO = `export default async (event: { body: string }) => {
  console.log('got: ' + event.body);
  return 'ok';
};
`;

/** A plain line of ours: `<RFC3339 seconds> echo (echo-xxxxxxxx) got: <body>`. */
const plainLine = (body: string): RegExp => new RegExp(`^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ echo \\(echo-[0-9a-f]{8}\\) got: ${body}$`, 'm');

describe('sluice logs against a real gateway', () => {
  let node: SluiceNode;

  const say = async (body: string): Promise<void> => {
    const res = await fetch(`${node.url}/function/echo`, { method: 'POST', body, headers: { 'content-type': 'text/plain' } });
    assert.equal(res.status, 200, await res.text());
  };
  const logs = (args: string[]) => runSluice(node, ['logs', 'echo', '--no-tail', '--gateway', node.url, ...args]);

  before(async () => {
    node = await startSluice();
    await deployNodeTs(node, 'echo', ECHO);
    await waitAvailable(node, 'echo');
    await say('hello');
    // The line reaches the gateway from the replica's stdout a moment after the answer.
    await eventually(async () => plainLine('hello').test((await logs([])).stdout), 10_000, 'the logged line');
  });
  after(cleanup);

  it('prints the kept lines in the plain layout and exits (--no-tail)', async () => {
    const run = await logs([]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, plainLine('hello'));
    assert.equal(run.stderr, '');
  });

  it('prints the gateway\'s JSON lines with -o json', async () => {
    const run = await logs(['-o', 'json']);
    assert.equal(run.code, 0, run.stderr);
    const messages = run.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, string>);
    const ours = messages.find((m) => m['text'] === 'got: hello');
    assert.ok(ours, run.stdout);
    assert.deepEqual(Object.keys(ours), ['name', 'namespace', 'instance', 'timestamp', 'text']);
    assert.equal(ours['name'], 'echo');
  });

  it('keeps only the last line with --lines 1, and selects a replica with --instance', async () => {
    const run = await logs(['--lines', '1', '-o', 'keyvalue']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^timestamp="[^"]+Z" name="echo" instance="(echo-[0-9a-f]{8})" text="got: hello" \n$/);
    const instance = /instance="([^"]+)"/.exec(run.stdout)?.[1] as string;
    const mine = await logs(['--instance', instance, '--time-format', '']);
    assert.match(mine.stdout, new RegExp(`^echo \\(${instance}\\) got: hello$`, 'm'));
    const other = await logs(['--instance', 'echo-00000000']);
    assert.equal(other.stdout, '');
  });

  it('follows: prints a new line as it comes, and Ctrl-C ends it with exit 0', async () => {
    const child = spawn(process.execPath, [CLI, 'logs', 'echo', '--gateway', node.url], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      await eventually(() => plainLine('hello').test(stdout), 10_000, 'the kept line');
      await say('again');
      await eventually(() => plainLine('again').test(stdout), 10_000, `the new line (got ${JSON.stringify(stdout)})`);
      child.kill('SIGINT');
      assert.equal(await exited, 0, stderr);
      assert.equal(stderr, '');
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });

  it("quotes the gateway's error for an unknown function (exit 1)", async () => {
    const run = await runSluice(node, ['logs', 'nope', '--no-tail']);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /^Error: function "nope" not found/);
  });
});
