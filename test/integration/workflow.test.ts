/**
 * Workflow functions (lang: workflow): the article's chain shipped in functions/, then workflows
 * deployed with `sluice up` against a probe function whose answers the query string picks: errors
 * that stop the chain, on_error: continue, per-step timeout, retry, headers/query/path/input,
 * parallel steps (json, multipart and auto joins, a failing branch), choice steps (status, header,
 * JSON field, otherwise, nested in a branch), and the definition checked at deploy.
 */
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { imagePipeline, type ImageOp } from '../../functions/image/ops.js';
import { startReceiver, type CallbackReceiver } from '../callback-receiver.js';
import { ROOT, cleanup, deployNodeTs, eventually, runSluice, startSluice, tempDir, waitAvailable, type SluiceNode } from '../harness.js';
import { WORKFLOW_PROBE } from './fixtures/workflow-probe.js';

const EARTH = '/usr/share/xplanet/images/earth.jpg';
let node: SluiceNode;
let earth: Buffer;
let receiver: CallbackReceiver;

/** Writes a stack with one workflow function `name` and runs `sluice up` for it. */
async function upWorkflow(name: string, workflowYaml: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const dir = await tempDir('sluice-wf-');
  await mkdir(path.join(dir, name));
  await writeFile(path.join(dir, name, 'workflow.yml'), workflowYaml);
  await writeFile(path.join(dir, 'stack.yml'), `version: 1.0\nprovider:\n  name: openfaas\nfunctions:\n  ${name}:\n    lang: workflow\n    handler: ./${name}\n    image: ${name}:latest\n`);
  return runSluice(node, ['up', '-f', path.join(dir, 'stack.yml')]);
}

/** The lines of a test workflow before its steps. */
const HEAD = 'workflow:\n  name: test\n  steps:\n';

/** A workflow over the probe, each step given as `query` (and more YAML lines when needed). */
function probeSteps(...steps: string[]): string {
  return `${HEAD}${steps.map((s, i) => `    - name: s${i}\n      function: probe\n${s}`).join('')}`;
}

