import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cleanup, runSluice, startSluice, tempDir, type CliRun, type SluiceNode } from '../harness.js';

let node: SluiceNode;
let project: string;

/** Runs the built `sluice` CLI in the project dir, as a user would, with OPENFAAS_URL set. */
function sluice(args: string[], stdin?: string): Promise<CliRun> {
  return runSluice(node, args, { cwd: project, ...(stdin === undefined ? {} : { stdin }) });
}

describe("the issue's walkthrough: new → up → list → invoke → describe → scale → remove", () => {
  before(async () => {
    node = await startSluice();
    project = await tempDir('sluice-project-');
  });
  after(cleanup);

  it('new hello --lang node-ts writes hello.yml and ./hello/handler.ts', async () => {
    const run = await sluice(['new', 'hello', '--lang', 'node-ts']);
    assert.equal(run.code, 0, run.stderr);
    const stack = await readFile(path.join(project, 'hello.yml'), 'utf8');
    assert.match(stack, /lang: node-ts/);
    assert.match(stack, /handler: \.\/hello/);
    assert.match(await readFile(path.join(project, 'hello', 'handler.ts'), 'utf8'), /export default/);
  });

  it('new --append adds a second function to the same stack file', async () => {
    const run = await sluice(['new', 'second', '--lang', 'node-ts', '--append', 'hello.yml']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(await readFile(path.join(project, 'hello.yml'), 'utf8'), /second:/);
  });

  it('up -f hello.yml builds and deploys both', async () => {
    const run = await sluice(['up', '-f', 'hello.yml']);
    assert.equal(run.code, 0, run.stderr + run.stdout);
    assert.match(run.stdout + run.stderr, /\/function\/hello/);
  });

  it('list shows the Function / Invocations / Replicas table', async () => {
    const run = await sluice(['list']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /Function\s+Invocations\s+Replicas/);
    assert.match(run.stdout, /hello\s+\d+\s+1/);
    const json = JSON.parse((await sluice(['list', '--json'])).stdout) as Array<{ name: string }>;
    assert.deepEqual(json.map((f) => f.name).sort(), ['hello', 'second']);
  });

  it('echo -n world | sluice invoke hello prints the handler\'s answer', async () => {
    const run = await sluice(['invoke', 'hello'], 'world');
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, 'Hello, world! (POST /)\n');
  });

  it("the issue's curl: method, path and query reach the starter handler", async () => {
    const res = await fetch(`${node.url}/function/hello/some/path?a=1&a=2`, { method: 'PUT', body: 'Ada', headers: { 'content-type': 'text/plain' } });
    assert.equal(await res.text(), 'Hello, Ada! (PUT /some/path query {"a":["1","2"]})\n');
  });

  it('describe hello shows status, replicas, image and URLs', async () => {
    const run = await sluice(['describe', 'hello']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /hello/);
    assert.match(run.stdout, /Ready/);
    assert.match(run.stdout, /hello:latest/);
    assert.match(run.stdout, /Function process:\s+node index\.mjs/);
    assert.match(run.stdout, new RegExp(`${node.url}/function/hello`));
  });

  it('scale hello --replicas 3 gives three replicas', async () => {
    const run = await sluice(['scale', 'hello', '--replicas', '3']);
    assert.equal(run.code, 0, run.stderr);
    const status = (await (await fetch(`${node.url}/system/function/hello`)).json()) as { replicas: number };
    assert.equal(status.replicas, 3);
  });

  it('remove hello deletes it; invoking it afterwards fails with exit 1', async () => {
    const run = await sluice(['remove', 'hello']);
    assert.equal(run.code, 0, run.stderr);
    assert.equal((await fetch(`${node.url}/system/function/hello`)).status, 404);
    const gone = await sluice(['invoke', 'hello'], 'x');
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /404/);
  });

  describe('bad input is a clear error with a meaningful exit code', () => {
    it('an unknown template lists the available ones (exit 4)', async () => {
      const run = await sluice(['new', 'x', '--lang', 'cobol']);
      assert.equal(run.code, 4);
      assert.match(run.stderr, /template "cobol" not found; available: .*node-ts/);
    });
    it('an invalid function name is refused (exit 2)', async () => {
      const run = await sluice(['new', 'Bad_Name', '--lang', 'node-ts']);
      assert.equal(run.code, 2);
      assert.match(run.stderr, /invalid function name/);
    });
    it('a stack file with errors names the file, the key and the problem (exit 4)', async () => {
      await writeFile(path.join(project, 'broken.yml'), 'version: 1.0\nprovider:\n  name: faas\nfunctions:\n  ok:\n    lang: 7\n');
      const run = await sluice(['up', '-f', 'broken.yml']);
      assert.equal(run.code, 4);
      assert.match(run.stderr, /broken\.yml/);
      assert.match(run.stderr, /provider\.name/);
    });
    it('an unreachable gateway says what to do (exit 3)', async () => {
      const run = await sluice(['list', '--gateway', 'http://127.0.0.1:1']);
      assert.equal(run.code, 3);
      assert.match(run.stderr, /sluice serve/);
    });
  });
});
