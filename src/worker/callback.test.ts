import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import http, { type IncomingHttpHeaders } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import { CallbackClient, CallbackError, type CallbackMessage, type CallbackOptions } from './callback.js';
import { verifyCallbackSignature } from '../api/index.js';
import { NoProxyList } from './no-proxy.js';
import { startForwardProxy, type ForwardProxy } from '../../test/forward-proxy.js';

// Real sockets throughout: a receiver and a forward proxy on port 0, no mocks.

const open: Array<() => Promise<void>> = [];
after(async () => {
  for (const close of open.reverse()) await close();
});

describe('CallbackClient.post', () => {
  it('sends POST to the exact path and query, the call headers, and a 1 MB binary body byte-exact', async () => {
    const receiver = await startReceiver(() => [202, 'thanks']);
    const body = randomBytes(1024 * 1024);
    const status = await client().post(
      message(`${receiver.url}/hooks/done?token=abc&x=1&x=2`, {
        status: 201,
        body,
        callId: 'call-123',
        functionName: 'resize.openfaas-fn',
        durationSeconds: 0.1234567,
        attempt: 3,
        headers: {
          'content-type': 'image/png',
          'x-custom': 'kept',
          'x-start-time': '1700000000000000000',
          // hop-by-hop, and a header the Connection header names (RFC 9110 §7.6.1)
          connection: 'close, x-named-hop',
          'x-named-hop': 'dropped',
          'keep-alive': 'timeout=5',
          'transfer-encoding': 'chunked',
          te: 'trailers',
          trailer: 'x-sum',
          upgrade: 'websocket',
          'proxy-authenticate': 'Basic',
          'proxy-foo': 'bar',
          // recomputed or ours
          'content-length': '17',
          host: 'evil.example',
          'user-agent': 'function/1.0',
          'x-call-id': 'not-this-one',
          'x-function-status': '999',
        },
      }),
    );
    assert.equal(status, 202);
    const got = receiver.only();
    assert.equal(got.method, 'POST');
    assert.equal(got.url, '/hooks/done?token=abc&x=1&x=2');
    assert.ok(got.body.equals(body), 'body arrives byte-exact');
    assert.equal(got.headers['content-length'], String(body.length));
    assert.equal(got.headers['content-type'], 'image/png');
    assert.equal(got.headers['x-custom'], 'kept');
    assert.equal(got.headers['x-start-time'], '1700000000000000000');
    assert.equal(got.headers['x-call-id'], 'call-123');
    assert.equal(got.headers['x-function-status'], '201');
    assert.equal(got.headers['x-function-name'], 'resize.openfaas-fn');
    assert.equal(got.headers['x-duration-seconds'], '0.123457', "Go's %f: six decimals");
    assert.equal(got.headers['x-attempt'], '3');
    assert.equal(got.headers['user-agent'], 'sluice/test');
    assert.equal(got.headers.host, `127.0.0.1:${receiver.port}`);
    for (const dropped of ['x-named-hop', 'keep-alive', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'proxy-authenticate', 'proxy-foo', 'x-sluice-signature']) {
      assert.equal(got.headers[dropped], undefined, `${dropped} is not sent`);
    }
  });

  it('formats X-Duration-Seconds with six decimals for whole and tiny durations', async () => {
    const receiver = await startReceiver(() => [200, '']);
    await client().post(message(receiver.url, { durationSeconds: 2 }));
    await client().post(message(receiver.url, { durationSeconds: 0.0000004 }));
    assert.deepEqual(
      receiver.requests.map((r) => r.headers['x-duration-seconds']),
      ['2.000000', '0.000000'],
    );
  });

  it('sends an empty body and X-Function-Status 503 for a transport error, as the worker passes them', async () => {
    const receiver = await startReceiver(() => [200, '']);
    await client().post(message(receiver.url, { status: 503, body: Buffer.alloc(0), headers: {} }));
    const got = receiver.only();
    assert.equal(got.headers['x-function-status'], '503');
    assert.equal(got.headers['content-length'], '0');
    assert.equal(got.body.length, 0);
  });

  it("resolves with the receiver's status, whatever it is, and does not follow redirects", async () => {
    const answers: Array<[number, string]> = [[500, 'boom'], [404, ''], [302, 'moved'], [204, '']];
    const receiver = await startReceiver(() => answers.shift() as [number, string], { location: '/elsewhere' });
    const c = client();
    assert.deepEqual([await c.post(message(receiver.url)), await c.post(message(receiver.url)), await c.post(message(receiver.url)), await c.post(message(receiver.url))], [500, 404, 302, 204]);
    assert.equal(receiver.requests.length, 4, 'the redirect was not followed');
  });

  it('reads and discards a large answer body', async () => {
    const receiver = await startReceiver(() => [200, 'x'.repeat(3 * 1024 * 1024)]);
    const c = client();
    assert.equal(await c.post(message(receiver.url)), 200);
    assert.equal(await c.post(message(receiver.url)), 200);
  });

  it('signs the body when given a key, and the header the receiver got verifies', async () => {
    const receiver = await startReceiver(() => [200, '']);
    const body = randomBytes(4096);
    await client({ signingKey: 'whsec_test' }).post(message(receiver.url, { body }));
    const got = receiver.only();
    const header = got.headers['x-sluice-signature'] as string;
    assert.match(header, /^t=\d+,v1=[0-9a-f]{64}$/);
    assert.ok(verifyCallbackSignature(header, got.body, 'whsec_test'));
    assert.ok(!verifyCallbackSignature(header, got.body, 'another-key'));
  });

  it('rejects naming a refused connection, without the query (it may carry a token)', async () => {
    const port = await closedPort();
    const err = await rejection(client().post(message(`http://127.0.0.1:${port}/cb?token=secret`)));
    assert.equal(err.kind, 'refused');
    assert.match(err.message, new RegExp(`callback POST to http://127\\.0\\.0\\.1:${port}/cb failed: connection refused \\(ECONNREFUSED\\)`));
    assert.doesNotMatch(err.message, /secret/);
  });

  it('rejects naming DNS when the host does not resolve', async () => {
    // .invalid never resolves (RFC 6761 §6.4).
    const err = await rejection(client().post(message('http://callback.invalid/cb')));
    assert.equal(err.kind, 'dns');
    assert.match(err.message, /DNS lookup of callback\.invalid failed/);
  });

  it('rejects after timeoutMs when the receiver never answers', async () => {
    const receiver = await startReceiver(() => undefined);
    const started = Date.now();
    const err = await rejection(client({ timeoutMs: 300 }).post(message(receiver.url)));
    const took = Date.now() - started;
    assert.equal(err.kind, 'timeout');
    assert.match(err.message, /no complete answer within 300 ms/);
    assert.ok(took >= 290 && took < 2000, `took ${took} ms`);
  });

  it('rejects after timeoutMs when the answer body stalls (the deadline runs to the last byte)', async () => {
    const server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-length': '100' });
        res.write('only part');
      });
    });
    const port = await listen(server);
    const err = await rejection(client({ timeoutMs: 300 }).post(message(`http://127.0.0.1:${port}/`)));
    assert.equal(err.kind, 'timeout');
  });

  it('rejects after timeoutMs when the connection is accepted but the server never reads', async () => {
    // A TCP listener that never speaks HTTP: the connect succeeds, nothing else happens.
    const sockets = new Set<net.Socket>();
    const server = net.createServer((socket) => sockets.add(socket.on('error', () => undefined)));
    const port = await listen(server, () => sockets.forEach((s) => s.destroy()));
    const err = await rejection(client({ timeoutMs: 250 }).post(message(`http://127.0.0.1:${port}/`)));
    assert.equal(err.kind, 'timeout');
  });

  it('rejects a callback URL that is not http(s)', async () => {
    assert.equal((await rejection(client().post(message('ftp://example.com/x')))).kind, 'url');
    assert.equal((await rejection(client().post(message('not a url')))).kind, 'url');
  });
});

