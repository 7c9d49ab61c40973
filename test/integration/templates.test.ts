/**
 * Every template, as a user meets it: `sluice new NAME --lang LANG` (OpenFaaS names where they are
 * aliases), `sluice up`, then a call through the gateway to the starter handler as shipped.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { CLI, cleanup, startSluice, tempDir, type SluiceNode } from '../harness.js';

const run = promisify(execFile);

interface Case {
  readonly lang: string;
  /** What the starter answers to `PUT /some/path?a=1&a=2` with body `Ada`. */
  readonly check: (res: Response, text: string) => void;
}

const CASES: Record<string, Case> = {
  'ts-fn': {
    lang: 'node20',
    check: (_res, text) => assert.equal(text, 'Hello, Ada! (PUT /some/path query {"a":["1","2"]})\n'),
  },
  'py-http': {
    lang: 'python3-http',
    check: (res, text) => {
      assert.equal(res.headers.get('content-type'), 'application/json');
      const body = JSON.parse(text) as Record<string, unknown>;
      assert.deepEqual({ ...body, hostname: undefined }, {
        message: 'Hello from python3-http, Ada!', method: 'PUT', path: '/some/path', query: { a: ['1', '2'] }, user_agent: 'sluice-test', hostname: undefined,
      });
      assert.match(String(body['hostname']), /^py-http-[0-9a-f]{8}$/, 'context.hostname is the replica');
    },
  },
  'py-flask': {
    lang: 'python3-flask',
    check: (res, text) => assert.deepEqual([text, res.headers.get('x-echoed-bytes')], ['Ada', '3']),
  },
  'py-classic': {
    lang: 'python3',
    check: (_res, text) => assert.equal(text, 'Hello! You said: Ada (PUT /some/path?a=1&a=2)\n'),
  },
  'sh-fn': {
    lang: 'bash',
    check: (_res, text) => assert.equal(text, 'PUT /some/path?a=1&a=2\nAda'),
  },
  'wc-fn': {
    lang: 'dockerfile',
    check: (_res, text) => assert.equal(text.trim(), '3'),
  },
  'classic-ts': {
    lang: 'node',
    check: (_res, text) => assert.equal(text, 'Hello, Ada! (PUT /some/path?a=1&a=2)\n'),
  },
};

let node: SluiceNode;

describe('templates, from sluice new to a call through the gateway', () => {
  before(async () => {
    node = await startSluice();
    const project = await tempDir('sluice-templates-');
    const env = { ...process.env, OPENFAAS_URL: node.url };
    for (const [name, { lang }] of Object.entries(CASES)) {
      const stackFlag = name === 'ts-fn' ? [] : ['-a', 'ts-fn.yml'];
      await run(process.execPath, [CLI, 'new', name, '--lang', lang, ...stackFlag], { cwd: project, env });
    }
    // exec runs whatever program the stack names.
    const stackFile = path.join(project, 'ts-fn.yml');
    await writeFile(stackFile, (await readFile(stackFile, 'utf8')).replace('lang: exec\n', 'lang: exec\n    fprocess: wc -c\n'));
    await run(process.execPath, [CLI, 'up', '-f', 'ts-fn.yml'], { cwd: project, env, timeout: 240_000 });
  });
  after(cleanup);

  it('deploys a function for every template, OpenFaaS language names included', async () => {
    const res = await fetch(`${node.url}/system/functions`);
    const names = ((await res.json()) as { name: string }[]).map((fn) => fn.name).sort();
    assert.deepEqual(names, Object.keys(CASES).sort());
  });

  for (const [name, { lang, check }] of Object.entries(CASES)) {
    it(`${name} (--lang ${lang}) answers PUT /some/path?a=1&a=2 through the gateway`, async () => {
      const res = await fetch(`${node.url}/function/${name}/some/path?a=1&a=2`, { method: 'PUT', body: 'Ada', headers: { 'user-agent': 'sluice-test' } });
      const text = await res.text();
      assert.equal(res.status, 200, text);
      check(res, text);
    });
  }
});
