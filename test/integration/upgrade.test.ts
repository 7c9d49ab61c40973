/**
 * Upgrade requests (WebSocket and the like) reach http-mode functions, through the gateway and
 * through `sluice watchdog`, as of-watchdog's streaming proxy relays them: 101, then bytes both ways.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import type { Socket } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ROOT, cleanup, deploy, startSluice, waitAvailable, type SluiceNode } from '../harness.js';
import { cleanupWatchdogs, startWatchdog, stopCleanly, type Watchdog } from '../watchdog/_watchdog.js';

const FIXTURE = path.join(ROOT, 'test', 'integration', 'fixtures', 'upgrade-echo.mjs');

interface Upgraded {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly socket: Socket | undefined;
  readonly body: string;
}

/** Sends an Upgrade request; resolves with the 101 and its socket, or with the refusal and its body. */
function upgrade(url: string): Promise<Upgraded> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { connection: 'Upgrade', upgrade: 'shout' } });
    req.once('upgrade', (res, socket) => resolve({ status: res.statusCode ?? 0, headers: res.headers, socket, body: '' }));
    req.once('response', (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.once('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, socket: undefined, body }));
    });
    req.once('error', reject);
    req.end();
  });
}

/** Writes `text` on an upgraded socket and resolves with what comes back. */
function exchange(socket: Socket, text: string): Promise<string> {
  return new Promise((resolve) => {
    socket.once('data', (chunk: Buffer) => resolve(chunk.toString()));
    socket.write(text);
  });
}

describe('Upgrade (WebSocket) requests', () => {
  let node: SluiceNode;
  let watchdog: Watchdog;
  before(async () => {
    node = await startSluice();
    await deploy(node, { service: 'shout', image: 'shout:latest', envProcess: `node ${FIXTURE}`, envVars: { mode: 'http' } });
    await deploy(node, { service: 'cat-fn', image: 'cat:latest', envProcess: 'cat' });
    await Promise.all([waitAvailable(node, 'shout'), waitAvailable(node, 'cat-fn')]);
    watchdog = await startWatchdog({ mode: 'http', fprocess: `${process.execPath} ${FIXTURE}` });
  });
  after(async () => {
    await stopCleanly(watchdog);
    await cleanupWatchdogs();
    await cleanup();
  });

  for (const via of ['gateway', 'sluice watchdog'] as const) {
    it(`${via}: 101 with the function's headers, the path and query kept, then bytes both ways`, async () => {
      const url = via === 'gateway' ? `${node.url}/function/shout/room/7?user=ada` : `${watchdog.url}/room/7?user=ada`;
      const { status, headers, socket } = await upgrade(url);
      assert.equal(status, 101);
      assert.equal(headers['x-seen-url'], '/room/7?user=ada');
      assert.ok(socket);
      assert.equal(await exchange(socket, 'hello'), 'HELLO');
      assert.equal(await exchange(socket, 'again'), 'AGAIN');
      socket.destroy();
    });
  }

  it('gateway: a function that is not in http mode refuses the upgrade with 400, naming the mode', async () => {
    const { status, body, headers } = await upgrade(`${node.url}/function/cat-fn`);
    assert.equal(status, 400);
    assert.equal(headers['x-sluice-error'], 'ERR_BAD_REQUEST');
    assert.match(body, /runs in fork mode: only http-mode functions take Upgrade/);
  });

  it('gateway: an unknown function gets 404, and plain calls still work beside upgrades', async () => {
    const { status, headers } = await upgrade(`${node.url}/function/nope`);
    assert.deepEqual([status, headers['x-sluice-error']], [404, 'ERR_FUNCTION_NOT_FOUND']);
    const res = await fetch(`${node.url}/function/shout/x`);
    assert.equal(await res.text(), 'plain /x');
  });
});
