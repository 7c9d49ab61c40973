/**
 * The article's image functions (functions/image), deployed by `serve --stack functions/stack.yml`
 * as `npm start` does: each op sync, the `image` function with a path, bad input, the client-side
 * pipe with real curl, and an async call with a callback.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { imagePipeline, type ImageOp } from '../../functions/image/ops.js';
import { startReceiver, type CallbackReceiver } from '../callback-receiver.js';
import { ROOT, cleanup, startSluice, tempDir, waitAvailable, type SluiceNode } from '../harness.js';

const EARTH = '/usr/share/xplanet/images/earth.jpg';
let node: SluiceNode;
let earth: Buffer;
let receiver: CallbackReceiver;

const post = (route: string, body: Uint8Array | string, headers: Record<string, string> = {}): Promise<Response> =>
  fetch(`${node.url}${route}`, { method: 'POST', body, headers });
const inProcess = async (op: ImageOp, input: Buffer): Promise<Buffer> => (await imagePipeline(op, input)).toBuffer();

describe('the image functions (functions/image) through the gateway', () => {
  before(async () => {
    [node, earth, receiver] = await Promise.all([
      startSluice({ args: ['--stack', path.join(ROOT, 'functions', 'stack.yml')] }),
      readFile(EARTH),
      startReceiver(),
    ]);
    for (const name of ['image', 'image-draft', 'image-thumbnail', 'image-transpose', 'image-bw']) await waitAvailable(node, name);
  });
  after(async () => {
    await receiver.close();
    await cleanup();
  });

  const expected: Record<ImageOp, [number, number, string]> = {
    draft: [256, 128, 'b-w'],
    thumbnail: [100, 50, 'srgb'],
    transpose: [2048, 1024, 'srgb'],
    bw: [2048, 1024, 'b-w'],
  };
  for (const [op, [width, height, space]] of Object.entries(expected) as Array<[ImageOp, [number, number, string]]>) {
    it(`image-${op} turns earth.jpg into a ${width}x${height} ${space} JPEG, the same bytes as in process`, async () => {
      const res = await post(`/function/image-${op}`, earth, { 'content-type': 'application/x-www-form-urlencoded' }); // curl's default
      assert.equal(res.status, 200, await res.clone().text());
      assert.equal(res.headers.get('content-type'), 'image/jpeg');
      const body = Buffer.from(await res.arrayBuffer());
      const meta = await sharp(body).metadata();
      assert.deepEqual([meta.format, meta.width, meta.height, meta.space], ['jpeg', width, height, space]);
      assert.deepEqual([res.headers.get('x-image-width'), res.headers.get('x-image-height')], [String(width), String(height)]);
      assert.ok(body.equals(await inProcess(op, earth)), 'byte-identical to the same pipeline in process');
    });
  }

  it('the single image function takes the op from the path, and size and mode from the query', async () => {
    const res = await post('/function/image/draft?size=200&mode=RGB', earth);
    assert.equal(res.status, 200);
    const meta = await sharp(Buffer.from(await res.arrayBuffer())).metadata();
    assert.deepEqual([meta.width, meta.height, meta.channels], [512, 256, 3]);
    const thumb = await sharp(Buffer.from(await (await post('/function/image/thumbnail?size=300', earth)).arrayBuffer())).metadata();
    assert.deepEqual([thumb.width, thumb.height], [300, 150]);
  });

  it('answers 400 "cannot process input file" to a body that is not an image, with no stack', async () => {
    for (const body of ['hello', '', earth.subarray(0, 2000)]) {
      const res = await post('/function/image-bw', body);
      const text = await res.text();
      assert.equal(res.status, 400, text);
      assert.match(text, /^cannot process input file/);
      assert.doesNotMatch(text, /\n\s+at /);
    }
  });

  it('answers 400 naming the problem for a bad op or query', async () => {
    const cases: Array<[string, RegExp]> = [
      ['/function/image', /no operation given; choose one in the path: \/function\/image\/draft/],
      ['/function/image/rotate', /unknown operation "rotate"/],
      ['/function/image-thumbnail?size=big', /size must be a whole number from 1 to 10000 \(got "big"\)/],
      ['/function/image-draft?mode=CMYK', /mode must be one of L, RGB/],
    ];
    for (const [route, message] of cases) {
      const res = await post(route, earth);
      assert.equal(res.status, 400, route);
      assert.match(await res.text(), message);
    }
  });

  it("pipes byte-exact through curl, as the article's client-side chain: transpose | bw | thumbnail", async () => {
    const out = path.join(await tempDir(), 'inverted-bw-thumbnail.jpg');
    const gw = node.url;
    execFileSync('bash', ['-c', `set -o pipefail; curl -sf --data-binary @${EARTH} ${gw}/function/image-transpose | curl -sf --data-binary @- ${gw}/function/image-bw | curl -sf --data-binary @- ${gw}/function/image-thumbnail -o ${out}`]);
    const chained = await inProcess('thumbnail', await inProcess('bw', await inProcess('transpose', earth)));
    const got = await readFile(out);
    assert.ok(got.equals(chained), `curl pipe (${got.length} bytes) equals the in-process chain (${chained.length} bytes)`);
    const meta = await sharp(got).metadata();
    assert.deepEqual([meta.width, meta.height, meta.space], [100, 50, 'b-w']);
  });

  it('runs async: 202, then the callback carries the JPEG and the call id', async () => {
    const res = await post('/async-function/image-draft', earth, { 'x-callback-url': `${receiver.url}/messages/earth-draft.jpg` });
    assert.equal(res.status, 202);
    const callId = res.headers.get('x-call-id');
    const [callback] = await receiver.waitFor(1, 20_000);
    assert.equal(callback?.path, '/messages/earth-draft.jpg');
    assert.equal(callback?.headers['x-call-id'], callId);
    assert.equal(callback?.headers['content-type'], 'image/jpeg');
    assert.ok(callback?.body.equals(await inProcess('draft', earth)));
  });
});
