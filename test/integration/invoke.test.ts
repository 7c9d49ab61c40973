import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { alive, cleanup, deployNodeTs, eventually, postOneBigChunk, startSluice, waitAvailable, type SluiceNode } from '../harness.js';

const run = promisify(execFile);

/** Answers with what it received: the contract of reference §9.1, seen from inside. */
const INSPECT = `
export default async (event: any) => ({
  method: event.method, path: event.path, query: event.query, headers: event.headers,
  body: Buffer.isBuffer(event.body) ? event.body.toString('base64') : null,
});`;
const ECHO = `
export default async (event: any, context: any) => {
  context.headers({ 'content-type': event.headers['content-type'] ?? 'application/octet-stream' });
  return event.body;
};`;
const BEHAVE = `
export default async (event: any, context: any) => {
  const what = event.path.slice(1);
  if (what === 'status') { context.status(201).headers({ 'x-made-by': 'handler', 'content-type': 'text/plain' }); return 'created'; }
  if (what === 'throw') throw new Error('handler broke');
  if (what === 'sleep') { await new Promise((r) => setTimeout(r, Number(event.query.ms))); return 'slept'; }
  if (what === 'spin') { for (;;) {} }
  if (what === 'pid') return String(process.pid);
  return 'ok';
};`;

let node: SluiceNode;
const fn = (path: string, init?: RequestInit): Promise<Response> => fetch(`${node.url}/function/${path}`, init);

