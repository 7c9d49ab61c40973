/**
 * examples/walkthrough.sh, the article replayed, run as a user runs it against `serve --stack
 * functions/stack.yml` (what `npm start` does). Its checks (examples/check.py) are tested to fail on
 * a wrong answer, so a passing walkthrough means the answers were right. examples/kill-and-resume.sh,
 * the async chain through a kill -9 of its gateway, starts a gateway of its own.
 */
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { ROOT, cleanup, freePort, startSluice, tempDir, waitAvailable, type SluiceNode } from '../harness.js';

const run = promisify(execFile);
const EARTH = '/usr/share/xplanet/images/earth.jpg';
const CHECK = path.join(ROOT, 'examples', 'check.py');
let node: SluiceNode;

/** Exit code and stderr of `check.py args…`. */
async function check(...args: string[]): Promise<{ code: number; stderr: string }> {
  try {
    await run('/usr/bin/python3', [CHECK, ...args]);
    return { code: 0, stderr: '' };
  } catch (err) {
    const failed = err as { code: number; stderr: string };
    return { code: failed.code, stderr: failed.stderr };
  }
}

describe("examples/walkthrough.sh: the article's commands against the local gateway", () => {
  before(async () => {
    // The setup: the world map comes from Debian's xplanet-images, installed when missing.
    if (!existsSync(EARTH)) execFileSync('bash', [path.join(ROOT, 'scripts', 'ensure-deps.sh')], { stdio: 'inherit' });
    node = await startSluice({ args: ['--stack', path.join(ROOT, 'functions', 'stack.yml')] });
    for (const name of ['pi', 'image-draft', 'image-thumbnail', 'image-transpose', 'image-bw', 'transpose-bw-thumbnail']) await waitAvailable(node, name);
  });
  after(cleanup);

  it('runs every command and passes every check: pi sync, 41 async pi callbacks, each image function, async draft, the pipe, the workflow sync and async', async () => {
    const work = await tempDir();
    const env = { ...process.env, OPENFAAS_URL: node.url, RECEIVER_PORT: String(await freePort()), WORK: work };
    const { stdout } = await run('bash', [path.join(ROOT, 'examples', 'walkthrough.sh')], { env, maxBuffer: 16 << 20 }).catch((err: { stdout: string; stderr: string }) => {
      throw new Error(`walkthrough failed:\n${err.stdout.slice(-3000)}\n${err.stderr.slice(-3000)}`);
    });
    assert.match(stdout, /walkthrough: all 14 checks passed/);
    assert.match(stdout, /"POST \/messages\/political-world-map-draft\.jpg HTTP\/1\.1" 200 -/);
    const requests = await readdir(path.join(work, 'received', 'requests'));
    assert.equal(requests.filter((name) => !name.endsWith('.headers.json')).length, 41, 'one saved body per pi callback');
  });

  it('stops at the first failed check, naming it', async () => {
    const env = { ...process.env, OPENFAAS_URL: node.url, RECEIVER_PORT: String(await freePort()), WORK: await tempDir(), MAP: '/etc/hostname' };
    await assert.rejects(run('bash', [path.join(ROOT, 'examples', 'walkthrough.sh')], { env }), (err: { code: number; stderr: string }) => {
      assert.equal(err.code, 1);
      assert.match(err.stderr, /FAIL: .*political-world-map-draft\.jpg: not a picture Pillow can decode/);
      return true;
    });
  });

  it("check.py refuses a wrong digit, a wrong size or mode, and a callback that did not come", async () => {
    const dir = await tempDir();
    const file = (name: string, content: string): Promise<string> => writeFile(path.join(dir, name), content).then(() => path.join(dir, name));
    assert.equal((await check('pi', await file('good', '5 3.1415\n'), '5')).code, 0);
    assert.match((await check('pi', await file('rounded', '5 3.1416\n'), '5')).stderr, /FAIL: pi 5/);
    assert.equal((await check('image', EARTH, '2048', '1024', 'RGB')).code, 0);
    assert.match((await check('image', EARTH, '2048', '1024', 'L')).stderr, /JPEG 2048x1024 RGB, want JPEG 2048x1024 L/);
    const calls = await file('calls.txt', '8f0c1d2e-0000-4000-8000-000000000000 3 /3\n');
    assert.match((await check('callbacks', dir, calls, '1')).stderr, /no callback with X-Call-Id 8f0c1d2e/);
  });

  it('examples/kill-and-resume.sh: the async chain survives a kill -9 of its gateway, resuming at the step it was on', async () => {
    // Its own gateway (and stack build) on its own ports and data: this node is not the one killed.
    const env = { ...process.env, PORT: String(await freePort()), RECEIVER_PORT: String(await freePort()), WORK: await tempDir() };
    const { stdout } = await run('bash', [path.join(ROOT, 'examples', 'kill-and-resume.sh')], { env, maxBuffer: 16 << 20, timeout: 240_000 }).catch((err: { stdout: string; stderr: string }) => {
      throw new Error(`kill-and-resume failed:\n${err.stdout.slice(-3000)}\n${err.stderr.slice(-3000)}`);
    });
    assert.match(stdout, /kill-and-resume: all 5 checks passed/);
    assert.match(stdout, /bw +\S+\.1 +image-bw +succeeded +200 +2 /, 'the steps table shows bw run twice');
  });
});
