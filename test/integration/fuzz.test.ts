/**
 * Property-based bad input (issue 7): thousands of generated `/system/*` JSON bodies and query
 * strings against a real gateway, and generated stack.yml text against the parser. Every answer is
 * below 500 and a 4xx carries a message; the gateway stays up and its registry consistent (every
 * listed function can be read, and nothing half-deployed is listed). fast-check shrinks a failure to
 * a small case and prints its seed, so it can be replayed with `{ seed, path }`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { SluiceError } from '../../src/api/index.js';
import { parseStack } from '../../src/stack/index.js';
import { cleanup, deploy, startSluice, type SluiceNode } from '../harness.js';

/** JSON of any shape, with the strings that break naive code: paths, NULs, huge numbers, prototypes. */
const oddString = fc.oneof(
  fc.string(),
  fc.constantFrom('', ' ', 'cat', 'Bad_Name', '../../etc/passwd', 'a..b', 'sha256:../x', '\u0000', '%ZZ', 'openfaas-fn', 'other', '__proto__', 'x'.repeat(300), 'fz-ok'),
);
const oddValue: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    oddString,
    fc.constantFrom(null, true, false, 0, -1, 1.5, 1e308, Number.MAX_SAFE_INTEGER + 2),
    fc.integer(),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(oddString, tie('value'), { maxKeys: 3 }),
  ),
})).value;

/** A body shaped like `valid`, its keys kept, dropped or given odd values, plus odd keys. */
function bodyLike(valid: Record<string, unknown>): fc.Arbitrary<unknown> {
  const fields = Object.fromEntries(Object.entries(valid).map(([key, value]) => [key, fc.oneof(fc.constant(value), oddValue)]));
  return fc.oneof(
    { weight: 1, arbitrary: oddValue },
    { weight: 6, arbitrary: fc.tuple(fc.record(fields, { requiredKeys: [] }), fc.dictionary(oddString, oddValue, { maxKeys: 2 })).map(([known, extra]) => ({ ...extra, ...known })) },
  );
}

const BODY_ROUTES: ReadonlyArray<{ method: string; path: string; valid: Record<string, unknown> }> = [
  { method: 'POST', path: '/system/functions', valid: { service: 'fz-ok', image: 'x', envProcess: 'cat', envVars: { a: 'b' }, labels: {}, annotations: {}, secrets: [], limits: { memory: '64Mi' } } },
  { method: 'PUT', path: '/system/functions', valid: { service: 'target', image: 'x', envProcess: 'cat', labels: { 'com.openfaas.scale.max': '3' } } },
  { method: 'DELETE', path: '/system/functions', valid: { functionName: 'nobody' } },
  { method: 'POST', path: '/system/scale-function/target', valid: { serviceName: 'target', replicas: 1 } },
  { method: 'POST', path: '/system/secrets', valid: { name: 'fz-secret', value: 'v' } },
  { method: 'PUT', path: '/system/secrets', valid: { name: 'fz-secret', rawValue: 'dg==' } },
  { method: 'DELETE', path: '/system/secrets', valid: { name: 'nobody' } },
];

/** Query strings of the read routes: odd keys and values, repeated keys. */
const QUERY_ROUTES = ['/system/logs', '/system/calls', '/system/functions', '/system/function/target', '/system/secrets'];
const queryString = fc
  .array(fc.tuple(fc.oneof(fc.constantFrom('name', 'tail', 'since', 'follow', 'instance', 'namespace', 'status', 'function', 'limit', 'before'), fc.string()), oddString), { maxLength: 4 })
  .map((pairs) => pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&'));

let node: SluiceNode;

async function expectHandled(res: Response, what: string): Promise<void> {
  const text = await res.text();
  assert.ok(res.status < 500, `${what} → ${res.status} ${text}`);
  if (res.status >= 400) assert.match((JSON.parse(text) as { message: string }).message, /\S/, `${what}: a 4xx names the problem`);
}

describe('generated bad input never gets a 5xx, nor breaks the gateway', () => {
  before(async () => {
    node = await startSluice();
    await deploy(node, { service: 'target', image: 'x', envProcess: 'cat', labels: { 'com.openfaas.scale.max': '3' } });
  });
  after(cleanup);

  for (const route of BODY_ROUTES) {
    it(`${route.method} ${route.path}: 400 generated bodies`, async () => {
      await fc.assert(
        fc.asyncProperty(bodyLike(route.valid), async (body) => {
          const res = await fetch(`${node.url}${route.path}`, { method: route.method, body: JSON.stringify(body) ?? 'null' });
          await expectHandled(res, `${route.method} ${route.path} ${JSON.stringify(body)}`);
        }),
        { numRuns: 400 },
      );
    });
  }

  it('GET of the read routes: 600 generated query strings', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...QUERY_ROUTES), queryString, async (route, query) => {
        // follow=true on a function with logs would stream forever: the answer's head is what is checked.
        const abort = new AbortController();
        const res = await fetch(`${node.url}${route}?${query}`, { signal: abort.signal });
        if (res.status === 200 && route === '/system/logs') return abort.abort();
        await expectHandled(res, `GET ${route}?${query}`);
      }),
      { numRuns: 600 },
    );
  });

  it('keeps the registry consistent: every listed function reads back, the gateway is healthy', async () => {
    assert.equal((await fetch(`${node.url}/healthz`)).status, 200);
    const listed = (await (await fetch(`${node.url}/system/functions`)).json()) as Array<{ name: string; image: string }>;
    assert.ok(listed.some((fn) => fn.name === 'target'), 'the target survived every generated PUT and DELETE');
    for (const fn of listed) {
      const res = await fetch(`${node.url}/system/function/${fn.name}`);
      assert.equal(res.status, 200, `${fn.name} is listed and reads back`);
      assert.equal(((await res.json()) as { image: string }).image, fn.image);
    }
  });
});

describe('generated stack.yml text', () => {
  const yamlish = fc.oneof(
    fc.string(),
    fc.constantFrom('provider: {name: openfaas}\nfunctions:\n', 'version: 1.0\n', 'functions:\n  a:\n    lang: node-ts\n', '  secrets: [x]\n', '    limits: {memory: 1Gi}\n', '${A:-b}', '&a [*a]\n', '- - -\n', '\t', ': :'),
  );
  it('either parses or throws ERR_STACK_INVALID naming the problems: 3000 cases', () => {
    fc.assert(
      fc.property(fc.array(yamlish, { maxLength: 6 }), (parts) => {
        try {
          parseStack(parts.join(''), 'fuzz.yml', { A: 'x' });
        } catch (err) {
          assert.ok(err instanceof SluiceError, `a ${(err as Error).name}: ${(err as Error).message}`);
          assert.equal(err.code, 'ERR_STACK_INVALID');
          assert.match(err.message, /^fuzz\.yml has errors:\n {2}\S/);
        }
      }),
      { numRuns: 3000 },
    );
  });
});
