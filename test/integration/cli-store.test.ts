/**
 * `sluice store` against a real gateway (issue 5): the functions shipped in functions/ are listed,
 * described, and deployed one by one, built in a temp folder and uploaded over HTTP.
 */
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cleanup, runSluice, startSluice, tempDir, type CliRun, type SluiceNode } from '../harness.js';

const FORTY = '3.141592653589793238462643383279502884197';
let node: SluiceNode;

const sluice = (args: string[], opts: { stdin?: string; env?: Record<string, string> } = {}): Promise<CliRun> => runSluice(node, args, opts);

async function statusOf(name: string): Promise<{ status: number; body: { envVars?: Record<string, string>; annotations?: Record<string, string>; createdAt?: string } }> {
  const res = await fetch(`${node.url}/system/function/${name}`);
  return { status: res.status, body: res.status === 200 ? ((await res.json()) as never) : {} };
}

interface StoreItem {
  name: string;
  description: string;
  lang?: string;
  handler?: string;
  environment: Record<string, string>;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

describe('sluice store: the functions shipped with Sluice, against a real gateway', () => {
  before(async () => {
    node = await startSluice();
  });
  after(cleanup);

  it('store list shows echo and pi with their descriptions', async () => {
    const run = await sluice(['store', 'list']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^FUNCTION +LANG +DESCRIPTION\n/);
    assert.match(run.stdout, /^echo +node-ts +Sends the request body back/m);
    assert.match(run.stdout, /^pi +node-ts +Pi to N digits/m);
  });

  it('store ls --json gives one item per function: name, description, lang, handler, maps', async () => {
    const run = await sluice(['store', 'ls', '--json']);
    assert.equal(run.code, 0, run.stderr);
    const items = JSON.parse(run.stdout) as StoreItem[];
    const pi = items.find((item) => item.name === 'pi');
    assert.ok(pi && items.some((item) => item.name === 'echo'), run.stdout);
    assert.deepEqual(Object.keys(pi), ['name', 'description', 'lang', 'handler', 'image', 'environment', 'labels', 'annotations']);
    assert.equal(pi.lang, 'node-ts');
    assert.ok(path.isAbsolute(pi.handler ?? '') && pi.handler?.endsWith(path.join('functions', 'pi')), pi.handler);
    assert.equal(pi.environment['PI_MAX_DIGITS'], '1000000');
    assert.equal(pi.annotations['description'], pi.description);
  });

  it('store describe pi shows what it is and the URL it will have on this gateway', async () => {
    const run = await sluice(['store', 'describe', 'pi']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^Name: +pi$/m);
    assert.match(run.stdout, /^Description: +Pi to N digits/m);
    assert.match(run.stdout, /^Lang: +node-ts$/m);
    assert.match(run.stdout, /^(Environment:)? +PI_MAX_DIGITS: 1000000$/m, 'one line per variable, aligned under Environment:');
    assert.equal(run.stdout.match(/^URL: +(\S+)$/m)?.[1], `${node.url}/function/pi`);
  });

  it("store deploy pi builds it in a temp folder and deploys it; the article's request gives 40 digits", async () => {
    const tmp = await tempDir('sluice-store-tmp-');
    const run = await sluice(['store', 'deploy', 'pi'], { env: { TMPDIR: tmp } });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, `Deployed pi: ${node.url}/function/pi\n`);
    assert.equal(run.stderr, '', 'no progress lines in a pipe');
    assert.deepEqual(await readdir(tmp), [], 'the build folder is removed');
    const invoked = await sluice(['invoke', 'pi'], { stdin: '40\n\n' });
    assert.equal(invoked.code, 0, invoked.stderr);
    assert.equal(invoked.stdout, `40 ${FORTY}\n`);
    const { body } = await statusOf('pi');
    assert.match(body.annotations?.['description'] ?? '', /^Pi to N digits/, 'the description is deployed with it');
  });

  it('store deploy echo --name echo2 -e FOO=bar deploys it under the alias, with the extra env', async () => {
    const run = await sluice(['store', 'deploy', 'echo', '--name', 'echo2', '-e', 'FOO=bar', '--json']);
    assert.equal(run.code, 0, run.stderr);
    const result = JSON.parse(run.stdout) as { name: string; status: number; bundle: string; url: string };
    assert.equal(result.name, 'echo2');
    assert.equal(result.status, 202);
    assert.match(result.bundle, /^sha256:[0-9a-f]{64}$/);
    assert.equal(result.url, `${node.url}/function/echo2`);
    assert.deepEqual((await statusOf('echo2')).body.envVars, { RAW_BODY: 'true', FOO: 'bar' });
    assert.equal((await statusOf('echo')).status, 404, 'nothing is deployed under the store name');
    const res = await fetch(result.url, { method: 'POST', body: 'hello' });
    assert.equal(await res.text(), 'hello');
  });

  it('store deploy --replace removes the function, then creates it again (an update keeps it)', async () => {
    const before = (await statusOf('echo2')).body.createdAt;
    const run = await sluice(['store', 'deploy', 'echo', '--name', 'echo2', '--replace']);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, `Deployed echo2: ${node.url}/function/echo2\n`);
    const { body } = await statusOf('echo2');
    assert.ok(body.createdAt && body.createdAt !== before, `created anew: ${before} → ${body.createdAt}`);
    assert.deepEqual(body.envVars, { RAW_BODY: 'true' });
  });

  it("an unknown name exits 2 and lists the store's functions", async () => {
    const run = await sluice(['store', 'deploy', 'nope']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /^Error: no function "nope" in the store \S+; available: echo, pi\b/);
  });
});
