import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { cleanup, deploy, startSluice, type SluiceNode } from '../harness.js';

/** Deterministic PRNG (mulberry32), so a failing case can be replayed from its seed. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ODD_VALUES: unknown[] = [
  null, true, 0, -1, 1.5, 1e400, '', ' ', 'x'.repeat(300), 'Bad_Name', '../../etc', 'cat', 'sha256:../x',
  [], ['a', 1], {}, { a: 1 }, { a: null }, '\u0000', '%ZZ', 'openfaas-fn', 'other-ns',
];

/** A valid-looking body with one or more fields swapped for odd values, or dropped. */
function mutate(valid: Record<string, unknown>, random: () => number): unknown {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  if (random() < 0.1) return pick(ODD_VALUES);
  const body: Record<string, unknown> = { ...valid };
  const keys = [...Object.keys(valid), 'extra', '__proto__', 'constructor'];
  for (let n = 1 + Math.floor(random() * 3); n > 0; n--) {
    const key = pick(keys);
    if (random() < 0.2) delete body[key];
    else body[key] = pick(ODD_VALUES);
  }
  return body;
}

const ROUTES: Array<{ method: string; path: string; valid: Record<string, unknown> }> = [
  { method: 'POST', path: '/system/functions', valid: { service: 'fz', image: 'x', envProcess: 'cat', envVars: { a: 'b' }, labels: {}, annotations: {} } },
  { method: 'PUT', path: '/system/functions', valid: { service: 'target', image: 'x', envProcess: 'cat', labels: { 'com.openfaas.scale.max': '3' } } },
  { method: 'DELETE', path: '/system/functions', valid: { functionName: 'nobody' } },
  { method: 'POST', path: '/system/scale-function/target', valid: { serviceName: 'target', replicas: 1 } },
];

let node: SluiceNode;

describe('bad input never gets a 5xx, nor breaks the gateway', () => {
  before(async () => {
    node = await startSluice();
    await deploy(node, { service: 'target', image: 'x', envProcess: 'cat', labels: { 'com.openfaas.scale.max': '3' } });
  });
  after(cleanup);

  for (const route of ROUTES) {
    it(`${route.method} ${route.path}: 150 mutated bodies (seeded)`, async () => {
      const random = prng(route.path.length * 7919 + route.method.length);
      for (let i = 0; i < 150; i++) {
        const body = mutate(route.valid, random);
        const res = await fetch(`${node.url}${route.path}`, { method: route.method, body: JSON.stringify(body) });
        const text = await res.text();
        assert.ok(res.status < 500, `case ${i}: ${JSON.stringify(body)} → ${res.status} ${text}`);
        if (res.status >= 400) assert.match(JSON.parse(text).message as string, /\S/, `case ${i} has a message`);
      }
    });
  }

  it('garbage bytes, odd query strings and paths get 4xx', async () => {
    const random = prng(42);
    const garbage = (): Buffer => Buffer.from(Array.from({ length: Math.floor(random() * 200) }, () => Math.floor(random() * 256)));
    for (let i = 0; i < 40; i++) {
      for (const route of ROUTES) {
        const res = await fetch(`${node.url}${route.path}`, { method: route.method, body: garbage() });
        assert.ok(res.status >= 400 && res.status < 500, `garbage to ${route.method} ${route.path} → ${res.status}`);
      }
    }
    for (const path of ['/system/function/%ZZ', '/system/function/a%2Fb', '/function/%E0%A4%A', '/system/functions?namespace=%ZZ', '/system/scale-function/']) {
      const res = await fetch(`${node.url}${path}`);
      assert.ok(res.status >= 400 && res.status < 500, `${path} → ${res.status}`);
    }
  });

  it('afterwards the gateway is healthy and the registry consistent', async () => {
    assert.equal((await fetch(`${node.url}/healthz`)).status, 200);
    const list = (await (await fetch(`${node.url}/system/functions`)).json()) as Array<{ name: string; replicas?: number }>;
    for (const fn of list) {
      const one = await fetch(`${node.url}/system/function/${fn.name}`);
      assert.equal(one.status, 200, `listed ${fn.name} is readable`);
    }
    const target = list.find((f) => f.name === 'target');
    assert.ok(target && (target.replicas ?? 0) <= 3, 'target is within its scale bounds');
    const res = await fetch(`${node.url}/function/target`, { method: 'POST', body: 'still works' });
    assert.equal(await res.text(), 'still works');
  });
});