describe('CallbackClient proxies', () => {
  it('sends an http:// callback through HTTP_PROXY as an absolute-URI request', async () => {
    const receiver = await startReceiver(() => [202, '']);
    const proxy = await startProxy();
    const body = randomBytes(64 * 1024);
    const status = await client({ proxy: { httpProxy: proxy.url } }).post(message(`${receiver.url}/cb?x=1`, { body }));
    assert.equal(status, 202);
    assert.deepEqual(proxy.seen, [`POST ${receiver.url}/cb?x=1`]);
    assert.ok(receiver.only().body.equals(body));
  });

  it('takes a proxy without a scheme as http://', async () => {
    const receiver = await startReceiver(() => [200, '']);
    const proxy = await startProxy();
    await client({ proxy: { httpProxy: `127.0.0.1:${proxy.port}` } }).post(message(receiver.url));
    assert.equal(proxy.seen.length, 1);
  });

  for (const noProxy of ['127.0.0.1', '*', 'example.com, *', '127.0.0.1:PORT']) {
    it(`goes direct when NO_PROXY is "${noProxy}"`, async () => {
      const receiver = await startReceiver(() => [200, '']);
      const proxy = await startProxy();
      const c = client({ proxy: { httpProxy: proxy.url, noProxy: noProxy.replace('PORT', String(receiver.port)) } });
      assert.equal(await c.post(message(receiver.url)), 200);
      assert.deepEqual(proxy.seen, []);
      assert.equal(receiver.requests.length, 1);
    });
  }

  it('still uses the proxy when the NO_PROXY entry has another port', async () => {
    const receiver = await startReceiver(() => [200, '']);
    const proxy = await startProxy();
    await client({ proxy: { httpProxy: proxy.url, noProxy: `127.0.0.1:${receiver.port + 1}` } }).post(message(receiver.url));
    assert.equal(proxy.seen.length, 1);
  });

  it('proxies localhost unless NO_PROXY lists it', async () => {
    const receiver = await startReceiver(() => [200, '']);
    const proxy = await startProxy();
    const url = `http://localhost:${receiver.port}/cb`;
    await client({ proxy: { httpProxy: proxy.url } }).post(message(url));
    assert.deepEqual(proxy.seen, [`POST ${url}`]);
    await client({ proxy: { httpProxy: proxy.url, noProxy: 'localhost' } }).post(message(url));
    assert.equal(proxy.seen.length, 1, 'the second callback went direct');
    assert.equal(receiver.requests.length, 2);
  });

  it('does not send an https:// callback through HTTP_PROXY (only HTTPS_PROXY is for https)', async () => {
    const receiver = await startReceiver(() => [200, '']);
    const proxy = await startProxy();
    // Plain HTTP on the other end, so the direct TLS handshake fails: what matters is the proxy saw nothing.
    const err = await rejection(client({ proxy: { httpProxy: proxy.url } }).post(message(`https://127.0.0.1:${receiver.port}/cb`)));
    assert.deepEqual(proxy.seen, []);
    assert.notEqual(err.kind, 'proxy');
  });

  it('tunnels an https:// callback through HTTPS_PROXY with CONNECT', async () => {
    const receiver = await startReceiver(() => [200, '']);
    const proxy = await startProxy();
    // The tunnel reaches a plain-HTTP receiver, so TLS fails after the CONNECT: the CONNECT is the point.
    const err = await rejection(client({ proxy: { httpProxy: 'http://127.0.0.1:1', httpsProxy: proxy.url } }).post(message(`https://127.0.0.1:${receiver.port}/cb`)));
    assert.deepEqual(proxy.seen, [`CONNECT 127.0.0.1:${receiver.port}`]);
    assert.notEqual(err.kind, 'timeout');
  });

  it("sends the proxy URL's credentials as Proxy-Authorization, never the function's proxy headers", async () => {
    const receiver = await startReceiver(() => [200, '']);
    const proxy = await startProxy({ credentials: 'user:p@ss' });
    const c = client({ proxy: { httpProxy: `http://user:${encodeURIComponent('p@ss')}@127.0.0.1:${proxy.port}` } });
    assert.equal(await c.post(message(receiver.url, { headers: { 'proxy-authorization': 'Basic bm9wZTpub3Bl' } })), 200);
    assert.equal(proxy.seen.length, 1);
    assert.equal(receiver.only().headers['proxy-authorization'], undefined);
  });

  it('rejects naming the proxy when it wants credentials (407)', async () => {
    const receiver = await startReceiver(() => [200, '']);
    const proxy = await startProxy({ credentials: 'user:pass' });
    const err = await rejection(client({ proxy: { httpProxy: proxy.url } }).post(message(receiver.url)));
    assert.equal(err.kind, 'proxy');
    assert.match(err.message, /through proxy http:\/\/127\.0\.0\.1:\d+\/ failed: .*407/);
  });

  it('rejects naming the proxy when it refuses connections, without its credentials', async () => {
    const port = await closedPort();
    const err = await rejection(client({ proxy: { httpProxy: `http://user:hunter2@127.0.0.1:${port}` } }).post(message('http://callback.example/cb')));
    assert.equal(err.kind, 'proxy');
    assert.match(err.message, new RegExp(`through proxy http://127\\.0\\.0\\.1:${port}/ failed: connection refused`));
    assert.doesNotMatch(err.message, /hunter2/);
  });

  it('fails at once, without a reconnect loop, when the proxy hangs up on CONNECT (nodejs/undici#3897)', async () => {
    let connections = 0;
    // node:http with no 'connect' listener closes the socket of a CONNECT request.
    const server = http.createServer((_req, res) => res.end()).on('connection', () => connections++);
    const port = await listen(server);
    const started = Date.now();
    const err = await rejection(client({ timeoutMs: 5000, proxy: { httpsProxy: `http://127.0.0.1:${port}` } }).post(message('https://callback.example/cb')));
    assert.equal(err.kind, 'proxy');
    assert.match(err.message, /the proxy closed the connection instead of answering CONNECT/);
    assert.ok(Date.now() - started < 2000);
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.ok(connections <= 2, `${connections} connections to the proxy`);
  });

  it('refuses a proxy setting that is not an http(s) URL', () => {
    assert.throws(() => client({ proxy: { httpProxy: 'socks5://127.0.0.1:1080' } }), /proxy\.httpProxy: socks5:\/\/ proxies are not supported/);
    assert.throws(() => client({ proxy: { httpsProxy: 'http://[nope' } }), /proxy\.httpsProxy: "http:\/\/\[nope" is not a URL/);
  });
});