describe('invoking a function through the gateway', () => {
  before(async () => {
    node = await startSluice();
    await deployNodeTs(node, 'inspect', INSPECT, { environment: { RAW_BODY: 'true' } });
    await deployNodeTs(node, 'echo', ECHO, { environment: { RAW_BODY: 'true', MAX_RAW_SIZE: '20mb' } });
    await deployNodeTs(node, 'behave', BEHAVE, { environment: { exec_timeout: '2s', read_timeout: '500ms' } });
    await Promise.all(['inspect', 'echo', 'behave'].map((name) => waitAvailable(node, name)));
  });
  after(cleanup);

  describe('method, path, query and headers reach the handler', () => {
    for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']) {
      it(`${method} /function/inspect/some/path?a=1&a=2&b=x%20y`, async () => {
        const res = await fn('inspect/some/path?a=1&a=2&b=x%20y', { method, headers: { 'X-Custom': 'v1' } });
        assert.equal(res.status, 200);
        const seen = (await res.json()) as { method: string; path: string; query: unknown; headers: Record<string, string> };
        assert.equal(seen.method, method);
        assert.equal(seen.path, '/some/path');
        assert.deepEqual(seen.query, { a: ['1', '2'], b: 'x y' });
        assert.equal(seen.headers['x-custom'], 'v1');
      });
    }
    it('HEAD gets the status and no body', async () => {
      const res = await fn('inspect/x', { method: 'HEAD' });
      assert.equal(res.status, 200);
      assert.equal(await res.text(), '');
    });
    it('an unsupported method is a 405', async () => {
      assert.equal((await fn('inspect', { method: 'PROPFIND' })).status, 405);
    });
    it('the path is / when the URL ends at the name, with or without a slash', async () => {
      for (const path of ['inspect', 'inspect/']) {
        const seen = (await (await fn(path)).json()) as { path: string };
        assert.equal(seen.path, '/');
      }
    });
    it("the issue's curl command: PUT with path, repeated query and a body", async () => {
      const { stdout } = await run('curl', ['-s', '-X', 'PUT', `${node.url}/function/inspect/some/path?a=1&a=2`, '-d', 'x']);
      const seen = JSON.parse(stdout) as { method: string; path: string; query: unknown; body: string };
      assert.equal(seen.method, 'PUT');
      assert.equal(seen.path, '/some/path');
      assert.deepEqual(seen.query, { a: ['1', '2'] });
      assert.equal(Buffer.from(seen.body, 'base64').toString(), 'x');
    });
  });

  describe('bodies are byte-exact', () => {
    it('every byte value survives the round trip', async () => {
      const body = Buffer.from(Array.from({ length: 65536 }, (_, i) => i % 256));
      const res = await fn('echo', { method: 'POST', body, headers: { 'content-type': 'application/octet-stream' } });
      assert.equal(res.status, 200);
      assert.ok(Buffer.from(await res.arrayBuffer()).equals(body));
    });
    it('a 10 MB binary body round-trips', async () => {
      const body = randomBytes(10 * 1024 * 1024);
      const res = await fn('echo', { method: 'POST', body, headers: { 'content-type': 'application/octet-stream' } });
      assert.equal(res.status, 200);
      const back = Buffer.from(await res.arrayBuffer());
      assert.equal(back.length, body.length);
      assert.ok(back.equals(body));
    });
    it('a chunked body (no Content-Length) arrives whole', async () => {
      const text = await new Promise<string>((resolve, reject) => {
        const req = request(`${node.url}/function/echo`, { method: 'POST', headers: { 'content-type': 'text/plain' } }, (res) => {
          let out = '';
          res.on('data', (c: Buffer) => (out += c.toString()));
          res.on('end', () => resolve(out));
        });
        req.on('error', reject);
        req.write('part one, ');
        req.end('part two');
      });
      assert.equal(text, 'part one, part two');
    });
    it('an empty POST body reaches the handler as empty', async () => {
      const seen = (await (await fn('inspect', { method: 'POST' })).json()) as { body: string | null };
      assert.ok(seen.body === null || seen.body === '', `body was ${seen.body}`);
    });
  });

  describe('gateway headers', () => {
    it('generates X-Call-Id when absent, and the function sees the same id', async () => {
      const res = await fn('inspect');
      const id = res.headers.get('x-call-id');
      assert.match(id ?? '', /^[0-9a-f-]{36}$/);
      const seen = (await res.json()) as { headers: Record<string, string> };
      assert.equal(seen.headers['x-call-id'], id);
    });
    it("keeps the caller's own X-Call-Id", async () => {
      const res = await fn('inspect', { headers: { 'X-Call-Id': 'my-call-1' } });
      const seen = (await res.json()) as { headers: Record<string, string> };
      assert.equal(seen.headers['x-call-id'], 'my-call-1');
    });
    it('adds X-Start-Time (Unix ns), X-Duration-Seconds and X-Served-By', async () => {
      const before = Date.now();
      const res = await fn('inspect');
      const start = Number(BigInt(res.headers.get('x-start-time') ?? '0') / 1_000_000n);
      assert.ok(start >= before - 1000 && start <= Date.now() + 1000, `X-Start-Time ${start} near now`);
      assert.match(res.headers.get('x-duration-seconds') ?? '', /^\d+\.\d{6}$/);
      assert.match(res.headers.get('x-served-by') ?? '', /^sluice\/\d+\.\d+\.\d+/);
    });
    it('drops hop-by-hop headers and adds X-Forwarded-For/Host', async () => {
      const seen = await new Promise<{ headers: Record<string, string> }>((resolve, reject) => {
        const req = request(`${node.url}/function/inspect`, {
          headers: { Connection: 'keep-alive, X-Private-Hop', 'X-Private-Hop': '1', 'Keep-Alive': 'timeout=5', TE: 'trailers', 'Proxy-Authorization': 'secret' },
        }, (res) => {
          let out = '';
          res.on('data', (c: Buffer) => (out += c.toString()));
          res.on('end', () => resolve(JSON.parse(out) as { headers: Record<string, string> }));
        });
        req.on('error', reject);
        req.end();
      });
      for (const hop of ['x-private-hop', 'keep-alive', 'te', 'proxy-authorization']) {
        assert.equal(seen.headers[hop], undefined, `${hop} must not reach the function`);
      }
      // The gateway→replica hop has a Connection header of its own; the client's must not leak.
      assert.doesNotMatch(seen.headers['connection'] ?? '', /x-private-hop/i);
      assert.equal(seen.headers['x-forwarded-for'], '127.0.0.1');
      assert.equal(seen.headers['x-forwarded-host'], new URL(node.url).host);
    });
  });

  describe("the handler's answer", () => {
    it('context.status() and headers() shape the response', async () => {
      const res = await fn('behave/status');
      assert.equal(res.status, 201);
      assert.equal(res.headers.get('x-made-by'), 'handler');
      assert.equal(await res.text(), 'created');
    });
    it("a thrown error is the function's own 500, not a gateway error", async () => {
      const res = await fn('behave/throw');
      assert.equal(res.status, 500);
      assert.match(await res.text(), /handler broke/);
      assert.equal(res.headers.get('x-sluice-error'), null);
    });
  });

  describe('timeouts', () => {
    it('a call past exec_timeout gets a 504 from the gateway', async () => {
      const started = Date.now();
      const res = await fn('behave/sleep?ms=5000');
      assert.equal(res.status, 504);
      assert.equal(res.headers.get('x-sluice-error'), 'ERR_UPSTREAM_TIMEOUT');
      assert.ok(Date.now() - started < 4000, 'answered near the 2s exec_timeout');
    });
    it('write_timeout caps the call when it is shorter than exec_timeout', async () => {
      await deployNodeTs(node, 'capped', BEHAVE, { environment: { exec_timeout: '10s', write_timeout: '700ms' } });
      await waitAvailable(node, 'capped');
      const started = Date.now();
      const res = await fn('capped/sleep?ms=3000');
      assert.equal(res.status, 504);
      assert.ok(Date.now() - started < 2000, 'answered near the 700ms write_timeout');
    });
    it('X-Timeout shortens the deadline but never lengthens it', async () => {
      let started = Date.now();
      let res = await fn('behave/sleep?ms=1500', { headers: { 'X-Timeout': '300ms' } });
      assert.equal(res.status, 504);
      assert.ok(Date.now() - started < 1200);
      started = Date.now();
      res = await fn('behave/sleep?ms=100', { headers: { 'X-Timeout': '1h' } });
      assert.equal(res.status, 200);
    });
    it('a body that stalls past read_timeout gets a 408', async () => {
      for (const size of [10, 200_000]) {
        const started = Date.now();
        const status = await new Promise<number>((resolve, reject) => {
          const req = request(`${node.url}/function/behave/ok`, { method: 'POST', headers: { 'content-length': String(size) } }, (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          });
          req.on('error', reject);
          req.write(Buffer.alloc(size / 2));
        });
        assert.equal(status, 408, `declared ${size} bytes, sent half`);
        // Near the function's 500ms read_timeout, far from the gateway's 60s default (a loaded CI
        // machine has taken 1.9s here).
        assert.ok(Date.now() - started < 5000, `answered near the 500ms read_timeout, not the 60s default (${Date.now() - started} ms)`);
      }
    });
    it('a hung function (blocked event loop) gets a 504 and its process is killed and replaced', async () => {
      const pid = Number(await (await fn('behave/pid')).text());
      const res = await fn('behave/spin');
      assert.equal(res.status, 504);
      await eventually(() => !alive(pid), 5000, `replica ${pid} killed`);
      const next = await eventually(async () => {
        const answer = await fn('behave/pid');
        return answer.status === 200 ? Number(await answer.text()) : undefined;
      }, 10_000, 'a replacement replica');
      assert.notEqual(next, pid);
    });
  });
});

