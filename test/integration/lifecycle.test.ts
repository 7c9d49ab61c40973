import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { after, describe, it } from 'node:test';
import path from 'node:path';
import { ROOT, alive, cleanup, deploy, deployNodeTs, descendants, eventually, startSluice, tempDir, waitAvailable } from '../harness.js';

const SLOW = `
export default async (event: any) => {
  await new Promise((r) => setTimeout(r, Number(event.query.ms ?? 0)));
  return 'done';
};`;

describe('sluice serve lifecycle', () => {
  after(cleanup);

  it('a restart brings back every deployed function with its replicas', async () => {
    const dataDir = await tempDir();
    const first = await startSluice({ dataDir });
    await deployNodeTs(first, 'slow', SLOW);
    await deploy(first, { service: 'cat-fn', image: 'x', envProcess: 'cat' });
    await fetch(`${first.url}/system/scale-function/slow`, { method: 'POST', body: JSON.stringify({ replicas: 2 }) });
    await waitAvailable(first, 'slow', 2);
    assert.equal(await first.stop(), 0);

    const second = await startSluice({ dataDir });
    const list = (await (await fetch(`${second.url}/system/functions`)).json()) as Array<{ name: string; replicas?: number }>;
    assert.deepEqual(list.map((f) => [f.name, f.replicas]).sort(), [['cat-fn', 1], ['slow', 2]]);
    await waitAvailable(second, 'slow', 2);
    assert.equal(await (await fetch(`${second.url}/function/slow`)).text(), 'done');
    assert.equal(await (await fetch(`${second.url}/function/cat-fn`, { method: 'POST', body: 'back' })).text(), 'back');
    assert.equal(await second.stop(), 0);
  });

  it('SIGTERM lets in-flight calls finish, stops every child process and exits 0', async () => {
    const node = await startSluice();
    await deployNodeTs(node, 'slow', SLOW);
    await deploy(node, { service: 'sleeper', image: 'x', envProcess: 'sleep 30' });
    await waitAvailable(node, 'slow');
    const inFlight = fetch(`${node.url}/function/slow?ms=800`).then(async (r) => ({ status: r.status, text: await r.text() }));
    const forked = fetch(`${node.url}/function/sleeper`, { method: 'POST' }).then((r) => r.status, () => 0);
    await eventually(() => descendants(node.process.pid as number).length >= 2, 5000, 'replica and forked process');
    const children = descendants(node.process.pid as number);
    await new Promise((r) => setTimeout(r, 100));
    const code = await node.stop();
    assert.equal(code, 0);
    assert.deepEqual(await inFlight, { status: 200, text: 'done' });
    await forked;
    await eventually(() => children.every((pid) => !alive(pid)), 5000, 'every child to be gone');
  });

  it('SIGKILL of the gateway leaves no replica behind (replicas exit with their parent)', async () => {
    const node = await startSluice();
    await deployNodeTs(node, 'slow', SLOW);
    // A plain server in http mode that never looks at its IPC channel, as any program but Sluice's runners.
    const script = path.join(await tempDir('sluice-plain-server-'), 'server.mjs');
    await writeFile(script, `import { createServer } from 'node:http';\ncreateServer((_q, res) => res.end('up')).listen(process.env.SLUICE_SOCKET);\n`);
    await deploy(node, { service: 'plain-server', image: 'x', envProcess: `node ${script}`, envVars: { mode: 'http' } });
    await waitAvailable(node, 'slow');
    await waitAvailable(node, 'plain-server');
    assert.equal(await (await fetch(`${node.url}/function/plain-server`)).text(), 'up');
    const children = descendants(node.process.pid as number);
    assert.ok(children.length >= 2);
    await node.kill();
    await eventually(() => children.every((pid) => !alive(pid)), 5000, 'orphaned replicas to exit');
  });

  it('serve --stack (npm start) deploys the shipped functions, and again on the next start', async () => {
    const dataDir = await tempDir();
    const stack = path.join(ROOT, 'functions', 'stack.yml');
    for (let start = 1; start <= 2; start++) {
      const node = await startSluice({ dataDir, args: ['--stack', stack] });
      await waitAvailable(node, 'echo');
      const res = await fetch(`${node.url}/function/echo`, { method: 'POST', body: Buffer.from([0, 1, 2, 255]) });
      assert.equal(res.status, 200);
      assert.deepEqual([...Buffer.from(await res.arrayBuffer())], [0, 1, 2, 255]);
      assert.doesNotMatch(node.output(), /could not deploy/);
      assert.equal(await node.stop(), 0);
    }
  });

  it('refuses to start on a port that is taken, saying so', async () => {
    const node = await startSluice();
    const port = new URL(node.url).port;
    const clash = startSluice({ args: ['--port', port] });
    await assert.rejects(clash, /EADDRINUSE|in use/);
  });
});