describe('NoProxyList', () => {
  // [NO_PROXY, callback URL, reached directly?]: the queue-worker rules of the OpenFaaS docs.
  const table: Array<[string, string, boolean]> = [
    ['', 'http://a.local/', false],
    // a name matches the host itself or as a domain suffix
    ['local', 'http://a.local/', true],
    ['.local', 'http://a.local/', true],
    ['local', 'http://local/', true],
    ['.local', 'http://local/', false], // a leading dot: subdomains only, as Go's net/http
    ['.local', 'http://b.a.local/', true],
    ['local', 'http://alocal/', false], // a suffix on a label boundary only
    ['ample.com', 'http://example.com/', false],
    ['test.local', 'http://callback.test.local/', true],
    ['callback.test.local', 'http://callback.test.local:8080/cb', true],
    ['svc.cluster.local', 'http://pil-draft-client-service.openfaas.svc.cluster.local:8080/', true],
    ['LOCAL', 'http://A.Local/', true],
    [' a.com , ,b.com ', 'http://b.com/', true],
    ['a.com,b.com', 'http://c.com/', false],
    // wildcards: a single * is every host; *.local is not a supported form
    ['*', 'http://anything.example/', true],
    ['a.com, *', 'https://other.example/', true],
    ['*.local', 'http://a.local/', false],
    ['*local', 'http://a.local/', false],
    // IP addresses: exact only, no CIDR, names are not resolved
    ['10.1.2.3', 'http://10.1.2.3/', true],
    ['1.2.3', 'http://10.1.2.3/', false],
    ['10.0.0.0/8', 'http://10.1.2.3/', false],
    ['localhost', 'http://127.0.0.1/', false],
    ['', 'http://localhost/', false], // loopback is proxied unless listed
    ['::1', 'http://[::1]:8080/', true],
    ['[::1]', 'http://[::1]/', true],
    ['[::1]:8080', 'http://[::1]:8080/', true],
    ['[::1]:8080', 'http://[::1]:9090/', false],
    // ports: an entry with a port matches that port only; a URL without one has its scheme's default
    ['example.com:8080', 'http://example.com:8080/', true],
    ['example.com:8080', 'http://example.com/', false],
    ['example.com:80', 'http://example.com/', true],
    ['example.com:443', 'https://example.com/', true],
    ['example.com:443', 'http://example.com/', false],
    ['.example.com:8080', 'http://api.example.com:8080/', true],
  ];
  for (const [noProxy, url, direct] of table) {
    it(`NO_PROXY=${JSON.stringify(noProxy)} ${direct ? 'bypasses' : 'proxies'} ${url}`, () => {
      assert.equal(NoProxyList.parse(noProxy).bypasses(new URL(url)), direct);
    });
  }

  it('lists the entries it cannot use', () => {
    assert.deepEqual(NoProxyList.parse('*.local, 10.0.0.0/8, a.com, host:abc, b.com:99999, .').ignored, ['*.local', '10.0.0.0/8', 'host:abc', 'b.com:99999', '.']);
  });
});

