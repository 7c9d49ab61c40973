/**
 * Every watchdog mode inside the gateway: image-only deployments (envProcess + envVars `mode`) run
 * through the same runtime as `sluice watchdog`, one hop from the gateway.
 */
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cleanup, deploy, startSluice, tempDir, waitAvailable, type SluiceNode } from '../harness.js';

let node: SluiceNode;
let scripts: string;
const fn = (target: string, init?: RequestInit): Promise<Response> => fetch(`${node.url}/function/${target}`, init);

/** Prints what the CGI environment says about the call, as JSON. */
const PRINT_CALL = `
const env = process.env;
let body = '';
process.stdin.on('data', (c) => (body += c)).on('end', () => {
  if (env.Http_Path === '/sleep') return setTimeout(() => process.stdout.write('late'), 5000);
  if (env.Http_Path === '/fail') { process.stderr.write('broken on purpose\\n'); process.exit(3); }
  process.stdout.write(JSON.stringify({ method: env.Http_Method, path: env.Http_Path, query: env.Http_Query ?? '', custom: env.Http_X_Custom ?? '', body }));
});`;

async function deployMode(name: string, mode: string, envVars: Record<string, string> = {}): Promise<void> {
  await deploy(node, { service: name, image: `${name}:latest`, envProcess: `node ${path.join(scripts, 'print-call.cjs')}`, envVars: { mode, ...envVars } });
  await waitAvailable(node, name);
}

describe('watchdog modes in the gateway', () => {
  before(async () => {
    node = await startSluice();
    scripts = await tempDir('sluice-modes-');
    await writeFile(path.join(scripts, 'print-call.cjs'), PRINT_CALL);
    await deployMode('m-streaming', 'streaming', { exec_timeout: '1s' });
    await deployMode('m-serializing', 'serializing', { exec_timeout: '1s' });
    await deployMode('m-fork', 'fork', { exec_timeout: '1s', combine_output: 'false' });
  });
  after(cleanup);

  for (const mode of ['streaming', 'serializing', 'fork']) {
    describe(`${mode} mode`, () => {
      it('passes method, path, raw query, headers and body to the process', async () => {
        const res = await fn(`m-${mode}/some/path?a=1&a=2&b=x%20y`, { method: 'PUT', body: 'hello', headers: { 'X-Custom': 'v1' } });
        assert.equal(res.status, 200);
        assert.deepEqual(await res.json(), { method: 'PUT', path: '/some/path', query: 'a=1&a=2&b=x%20y', custom: 'v1', body: 'hello' });
      });

      it('answers a non-zero exit with 500 and the exit status', async () => {
        const res = await fn(`m-${mode}/fail`, { method: 'POST' });
        assert.equal(res.status, 500);
        assert.match(await res.text(), /^exit status 3\n/);
      });

      it('kills the process at exec_timeout', async () => {
        const started = Date.now();
        const res = await fn(`m-${mode}/sleep`, { method: 'POST' });
        const text = await res.text();
        if (mode === 'fork') assert.deepEqual([res.status, text], [408, 'Killed process.\n']);
        else assert.equal(res.status, 504);
        assert.ok(Date.now() - started < 3000, 'answered at the 1s exec_timeout, not after the 5s sleep');
      });
    });
  }

  it('fork mode echoes the request Content-Type; streaming and serializing answer content_type', async () => {
    const types = await Promise.all(['fork', 'streaming', 'serializing'].map(async (mode) => {
      const res = await fn(`m-${mode}`, { method: 'POST', body: 'x', headers: { 'content-type': 'text/x-mine' } });
      await res.arrayBuffer();
      return res.headers.get('content-type');
    }));
    assert.deepEqual(types, ['text/x-mine', 'application/octet-stream', 'application/octet-stream']);
  });

  it('answers 429 with X-OpenFaaS-Internal once every replica is at max_inflight', async () => {
    await deployMode('m-limited', 'serializing', { max_inflight: '1' });
    const slow = fn('m-limited/sleep', { method: 'POST', headers: { 'X-Timeout': '1s' } });
    await new Promise((r) => setTimeout(r, 300));
    const res = await fn('m-limited', { method: 'POST' });
    assert.equal(res.status, 429);
    assert.equal(res.headers.get('x-openfaas-internal'), 'faas-middleware');
    assert.equal(await res.text(), 'Concurrent request limit exceeded. Max concurrent requests: 1\n');
    await (await slow).arrayBuffer();
  });

  it('static mode serves the files under static_path, and nothing outside it', async () => {
    const site = path.join(scripts, 'site');
    await mkdir(path.join(site, 'docs'), { recursive: true });
    await writeFile(path.join(site, 'docs', 'index.html'), '<h1>docs</h1>');
    await writeFile(path.join(site, 'app.js'), 'console.log(1)');
    await deploy(node, { service: 'm-static', image: 'site:latest', envVars: { mode: 'static', static_path: site } });
    await waitAvailable(node, 'm-static');
    const page = await fn('m-static/docs/');
    assert.deepEqual([page.status, page.headers.get('content-type'), await page.text()], [200, 'text/html; charset=utf-8', '<h1>docs</h1>']);
    const script = await fn('m-static/app.js');
    assert.deepEqual([script.status, script.headers.get('content-type')], [200, 'text/javascript; charset=utf-8']);
    await script.arrayBuffer();
    const outside = await fn('m-static/..%2fprint-call.cjs');
    assert.equal(outside.status, 404);
    await outside.arrayBuffer();
  });

  it('refuses an invalid mode or timeout at deploy time, naming the variable', async () => {
    const res = await fetch(`${node.url}/system/functions`, {
      method: 'POST',
      body: JSON.stringify({ service: 'm-bad', image: 'x', envProcess: 'cat', envVars: { mode: 'bogus', exec_timeout: 'soon' } }),
    });
    assert.equal(res.status, 400);
    const { message } = (await res.json()) as { message: string };
    assert.match(message, /mode=bogus/);
    assert.match(message, /exec_timeout=soon/);
  });
});
