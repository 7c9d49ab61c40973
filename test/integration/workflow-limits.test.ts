/**
 * A workflow step's answer is held in memory and becomes the next step's request, so it is bounded
 * by the gateway's max_body_size: past it the step fails (502, naming the limit and the setting)
 * and the chain stops there. Below it, megabytes pass from step to step byte for byte.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cleanup, deployNodeTs, runSluice, startSluice, tempDir, waitAvailable, type SluiceNode } from '../harness.js';

let node: SluiceNode;
const LIMIT = 4 * 1024 * 1024;

/** Answers its body back, or ?bytes=N zero bytes. */
const BYTES = `export default async (event: any) => event.query.bytes ? Buffer.alloc(Number(event.query.bytes)) : event.body;`;

describe('workflow steps are bounded by max_body_size', () => {
  before(async () => {
    node = await startSluice({ env: { max_body_size: String(LIMIT) } });
    await deployNodeTs(node, 'bytes', BYTES, { environment: { RAW_BODY: 'true', MAX_RAW_SIZE: '8mb' } });
    await waitAvailable(node, 'bytes');
    const dir = await tempDir('sluice-wf-');
    const steps = (q: string): string => `    - name: make\n      function: bytes\n      query: "${q}"\n    - name: back\n      function: bytes\n`;
    for (const [name, query] of [['wf-small', ''], ['wf-big', `bytes=${LIMIT + 1}`]] as const) {
      await mkdir(path.join(dir, name));
      await writeFile(path.join(dir, name, 'workflow.yml'), `workflow:\n  name: ${name}\n  steps:\n${steps(query)}`);
    }
    await writeFile(
      path.join(dir, 'stack.yml'),
      `version: 1.0\nprovider:\n  name: openfaas\nfunctions:\n${['wf-small', 'wf-big'].map((n) => `  ${n}:\n    lang: workflow\n    handler: ./${n}\n    image: ${n}:latest\n`).join('')}`,
    );
    const up = await runSluice(node, ['up', '-f', path.join(dir, 'stack.yml')]);
    assert.equal(up.code, 0, up.stderr);
  });
  after(cleanup);

  it('passes 3 MB from step to step byte for byte', async () => {
    const body = randomBytes(3 * 1024 * 1024);
    const res = await fetch(`${node.url}/function/wf-small`, { method: 'POST', body });
    assert.equal(res.status, 200);
    assert.ok(Buffer.from(await res.arrayBuffer()).equals(body));
  });

  it('stops at a step whose answer is larger than max_body_size, saying so', async () => {
    const res = await fetch(`${node.url}/function/wf-big`, { method: 'POST', body: 'x' });
    const text = await res.text();
    assert.equal(res.status, 502, text);
    assert.equal(res.headers.get('x-workflow-failed-step'), 'make');
    assert.match(text, new RegExp(`larger than the ${LIMIT} bytes a workflow step may pass on \\(max_body_size\\)`));
  });
});
