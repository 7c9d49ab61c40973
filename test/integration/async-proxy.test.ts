/**
 * Callbacks leave through the gateway's HTTP_PROXY, except for hosts NO_PROXY names (the seed's
 * proxy section): a real forward proxy and a real receiver, `sluice serve` started with the env.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { verifyCallbackSignature } from '../../src/api/index.js';
import { startReceiver, type CallbackReceiver, type ReceivedCallback } from '../callback-receiver.js';
import { startForwardProxy, type ForwardProxy } from '../forward-proxy.js';
import { cleanup, deploy, startSluice } from '../harness.js';

let receiver: CallbackReceiver;
let proxy: ForwardProxy;

/** Starts a gateway with `env`, makes one async call with a callback, and resolves with it once it arrived. */
async function callBack(env: Record<string, string>, path: string): Promise<ReceivedCallback> {
  const node = await startSluice({ env });
  await deploy(node, { service: 'echo', image: 'cat', envProcess: 'cat' });
  const before = receiver.received.length;
  const res = await fetch(`${node.url}/async-function/echo`, { method: 'POST', body: path, headers: { 'x-callback-url': `${receiver.url}${path}` } });
  assert.equal(res.status, 202);
  const [cb] = (await receiver.waitFor(before + 1, 10_000)).slice(before);
  assert.ok(cb);
  assert.equal(cb.body.toString(), path);
  await node.stop();
  return cb;
}

describe('callbacks: HTTP_PROXY / NO_PROXY, and signatures', () => {
  after(async () => {
    await cleanup();
    await receiver?.close();
    await proxy?.close();
  });

  it('go through HTTP_PROXY, and straight to a host NO_PROXY names (or to any host with NO_PROXY=*)', async () => {
    receiver = await startReceiver();
    proxy = await startForwardProxy();
    await callBack({ HTTP_PROXY: proxy.url }, '/via-proxy');
    assert.deepEqual(proxy.seen, [`POST ${receiver.url}/via-proxy`]);
    await callBack({ http_proxy: proxy.url, no_proxy: '.example.com,127.0.0.1' }, '/direct');
    await callBack({ HTTP_PROXY: proxy.url, NO_PROXY: '*' }, '/wildcard');
    await callBack({ HTTP_PROXY: proxy.url, NO_PROXY: '127.0.0.2,*.0.0.1' }, '/not-matched');
    assert.deepEqual(proxy.seen, [`POST ${receiver.url}/via-proxy`, `POST ${receiver.url}/not-matched`], 'only the first and the last went through the proxy');
  });

  it('carry an X-Sluice-Signature the receiver can verify when SLUICE_CALLBACK_KEY is set, and none without', async () => {
    receiver ??= await startReceiver();
    const signed = await callBack({ SLUICE_CALLBACK_KEY: 'the-key' }, '/signed');
    const header = signed.headers['x-sluice-signature'] as string;
    assert.match(header, /^t=\d+,v1=[0-9a-f]{64}$/);
    assert.equal(verifyCallbackSignature(header, signed.body, 'the-key'), true);
    assert.equal(verifyCallbackSignature(header, signed.body, 'another-key'), false);
    const unsigned = await callBack({}, '/unsigned');
    assert.equal(unsigned.headers['x-sluice-signature'], undefined);
  });
});