describe('max_body_size', () => {
  let small: SluiceNode;
  before(async () => {
    small = await startSluice({ env: { max_body_size: '1Ki' } });
    await deployNodeTs(small, 'echo', ECHO, { environment: { RAW_BODY: 'true' } });
    await waitAvailable(small, 'echo');
  });
  after(cleanup);

  it('a declared body above the limit is refused with 413 before it is read', async () => {
    const res = await fetch(`${small.url}/function/echo`, { method: 'POST', body: Buffer.alloc(2048) });
    assert.equal(res.status, 413);
    assert.equal(res.headers.get('x-sluice-error'), 'ERR_BODY_TOO_LARGE');
  });
  it('a chunked body that grows past the limit is refused with 413', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${small.url}/function/echo`, { method: 'POST' }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.write(Buffer.alloc(800));
      req.end(Buffer.alloc(800));
    });
    assert.equal(status, 413);
  });
  it('one chunk far past the limit gets a 413 and the gateway lives on (regression: it crashed)', async () => {
    assert.equal(await postOneBigChunk(small, '/function/echo', 8192), 'HTTP/1.1 413 Payload Too Large');
    assert.equal((await fetch(`${small.url}/healthz`)).status, 200);
  });
  it('a 413 names the setting to change', async () => {
    const res = await fetch(`${small.url}/function/echo`, { method: 'POST', body: Buffer.alloc(2048) });
    assert.match(await res.text(), /max_body_size/);
  });
  it('a body within the limit passes', async () => {
    const res = await fetch(`${small.url}/function/echo`, { method: 'POST', body: Buffer.alloc(1000, 7) });
    assert.equal(res.status, 200);
    assert.equal(Buffer.from(await res.arrayBuffer()).length, 1000);
  });
});

describe('gateway errors on /function routes', () => {
  let gw: SluiceNode;
  before(async () => {
    gw = await startSluice();
  });
  after(cleanup);

  it('a 404 for a body-less call keeps the connection alive', async () => {
    const res = await fetch(`${gw.url}/function/nobody`);
    assert.equal(res.status, 404);
    assert.equal(res.headers.get('x-sluice-error'), 'ERR_FUNCTION_NOT_FOUND');
    assert.notEqual(res.headers.get('connection'), 'close');
    assert.match(await res.text(), /"nobody" not found/);
  });
  it('a 404 for a call with an unread body closes the connection', async () => {
    const res = await fetch(`${gw.url}/function/nobody`, { method: 'POST', body: Buffer.alloc(200_000) });
    assert.equal(res.status, 404);
    assert.equal(res.headers.get('connection'), 'close');
  });
});