/** The parts of a multipart/mixed body: each part's headers (lower-case names) and body. */
function multipartParts(contentType: string, body: Buffer): Array<{ headers: Record<string, string>; body: Buffer }> {
  const boundary = /boundary=([^;]+)/.exec(contentType)?.[1];
  assert.ok(contentType.startsWith('multipart/mixed;') && boundary, `multipart/mixed with a boundary, got ${contentType}`);
  const text = body.toString('latin1');
  assert.ok(text.endsWith(`--${boundary}--\r\n`), 'ends with the closing delimiter');
  return text
    .split(`--${boundary}`)
    .slice(1, -1)
    .map((part) => {
      const [head = '', ...rest] = part.slice(2, -2).split('\r\n\r\n');
      const headers = Object.fromEntries(head.split('\r\n').map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
      return { headers, body: Buffer.from(rest.join('\r\n\r\n'), 'latin1') };
    });
}

const post = (route: string, body: Uint8Array | string, headers: Record<string, string> = {}): Promise<Response> =>
  fetch(`${node.url}${route}`, { method: 'POST', body, headers });

describe('workflow functions (lang: workflow)', () => {
  before(async () => {
    [node, earth, receiver] = await Promise.all([startSluice({ args: ['--stack', path.join(ROOT, 'functions', 'stack.yml')], env: { log_level: 'info' } }), readFile(EARTH), startReceiver()]);
    await deployNodeTs(node, 'probe', WORKFLOW_PROBE, { environment: { RAW_BODY: 'true' } });
    for (const name of ['probe', 'transpose-bw-thumbnail']) await waitAvailable(node, name);
  });
  after(async () => {
    await receiver.close();
    await cleanup();
  });

  it("runs the article's chain in one call: the same JPEG as transpose | bw | thumbnail, logged per step", async () => {
    const res = await post('/function/transpose-bw-thumbnail', earth);
    assert.equal(res.status, 200, await res.clone().text());
    assert.equal(res.headers.get('content-type'), 'image/jpeg');
    const body = Buffer.from(await res.arrayBuffer());
    let chained = earth;
    for (const op of ['transpose', 'bw', 'thumbnail'] as ImageOp[]) chained = await (await imagePipeline(op, chained)).toBuffer();
    assert.ok(body.equals(chained), 'byte-identical to the three ops chained in process');
    const meta = await sharp(body).metadata();
    assert.deepEqual([meta.width, meta.height, meta.space], [100, 50, 'b-w']);
    const callId = res.headers.get('x-call-id') as string;
    const logged = await eventually(() => {
      const lines = node.output().split('\n').filter((l) => l.includes(callId));
      return lines.some((l) => l.includes('Took ')) && lines;
    }, 5_000, 'the workflow log lines');
    for (const [i, step] of ['transpose', 'bw', 'thumbnail'].entries()) {
      assert.ok(logged.some((l) => new RegExp(`\\[${i}\\] ${step} \\d+ byte\\(s\\) HTTP: 200 - \\d+\\.\\d{6}s`).test(l)), `step ${step} logged`);
    }
  });

  it('runs async with a callback carrying the final answer', async () => {
    const res = await post('/async-function/transpose-bw-thumbnail', earth, { 'x-callback-url': `${receiver.url}/messages/chain.jpg` });
    assert.equal(res.status, 202);
    const [callback] = await receiver.waitFor(1, 20_000);
    assert.equal(callback?.headers['x-call-id'], res.headers.get('x-call-id'));
    assert.equal(callback?.headers['x-function-status'], '200');
    assert.deepEqual([(await sharp(callback?.body).metadata()).width], [100]);
  });

  it('is listed and described like any function', async () => {
    const list = (await (await fetch(`${node.url}/system/functions`)).json()) as Array<{ name: string }>;
    assert.ok(list.some((fn) => fn.name === 'transpose-bw-thumbnail'));
    const run = await runSluice(node, ['describe', 'transpose-bw-thumbnail']);
    assert.equal(run.code, 0, run.stderr);
  });

  it('passes each answer on; a non-2xx answer stops the chain with that answer and X-Workflow-Failed-Step', async () => {
    assert.equal((await upWorkflow('wf-stop', probeSteps('      query: upper=1\n', '      query: status=418\n', '      query: append=never\n'))).code, 0);
    const res = await post('/function/wf-stop', 'hello');
    assert.equal(res.status, 418);
    assert.equal(res.headers.get('x-workflow-failed-step'), 's1');
    assert.equal(await res.text(), 'HELLO', 'the failing step’s own body');
  });

  it('on_error: continue lets a failing step’s answer flow on, as the article’s runner did', async () => {
    assert.equal((await upWorkflow('wf-continue', probeSteps('      query: status=500\n      on_error: continue\n', '      query: upper=1\n'))).code, 0);
    const res = await post('/function/wf-continue', 'oops');
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-workflow-failed-step'), null);
    assert.equal(await res.text(), 'OOPS');
  });

  it('gives a step its method, path, query and headers, and input: original the workflow’s own body', async () => {
    const yaml = probeSteps('      query: append=-one\n', '      method: PUT\n      path: /deep/er\n      query: { show: request, x: 1 }\n      headers: { X-Token: abc }\n      input: original\n');
    assert.equal((await upWorkflow('wf-shape', yaml)).code, 0);
    const res = await post('/function/wf-shape', 'start', { 'content-type': 'text/plain' });
    const got = (await res.json()) as { method: string; path: string; query: Record<string, string>; headers: Record<string, string>; body: string };
    assert.equal(got.method, 'PUT');
    assert.equal(got.path, '/deep/er');
    assert.deepEqual(got.query, { show: 'request', x: '1' });
    assert.equal(got.headers['x-token'], 'abc');
    assert.equal(got.headers['x-workflow-step'], 's1');
    assert.equal(got.headers['content-type'], 'text/plain');
    assert.equal(got.body, 'start', 'the original input, not "start-one"');
  });

  it('bounds a step by its timeout: 504, naming the step', async () => {
    assert.equal((await upWorkflow('wf-timeout', probeSteps('      query: sleep=3000\n      timeout: 300ms\n'))).code, 0);
    const started = Date.now();
    const res = await post('/function/wf-timeout', 'x');
    assert.equal(res.status, 504, await res.clone().text());
    assert.equal(res.headers.get('x-workflow-failed-step'), 's0');
    assert.match(await res.text(), /workflow step "s0" \(function "[\w-]+"\) did not answer within 0.3s, the step's timeout in workflow.yml/);
    assert.ok(Date.now() - started < 2_500, 'did not wait for the slow step');
  });

  it('retries a step on the codes its retry names, then goes on', async () => {
    const yaml = probeSteps('      query: flaky=2&key=a\n      retry: { attempts: 3, min_wait: 50ms, codes: [503] }\n', '      query: upper=1\n');
    assert.equal((await upWorkflow('wf-retry', yaml)).code, 0);
    const res = await post('/function/wf-retry', 'third time');
    assert.equal(res.status, 200, await res.clone().text());
    assert.equal(await res.text(), 'THIRD TIME');
    const giveUp = probeSteps('      query: flaky=5&key=b\n      retry: { attempts: 2, min_wait: 10ms, codes: [503] }\n');
    assert.equal((await upWorkflow('wf-retry-out', giveUp)).code, 0);
    const res2 = await post('/function/wf-retry-out', 'x');
    assert.equal(res2.status, 503);
    assert.equal(await res2.text(), 'not yet (2)');
  });

  it('refuses at deploy, naming the line: an unknown function, the workflow itself, a bad key', async () => {
    const unknown = await upWorkflow('wf-bad', 'workflow:\n  name: x\n  steps:\n    - name: a\n      function: nope\n');
    assert.notEqual(unknown.code, 0);
    assert.match(unknown.stderr, /steps\[0\]\.function \(line 4\): no function "nope" is deployed/);
    const self = await upWorkflow('wf-self', 'workflow:\n  name: x\n  steps:\n    - name: a\n      function: wf-self\n');
    assert.match(self.stderr, /"wf-self" is this workflow itself/);
    const typo = await upWorkflow('wf-typo', 'workflow:\n  name: x\n  steps:\n    - name: a\n      function: probe\n      on_eror: continue\n');
    assert.match(typo.stderr, /on_eror.*did you mean "on_error".*line 6/);
    const list = (await (await fetch(`${node.url}/system/functions`)).json()) as Array<{ name: string }>;
    assert.ok(!list.some((fn) => fn.name.startsWith('wf-bad') || fn.name === 'wf-self' || fn.name === 'wf-typo'), 'none deployed');
  });

  it('refuses at deploy a cycle through another workflow, naming the loop, and keeps the workflow as it was', async () => {
    assert.equal((await upWorkflow('wf-inner', probeSteps('      query: append=-inner\n'))).code, 0);
    assert.equal((await upWorkflow('wf-outer', `${HEAD}    - name: in\n      function: wf-inner\n`)).code, 0);
    const loop = await upWorkflow('wf-inner', `${HEAD}    - name: out\n      function: wf-outer\n`);
    assert.notEqual(loop.code, 0);
    assert.match(loop.stderr, /steps\[0\]\.function \(line 4\): "wf-outer" calls this workflow back \(wf-inner → wf-outer → wf-inner\)/);
    const res = await post('/function/wf-outer', 'x');
    assert.equal(await res.text(), 'x-inner', 'the first wf-inner still runs');
  });

  it('runs a parallel step’s branches on the same input and joins them as JSON, logging nested steps by place', async () => {
    const yaml = `${HEAD}    - name: fan
      parallel:
        up: [ { name: u, function: probe, query: upper=1 } ]
        twice:
          - { name: t1, function: probe, query: append=-1 }
          - { name: t2, function: probe, query: append=-2 }
        shown: [ { name: sh, function: probe, query: show=request } ]
      join: json
`;
    assert.equal((await upWorkflow('wf-par-json', yaml)).code, 0);
    const res = await post('/function/wf-par-json', 'hi');
    assert.equal(res.status, 200, await res.clone().text());
    assert.equal(res.headers.get('content-type'), 'application/json');
    const got = (await res.json()) as { up: string; twice: string; shown: { body: string; headers: Record<string, string> } };
    assert.deepEqual(Object.keys(got), ['up', 'twice', 'shown'], 'branches in definition order');
    assert.equal(got.up, 'HI');
    assert.equal(got.twice, 'hi-1-2');
    assert.equal(got.shown.body, 'hi', 'a JSON answer is held as JSON');
    assert.equal(got.shown.headers['x-workflow-step'], 'sh');
    const callId = res.headers.get('x-call-id') as string;
    const logged = await eventually(() => {
      const lines = node.output().split('\n').filter((l) => l.includes(callId));
      return lines.some((l) => l.includes('Took ')) && lines;
    }, 5_000, 'the workflow log lines');
    for (const label of ['\\[0\\.up\\.0\\] u ', '\\[0\\.twice\\.1\\] t2 ', '\\[0\\] fan \\d+ byte\\(s\\) HTTP: 200 ']) {
      assert.ok(logged.some((l) => new RegExp(label).test(l)), `logged ${label}`);
    }
  });

  it('joins a parallel step as multipart/mixed, one part per branch with its type and name', async () => {
    const yaml = `${HEAD}    - name: fan
      parallel:
        up: [ { name: u, function: probe, query: upper=1 } ]
        shown: [ { name: sh, function: probe, query: show=request } ]
      join: multipart
`;
    assert.equal((await upWorkflow('wf-par-multi', yaml)).code, 0);
    const res = await post('/function/wf-par-multi', 'hi');
    assert.equal(res.status, 200, await res.clone().text());
    const got = multipartParts(res.headers.get('content-type') ?? '', Buffer.from(await res.arrayBuffer()));
    assert.deepEqual(
      got.map((p) => [p.headers['content-disposition'], p.headers['content-type']]),
      [
        ['inline; name="up"', 'application/octet-stream'], // the probe returns a string with no type
        ['inline; name="shown"', 'application/json'],
      ],
    );
    assert.equal(got[0]?.body.toString(), 'HI');
    assert.equal((JSON.parse(got[1]?.body.toString() ?? '') as { body: string }).body, 'hi');
  });

  it('join auto: multipart when a branch answers binary; join json refuses it with 502 naming the step', async () => {
    const branches = '      parallel:\n        thumb: [ { name: th, function: image-thumbnail } ]\n        echo: [ { name: e, function: probe, query: append=-x } ]\n';
    assert.equal((await upWorkflow('wf-par-auto', `${HEAD}    - name: fan\n${branches}`)).code, 0);
    const picture = await sharp({ create: { width: 300, height: 150, channels: 3, background: '#336699' } }).jpeg().toBuffer();
    const res = await post('/function/wf-par-auto', picture, { 'content-type': 'image/jpeg' });
    assert.equal(res.status, 200, await res.clone().text());
    const [thumb, echo] = multipartParts(res.headers.get('content-type') ?? '', Buffer.from(await res.arrayBuffer()));
    assert.equal(thumb?.headers['content-type'], 'image/jpeg');
    assert.equal((await sharp(thumb?.body).metadata()).format, 'jpeg');
    assert.equal(echo?.headers['content-disposition'], 'inline; name="echo"');
    assert.equal((await upWorkflow('wf-par-json-bin', `${HEAD}    - name: fan\n${branches}      join: json\n`)).code, 0);
    const refused = await post('/function/wf-par-json-bin', picture, { 'content-type': 'image/jpeg' });
    assert.equal(refused.status, 502);
    assert.equal(refused.headers.get('x-workflow-failed-step'), 'fan');
    assert.match(await refused.text(), /branch thumb answered image\/jpeg, which a json join cannot hold/);
  });

  it('stops at a failing branch, naming it parallel-step/branch/step, and aborts the other branches', async () => {
    const yaml = `${HEAD}    - name: fan
      parallel:
        slow: [ { name: wait, function: probe, query: sleep=3000 } ]
        bad:
          - { name: ok, function: probe, query: upper=1 }
          - { name: boom, function: probe, query: status=500 }
    - name: after
      function: probe
      query: append=never
`;
    assert.equal((await upWorkflow('wf-par-fail', yaml)).code, 0);
    const started = Date.now();
    const res = await post('/function/wf-par-fail', 'x');
    assert.equal(res.status, 500);
    assert.equal(res.headers.get('x-workflow-failed-step'), 'fan/bad/boom');
    assert.equal(await res.text(), 'X', 'the failing step’s own body');
    assert.ok(Date.now() - started < 2_500, 'did not wait for the slow branch');
  });

  it('choice on a status: the case that matches runs, and no match passes the answer on', async () => {
    const yaml = (cases: string): string => `${HEAD}    - { name: first, function: probe, query: status=404, on_error: continue }
    - name: route
      choice:
${cases}`;
    const onStatus = '        - when: { status: 2xx }\n          steps: [ { name: a, function: probe, query: append=-ok } ]\n        - when: { status: [404, 410] }\n          steps: [ { name: b, function: probe, query: append=-missing } ]\n';
    assert.equal((await upWorkflow('wf-choice-status', yaml(onStatus))).code, 0);
    const res = await post('/function/wf-choice-status', 'x');
    assert.equal(res.status, 200);
    assert.equal(await res.text(), 'x-missing');
    const none = '        - when: { status: 5xx }\n          steps: [ { name: a, function: probe, query: append=-never } ]\n';
    assert.equal((await upWorkflow('wf-choice-none', yaml(none))).code, 0);
    const passed = await post('/function/wf-choice-none', 'x');
    assert.equal(passed.status, 404, 'the previous answer, unchanged');
    assert.equal(passed.headers.get('x-workflow-failed-step'), null);
    assert.equal(await passed.text(), 'x');
  });

  it('choice on a header (here the input’s Content-Type, the choice coming first), with otherwise', async () => {
    const yaml = `${HEAD}    - name: route
      choice:
        - when: { header: { name: Content-Type, matches: "^image/" } }
          steps: [ { name: thumb, function: image-thumbnail } ]
        - otherwise:
            - { name: up, function: probe, query: upper=1 }
`;
    assert.equal((await upWorkflow('wf-choice-header', yaml)).code, 0);
    const image = await post('/function/wf-choice-header', earth, { 'content-type': 'image/jpeg' });
    assert.equal(image.status, 200);
    assert.equal(image.headers.get('content-type'), 'image/jpeg');
    const text = await post('/function/wf-choice-header', 'words', { 'content-type': 'text/plain' });
    assert.equal(await text.text(), 'WORDS');
  });

  it('choice on a JSON field: equals, matches, otherwise; a failing case step is named choice/step', async () => {
    const yaml = `${HEAD}    - { name: echo, function: probe }
    - name: route
      choice:
        - when: { json: { path: item.kind, equals: big } }
          steps: [ { name: big, function: probe, query: upper=1 } ]
        - when: { json: { path: item.kind, matches: "^sm" } }
          steps: [ { name: small, function: probe, query: append=-small } ]
        - when: { json: { path: item.kind, equals: broken } }
          steps: [ { name: broken, function: probe, query: status=418 } ]
        - otherwise: [ { name: other, function: probe, query: append=-other } ]
`;
    assert.equal((await upWorkflow('wf-choice-json', yaml)).code, 0);
    const answer = async (body: string): Promise<[number, string, string | null]> => {
      const res = await post('/function/wf-choice-json', body);
      return [res.status, await res.text(), res.headers.get('x-workflow-failed-step')];
    };
    assert.deepEqual(await answer('{"item":{"kind":"big"}}'), [200, '{"ITEM":{"KIND":"BIG"}}', null]);
    assert.deepEqual(await answer('{"item":{"kind":"smallish"}}'), [200, '{"item":{"kind":"smallish"}}-small', null]);
    assert.deepEqual(await answer('{"item":{"kind":"huge"}}'), [200, '{"item":{"kind":"huge"}}-other', null]);
    assert.deepEqual(await answer('not json'), [200, 'not json-other', null]);
    assert.deepEqual(await answer('{"item":{"kind":"broken"}}'), [418, '{"item":{"kind":"broken"}}', 'route/broken']);
  });

  it('runs a choice nested in a parallel branch', async () => {
    const yaml = `${HEAD}    - name: fan
      parallel:
        routed:
          - name: route
            choice:
              - when: { json: { path: kind, equals: big } }
                steps: [ { name: big, function: probe, query: upper=1 } ]
              - otherwise: [ { name: other, function: probe, query: append=-other } ]
        plain: [ { name: p, function: probe, query: append=-plain } ]
`;
    assert.equal((await upWorkflow('wf-nested', yaml)).code, 0);
    const big = await post('/function/wf-nested', '{"kind":"big"}');
    assert.equal(big.status, 200, await big.clone().text());
    assert.deepEqual(await big.json(), { routed: '{"KIND":"BIG"}', plain: '{"kind":"big"}-plain' });
    const small = await post('/function/wf-nested', '{"kind":"small"}');
    assert.deepEqual(await small.json(), { routed: '{"kind":"small"}-other', plain: '{"kind":"small"}-plain' });
  });

  it('refuses at deploy a nested step whose function is not deployed, naming its path and line', async () => {
    const run = await upWorkflow('wf-nested-bad', 'workflow:\n  name: x\n  steps:\n    - name: fan\n      parallel:\n        one:\n          - name: a\n            function: nope\n');
    assert.notEqual(run.code, 0);
    assert.match(run.stderr, /steps\[0\]\.parallel\.one\[0\]\.function \(line 7\): no function "nope" is deployed/);
  });

  it('comes back after a restart of sluice serve, with its steps', async () => {
    assert.equal(await node.stop(), 0);
    node = await startSluice({ dataDir: node.dataDir });
    for (const name of ['probe', 'wf-stop', 'transpose-bw-thumbnail']) await waitAvailable(node, name);
    const res = await post('/function/wf-stop', 'again');
    assert.equal(res.status, 418);
    assert.equal(await res.text(), 'AGAIN');
    assert.equal((await post('/function/transpose-bw-thumbnail', earth)).status, 200);
  });
});