// --- internal ---

interface Received {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

function client(over: Partial<CallbackOptions> = {}): CallbackClient {
  const c = new CallbackClient({ proxy: {}, timeoutMs: 5000, userAgent: 'sluice/test', ...over });
  open.push(() => c.close());
  return c;
}

function message(url: string, over: Partial<CallbackMessage> = {}): CallbackMessage {
  return {
    url,
    status: 200,
    headers: { 'content-type': 'text/plain' },
    body: Buffer.from('result'),
    callId: 'call-1',
    functionName: 'echo',
    durationSeconds: 1.5,
    attempt: 1,
    ...over,
  };
}

async function rejection(promise: Promise<unknown>): Promise<CallbackError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof CallbackError, `a CallbackError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected a rejection');
}

/** A receiver on 127.0.0.1 that records each request; `answer` undefined means never answer. */
async function startReceiver(answer: () => [number, string] | undefined, extraHeaders: Record<string, string> = {}) {
  const requests: Received[] = [];
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) });
    const reply = answer();
    if (reply) res.writeHead(reply[0], extraHeaders).end(reply[1]);
  });
  const port = await listen(server);
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    requests,
    only(): Received {
      assert.equal(requests.length, 1);
      return requests[0] as Received;
    },
  };
}

/**
 * A tiny forward proxy: absolute-URI requests are forwarded with http.request, CONNECT is tunnelled;
 * `seen` records `METHOD target` of each. With `credentials`, anything else gets 407.
 */
async function startProxy(opts: { credentials?: string } = {}): Promise<ForwardProxy> {
  const proxy = await startForwardProxy(opts);
  open.push(() => proxy.close());
  return proxy;
}

async function listen(server: http.Server | net.Server, onClose?: () => void): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  open.push(async () => {
    onClose?.();
    if (server instanceof http.Server) server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  return (server.address() as AddressInfo).port;
}

/** A port nothing listens on (it was just released). */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
