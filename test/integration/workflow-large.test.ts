/**
 * Issue 6's large payloads, sync: a 50 MB picture through the article's chain. Bodies between steps
 * stay in the gateway's memory and never cross HTTP through the gateway.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { ROOT, cleanup, startSluice, waitAvailable, type SluiceNode } from '../harness.js';

let node: SluiceNode;
let picture: Buffer;

describe('a 50 MB picture through transpose-bw-thumbnail', () => {
  before(async () => {
    const noise = { type: 'gaussian' as const, mean: 128, sigma: 80 };
    [node, picture] = await Promise.all([
      startSluice({ args: ['--stack', path.join(ROOT, 'functions', 'stack.yml')] }),
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
});
