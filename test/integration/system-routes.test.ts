import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { cleanup, deploy, postOneBigChunk, startSluice, waitAvailable, type SluiceNode } from '../harness.js';

let node: SluiceNode;
const api = (path: string, init?: RequestInit): Promise<Response> => fetch(`${node.url}${path}`, init);
const json = (method: string, body: unknown): RequestInit => ({ method, body: typeof body === 'string' ? body : JSON.stringify(body) });

async function errorOf(res: Response): Promise<{ code: string; message: string }> {
  assert.equal(res.headers.get('content-type'), 'application/json');
  return (await res.json()) as { code: string; message: string };
}

describe('gateway /system routes', () => {
  before(async () => {
    node = await startSluice();
  });
  after(cleanup);

  describe('POST /system/functions', () => {
    it('deploys an image-only function whose envProcess is a host program (202)', async () => {
      const res = await api('/system/functions', json('POST', { service: 'cat-fn', image: 'any', envProcess: 'cat', labels: { team: 'a' } }));
      assert.equal(res.status, 202);
      await waitAvailable(node, 'cat-fn');
    });
    it("takes a Go client's deployment, whose unset maps, lists and pointers are null (faas-cli deploy --image --name --fprocess)", async () => {
      const body = {
        service: 'go-client', image: 'go:latest', envProcess: 'cat', namespace: 'openfaas-fn', envVars: null, constraints: null, secrets: null,
        labels: null, annotations: null, limits: null, requests: null, readOnlyRootFilesystem: false,
      };
      assert.equal((await api('/system/functions', json('POST', body))).status, 202);
      assert.equal((await api('/system/scale-function/go-client', json('POST', { serviceName: 'go-client', replicas: 2, namespace: null }))).status, 202);
      const status = (await (await api('/system/function/go-client')).json()) as Record<string, unknown>;
      assert.deepEqual([status['name'], status['labels'], status['replicas']], ['go-client', { faas_function: 'go-client' }, 2]);
      assert.equal((await api('/system/functions', json('DELETE', { functionName: 'go-client', namespace: null }))).status, 202);
    });
    it('refuses a second deployment of the same name (409)', async () => {
      const res = await api('/system/functions', json('POST', { service: 'cat-fn', image: 'any', envProcess: 'cat' }));
      assert.equal(res.status, 409);
      assert.equal((await errorOf(res)).code, 'ERR_FUNCTION_EXISTS');
    });
    it('answers malformed JSON with 400 ERR_BAD_JSON', async () => {
      const res = await api('/system/functions', json('POST', '{"service":'));
      assert.equal(res.status, 400);
      assert.equal((await errorOf(res)).code, 'ERR_BAD_JSON');
    });
    it('names every missing field (service, image)', async () => {
      const res = await api('/system/functions', json('POST', {}));
      assert.equal(res.status, 400);
      const { message } = await errorOf(res);
      assert.match(message, /service: service is required/);
      assert.match(message, /image: image is required/);
    });
    for (const bad of ['Upper', '-dash', 'a_b', 'x'.repeat(64), 'dot.ted']) {
      it(`rejects the invalid name "${bad.slice(0, 12)}" (400 ERR_INVALID_NAME)`, async () => {
        const res = await api('/system/functions', json('POST', { service: bad, image: 'x', envProcess: 'cat' }));
        assert.equal(res.status, 400);
        assert.equal((await errorOf(res)).code, 'ERR_INVALID_NAME');
      });
    }
    it('rejects another namespace (400)', async () => {
      const res = await api('/system/functions', json('POST', { service: 'ns-fn', image: 'x', envProcess: 'cat', namespace: 'other' }));
      assert.equal(res.status, 400);
      assert.match((await errorOf(res)).message, /namespace must be: openfaas-fn/);
    });
    it('rejects an image-only deployment without envProcess, saying what to do', async () => {
      const res = await api('/system/functions', json('POST', { service: 'no-proc', image: 'x' }));
      assert.equal(res.status, 400);
      assert.match((await errorOf(res)).message, /envProcess/);
    });
    it('rejects an fprocess program that does not exist on the host', async () => {
      const res = await api('/system/functions', json('POST', { service: 'typo', image: 'x', envProcess: 'no-such-program-xyz' }));
      assert.equal(res.status, 400);
      assert.match((await errorOf(res)).message, /no-such-program-xyz/);
    });
    it('rejects a bundle digest that was never uploaded', async () => {
      const res = await api('/system/functions', json('POST', { service: 'ghost', image: 'x', annotations: { 'com.sluice.bundle': `sha256:${'0'.repeat(64)}` } }));
      assert.equal(res.status, 400);
      assert.equal((await errorOf(res)).code, 'ERR_BUNDLE_NOT_FOUND');
    });
    it('rejects a bad duration in the function env, naming it', async () => {
      const res = await api('/system/functions', json('POST', { service: 'slowpoke', image: 'x', envProcess: 'cat', envVars: { exec_timeout: 'soon' } }));
      assert.equal(res.status, 400);
      assert.match((await errorOf(res)).message, /exec_timeout=soon/);
    });
  });

  describe('GET /system/functions and /system/function/{name}', () => {
    it('lists FunctionStatus with the OpenFaaS keys', async () => {
      const res = await api('/system/functions');
      assert.equal(res.status, 200);
      const list = (await res.json()) as Array<Record<string, unknown>>;
      const cat = list.find((f) => f['name'] === 'cat-fn');
      assert.ok(cat, 'cat-fn is listed');
      assert.equal(cat['image'], 'any');
      assert.equal(cat['namespace'], 'openfaas-fn');
      assert.equal(cat['envProcess'], 'cat');
      assert.deepEqual(cat['labels'], { team: 'a', faas_function: 'cat-fn' });
      assert.equal(cat['replicas'], 1);
      assert.equal(cat['availableReplicas'], 1);
      assert.equal(typeof cat['invocationCount'], 'number');
      assert.ok(!Number.isNaN(Date.parse(cat['createdAt'] as string)), 'createdAt is a date');
      assert.equal(cat['service'], undefined, 'status uses name, not service');
    });
    it('reads one function, also as name.namespace', async () => {
      for (const name of ['cat-fn', 'cat-fn.openfaas-fn']) {
        const res = await api(`/system/function/${name}`);
        assert.equal(res.status, 200);
        assert.equal(((await res.json()) as { name: string }).name, 'cat-fn');
      }
    });
    it('answers an unknown function with 404 naming it', async () => {
      const res = await api('/system/function/nobody');
      assert.equal(res.status, 404);
      assert.match((await errorOf(res)).message, /"nobody"/);
    });
    it('rejects ?namespace= of another namespace', async () => {
      assert.equal((await api('/system/functions?namespace=other')).status, 400);
    });
  });

  describe('PUT /system/functions', () => {
    it('updates an existing function (202) and the change shows', async () => {
      await deploy(node, { service: 'cat-fn', image: 'any:2', envProcess: 'cat', labels: { team: 'b' } });
      const status = (await (await api('/system/function/cat-fn')).json()) as { image: string; labels: Record<string, string> };
      assert.equal(status.image, 'any:2');
      assert.deepEqual(status.labels, { team: 'b', faas_function: 'cat-fn' });
    });
    it('answers 404 for a function that does not exist', async () => {
      const res = await api('/system/functions', json('PUT', { service: 'missing', image: 'x', envProcess: 'cat' }));
      assert.equal(res.status, 404);
    });
  });

  describe('POST /system/scale-function/{name}', () => {
    it('scales up and down (202); replicas follow', async () => {
      let res = await api('/system/scale-function/cat-fn', json('POST', { serviceName: 'cat-fn', replicas: 3 }));
      assert.equal(res.status, 202);
      await waitAvailable(node, 'cat-fn', 3);
      res = await api('/system/scale-function/cat-fn', json('POST', { serviceName: 'cat-fn', replicas: 1 }));
      assert.equal(res.status, 202);
      const status = (await (await api('/system/function/cat-fn')).json()) as { replicas: number };
      assert.equal(status.replicas, 1);
    });
    it('rejects negative, fractional and missing replicas (400)', async () => {
      for (const body of [{ replicas: -1 }, { replicas: 1.5 }, {}, { replicas: 'two' }]) {
        const res = await api('/system/scale-function/cat-fn', json('POST', body));
        assert.equal(res.status, 400, JSON.stringify(body));
      }
    });
    it('caps replicas at com.openfaas.scale.max', async () => {
      await deploy(node, { service: 'capped', image: 'x', envProcess: 'cat', labels: { 'com.openfaas.scale.max': '2' } });
      const res = await api('/system/scale-function/capped', json('POST', { replicas: 3 }));
      assert.equal(res.status, 400);
      assert.match((await errorOf(res)).message, /at most 2 replicas/);
    });
    it('answers 404 for an unknown function and 405 for GET', async () => {
      assert.equal((await api('/system/scale-function/nobody', json('POST', { replicas: 1 }))).status, 404);
      const res = await api('/system/scale-function/cat-fn');
      assert.equal(res.status, 405);
      assert.equal(res.headers.get('allow'), 'POST');
    });
    it('scaled to zero, a call wakes the function (scale from zero)', async () => {
      await api('/system/scale-function/capped', json('POST', { replicas: 0 }));
      const res = await api('/function/capped', { method: 'POST', body: 'wake' });
      assert.equal(res.status, 200);
      assert.equal(await res.text(), 'wake');
    });
  });

  describe('POST /system/alert (AlertManager webhook)', () => {
    const alert = (...alerts: Array<{ status: string; function_name?: string }>): RequestInit =>
      json('POST', {
        receiver: 'scale-up',
        status: 'firing',
        alerts: alerts.map(({ status, function_name }) => ({ status, labels: { alertname: 'APIHighInvocationRate', ...(function_name ? { function_name } : {}) } })),
      });
    const replicas = async (name: string): Promise<number> => ((await (await api(`/system/function/${name}`)).json()) as { replicas?: number }).replicas ?? 0;

    it('firing adds ceil(max × factor / 100) up to max, resolved goes back to min (200 each)', async () => {
      await deploy(node, { service: 'alerted', image: 'x', envProcess: 'cat', labels: { 'com.openfaas.scale.max': '4', 'com.openfaas.scale.factor': '50' } });
      assert.equal((await api('/system/alert', alert({ status: 'firing', function_name: 'alerted' }))).status, 200);
      assert.equal(await replicas('alerted'), 3);
      // As AlertManager names it: `<name>.<namespace>`.
      assert.equal((await api('/system/alert', alert({ status: 'firing', function_name: 'alerted.openfaas-fn' }))).status, 200);
      assert.equal(await replicas('alerted'), 4, 'capped at max');
      await waitAvailable(node, 'alerted', 4);
      assert.equal((await api('/system/alert', alert({ status: 'resolved', function_name: 'alerted' }))).status, 200);
      assert.equal(await replicas('alerted'), 1);
    });

    it('leaves alone a function whose min equals its max, one scaled to 0, and alerts naming no function', async () => {
      await deploy(node, { service: 'pinned', image: 'x', envProcess: 'cat', labels: { 'com.openfaas.scale.min': '2', 'com.openfaas.scale.max': '2' } });
      await deploy(node, { service: 'parked', image: 'x', envProcess: 'cat' });
      await api('/system/scale-function/parked', json('POST', { replicas: 0 }));
      const res = await api('/system/alert', alert({ status: 'firing', function_name: 'pinned' }, { status: 'firing', function_name: 'parked' }, { status: 'firing' }));
      assert.equal(res.status, 200);
      assert.deepEqual([await replicas('pinned'), await replicas('parked')], [2, 0]);
    });

    it('acts on the alerts it can and answers 500 ERR_ALERTS_FAILED listing the others', async () => {
      await deploy(node, { service: 'alerted-too', image: 'x', envProcess: 'cat', labels: { 'com.openfaas.scale.max': '2' } });
      const res = await api('/system/alert', alert({ status: 'firing', function_name: 'nobody' }, { status: 'firing', function_name: 'alerted-too' }, { status: 'firing', function_name: 'x.other-ns' }));
      assert.equal(res.status, 500);
      const { code, message } = await errorOf(res);
      assert.equal(code, 'ERR_ALERTS_FAILED');
      assert.match(message, /^2 alert\(s\) could not be acted on/);
      assert.match(message, /\[0\] nobody: function "nobody" not found/);
      assert.match(message, /\[2\] x\.other-ns: namespace "other-ns" does not exist/);
      assert.equal(await replicas('alerted-too'), 2, 'the good alert was acted on');
    });

    it('answers 400 naming the problem for no body, bad JSON and a body of the wrong shape', async () => {
      const cases: Array<[string, string, RegExp]> = [
        ['', 'ERR_BAD_REQUEST', /needs a body: AlertManager's webhook JSON/],
        ['{"alerts":', 'ERR_BAD_JSON', /not valid JSON/],
        ['{}', 'ERR_BAD_REQUEST', /alerts: alerts must be a list/],
        ['{"alerts":[{"status":"pending","labels":{"function_name":"alerted"}}]}', 'ERR_BAD_REQUEST', /alerts\.0\.status: status must be "firing" or "resolved"/],
      ];
      for (const [body, wanted, message] of cases) {
        const res = await api('/system/alert', { method: 'POST', body });
        assert.equal(res.status, 400, body);
        const err = await errorOf(res);
        assert.equal(err.code, wanted, body);
        assert.match(err.message, message, body);
      }
      assert.equal((await api('/system/alert')).status, 405);
    });
  });

  describe('DELETE /system/functions', () => {
    it('removes a function (202); it is gone from the list and its route', async () => {
      await deploy(node, { service: 'doomed', image: 'x', envProcess: 'cat' });
      const res = await api('/system/functions', json('DELETE', { functionName: 'doomed' }));
      assert.equal(res.status, 202);
      assert.equal((await api('/system/function/doomed')).status, 404);
      assert.equal((await api('/function/doomed', { method: 'POST' })).status, 404);
    });
    it('answers 404 for an unknown function and 400 without functionName', async () => {
      assert.equal((await api('/system/functions', json('DELETE', { functionName: 'nobody' }))).status, 404);
      assert.equal((await api('/system/functions', json('DELETE', {}))).status, 400);
    });
  });

  describe('POST /system/bundles', () => {
    it('rejects bytes that are not a bundle (400 ERR_BAD_BUNDLE)', async () => {
      const res = await api('/system/bundles', { method: 'POST', body: 'not a tarball' });
      assert.equal(res.status, 400);
      assert.equal((await errorOf(res)).code, 'ERR_BAD_BUNDLE');
    });
  });

  describe('info, namespaces, health, unknown routes', () => {
    it('GET /system/info names the provider and version', async () => {
      const info = (await (await api('/system/info')).json()) as { provider: { provider: string }; version: { release: string }; arch: string };
      assert.equal(info.provider.provider, 'sluice');
      assert.match(info.version.release, /^\d+\.\d+\.\d+/);
      assert.ok(info.arch);
    });
    it('GET /system/namespaces lists the one namespace', async () => {
      assert.deepEqual(await (await api('/system/namespaces')).json(), ['openfaas-fn']);
    });
    it('GET /healthz answers 200', async () => {
      const res = await api('/healthz');
      assert.equal(res.status, 200);
      assert.equal(await res.text(), 'OK');
    });
    it('an unknown route is a 404 JSON error, a wrong method a 405', async () => {
      const res = await api('/system/nothing');
      assert.equal(res.status, 404);
      assert.equal((await errorOf(res)).code, 'ERR_ROUTE_NOT_FOUND');
      assert.equal((await api('/system/info', { method: 'DELETE' })).status, 405);
    });
  });
});

describe('max_bundle_size', () => {
  let small: SluiceNode;
  before(async () => {
    small = await startSluice({ env: { max_bundle_size: '1Ki' } });
  });
  after(cleanup);

  it('a bundle upload above the limit is refused with 413, declared or chunked', async () => {
    let res = await fetch(`${small.url}/system/bundles`, { method: 'POST', body: Buffer.alloc(4096) });
    assert.equal(res.status, 413);
    assert.equal((await errorOf(res)).code, 'ERR_BODY_TOO_LARGE');
    const chunked = new ReadableStream({
      start(controller) {
        for (let i = 0; i < 4; i++) controller.enqueue(new Uint8Array(1024));
        controller.close();
      },
    });
    res = await fetch(`${small.url}/system/bundles`, { method: 'POST', body: chunked, duplex: 'half' } as RequestInit);
    assert.equal(res.status, 413);
    const { code, message } = await errorOf(res);
    assert.equal(code, 'ERR_BODY_TOO_LARGE');
    assert.match(message, /max_bundle_size/);
  });
  it('one chunk far past the limit gets a 413 and the gateway lives on (regression: it crashed)', async () => {
    assert.equal(await postOneBigChunk(small, '/system/bundles', 8192), 'HTTP/1.1 413 Payload Too Large');
    assert.equal((await fetch(`${small.url}/healthz`)).status, 200);
  });
});
