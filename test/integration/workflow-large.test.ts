/**
 * Issue 6's large payloads: a 50 MB picture through the article's chain. Sync, bodies between steps
 * stay in the gateway's memory and never cross HTTP through the gateway; async, each step is a queued
 * call whose body goes to the blob store, not inside its queue message.
 */
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import type { CallRecord } from '../../src/api/index.js';
import { ROOT, cleanup, startSluice, waitAvailable, type SluiceNode } from '../harness.js';

let node: SluiceNode;
let picture: Buffer;

describe('a 50 MB picture through transpose-bw-thumbnail', () => {
  before(async () => {
    const noise = { type: 'gaussian' as const, mean: 128, sigma: 80 };
    [node, picture] = await Promise.all([
      // An async body must fit max_async_body_size (32 MiB by default).
      startSluice({ args: ['--stack', path.join(ROOT, 'functions', 'stack.yml')], env: { max_async_body_size: '64Mi' } }),
      // Noise at quality 100 barely compresses: 5000x3500 makes a JPEG of about 50 MB.
      sharp({ create: { width: 5000, height: 3500, channels: 3, background: '#808080', noise } }).jpeg({ quality: 100, chromaSubsampling: '4:4:4' }).toBuffer(),
    ]);
    await waitAvailable(node, 'transpose-bw-thumbnail');
  });
  after(cleanup);

  it('answers the 100x70 grey thumbnail', async () => {
    assert.ok(picture.length > 45_000_000, `the picture is ${picture.length} bytes`);
    const res = await fetch(`${node.url}/function/transpose-bw-thumbnail`, { method: 'POST', body: picture, signal: AbortSignal.timeout(60_000) });
    const body = Buffer.from(await res.arrayBuffer());
    assert.equal(res.status, 200, body.subarray(0, 300).toString());
    const meta = await sharp(body).metadata();
    assert.deepEqual([meta.width, meta.height, meta.space], [100, 70, 'b-w']);
  });

  it('answers the same thumbnail async, each step a queued call with its body in the blob store', async () => {
    const res = await fetch(`${node.url}/async-function/transpose-bw-thumbnail`, { method: 'POST', body: picture });
    assert.equal(res.status, 202, await res.text());
    const callId = res.headers.get('x-call-id') as string;
    const record = (await (await fetch(`${node.url}/system/calls/${callId}?wait=2m`, { signal: AbortSignal.timeout(150_000) })).json()) as CallRecord;
    assert.equal(record.status, 'succeeded', JSON.stringify(record));
    assert.deepEqual(
      record.steps?.map((s) => [s.callId, s.status]),
      [0, 1, 2].map((i) => [`${callId}.${i}`, 'succeeded']),
    );
    const result = await fetch(`${node.url}/system/calls/${callId}/result`);
    const meta = await sharp(Buffer.from(await result.arrayBuffer())).metadata();
    assert.deepEqual([meta.width, meta.height, meta.space], [100, 70, 'b-w']);
    // Each step's body was above the inline limit: it went to a blob, deleted once the step was done.
    const blobs = await readdir(path.join(node.dataDir, 'queue', 'blobs')).catch(() => []);
    assert.deepEqual(blobs.filter((b) => b.startsWith(callId)), []);
  });
});
