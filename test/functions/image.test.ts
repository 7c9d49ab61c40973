/**
 * The image functions' pipelines (functions/image), in process: sizes and modes checked against
 * Pillow itself (Debian's python3-pil, installed by scripts/ensure-deps.sh), pixels checked by
 * where they land, and the query options.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { draftScale, imagePipeline, type ImageOp, type ImageOptions } from '../../functions/image/ops.js';
import { BadImageRequest, imageOptions } from '../../functions/image/query.js';
import { tempDir } from '../harness.js';

const EARTH = '/usr/share/xplanet/images/earth.jpg';

async function run(op: ImageOp, input: Buffer, opts: ImageOptions = {}): Promise<{ width: number; height: number; channels: number; data: Buffer }> {
  const { data, info } = await (await imagePipeline(op, input, opts)).toBuffer({ resolveWithObject: true });
  assert.equal(info.format, 'jpeg');
  return { ...info, data };
}

/** A JPEG of the given size: a gradient, so it is not trivially compressible. */
async function jpeg(width: number, height: number, channels: 1 | 3 = 3): Promise<Buffer> {
  const raw = Buffer.alloc(width * height * channels);
  for (let i = 0; i < raw.length; i++) raw[i] = (i * 7) % 251;
  return sharp(raw, { raw: { width, height, channels } }).toColourspace(channels === 1 ? 'b-w' : 'srgb').jpeg({ quality: 90 }).toBuffer();
}

/** What Pillow makes of the same file: mode and size after draft(mode, box) or thumbnail(box). */
function pillow(file: string, op: 'draft' | 'thumbnail', size: number): { mode: string; size: [number, number] } {
  const call = op === 'draft' ? `im.draft("L", (${size}, ${size}))` : `im.thumbnail((${size}, ${size}))`;
  const script = `import json, sys\nfrom PIL import Image\nim = Image.open(sys.argv[1])\n${call}\nim.load()\nprint(json.dumps({"mode": im.mode, "size": im.size}))`;
  return JSON.parse(execFileSync('/usr/bin/python3', ['-c', script, file], { encoding: 'utf8' })) as { mode: string; size: [number, number] };
}

describe('image functions: sizes and modes as Pillow gives them', () => {
  const cases: Array<[string, () => Promise<Buffer>]> = [
    ['earth.jpg 2048x1024', async () => (await import('node:fs/promises')).readFile(EARTH)],
    ['801x601', () => jpeg(801, 601)],
    ['1000x130', () => jpeg(1000, 130)],
    ['130x1000 greyscale', () => jpeg(130, 1000, 1)],
    ['150x150', () => jpeg(150, 150)],
    ['64x48 (smaller than the box)', () => jpeg(64, 48)],
  ];
  for (const [label, make] of cases) {
    for (const size of [100, 37, 200]) {
      it(`${label}, box ${size}: draft and thumbnail`, async () => {
        const input = await make();
        const file = path.join(await tempDir(), 'in.jpg');
        await writeFile(file, input);
        const draft = await run('draft', input, { size });
        const want = pillow(file, 'draft', size);
        assert.deepEqual([draft.width, draft.height], want.size, 'draft size');
        assert.equal(want.mode, 'L');
        assert.equal(draft.channels, 1, 'draft is greyscale (L)');
        const thumb = await run('thumbnail', input, { size });
        assert.deepEqual([thumb.width, thumb.height], pillow(file, 'thumbnail', size).size, 'thumbnail size');
      });
    }
  }

  it("draftScale is Pillow's: the largest of 8, 4, 2, 1 keeping both sides ≥ the box", () => {
    const table: Array<[number, number, number, number]> = [
      [2048, 1024, 100, 8], [800, 600, 100, 4], [399, 1000, 100, 2], [199, 5000, 100, 1], [99, 99, 100, 1], [1600, 1600, 200, 8], [1599, 1600, 200, 4],
    ];
    for (const [w, h, box, scale] of table) assert.equal(draftScale(w, h, box), scale, `${w}x${h} box ${box}`);
  });
});

describe('image functions: pixels', () => {
  /** 40x20 PNG: the top quarter green, the rest red on the left half and blue on the right. */
  async function marked(): Promise<Buffer> {
    const raw = Buffer.alloc(40 * 20 * 3);
    for (let y = 0; y < 20; y++) {
      for (let x = 0; x < 40; x++) {
        const [r, g, b] = y < 5 ? [0, 255, 0] : x < 20 ? [255, 0, 0] : [0, 0, 255];
        raw.set([r, g, b], (y * 40 + x) * 3);
      }
    }
    return sharp(raw, { raw: { width: 40, height: 20, channels: 3 } }).png().toBuffer();
  }
  async function pixel(jpegData: Buffer, x: number, y: number): Promise<number[]> {
    const { data, info } = await sharp(jpegData).raw().toBuffer({ resolveWithObject: true });
    const at = (y * info.width + x) * info.channels;
    return [...data.subarray(at, at + info.channels)];
  }
  const near = (got: number[], want: number[]): boolean => got.every((v, i) => Math.abs(v - (want[i] ?? 0)) <= 40);

  it('transpose turns the picture by 180°: the top-left corner goes to the bottom-right', async () => {
    const out = await run('transpose', await marked(), { quality: 100 });
    assert.deepEqual([out.width, out.height, out.channels], [40, 20, 3]);
    assert.ok(near(await pixel(out.data, 5, 6), [0, 0, 255]), 'blue now on the left');
    assert.ok(near(await pixel(out.data, 34, 6), [255, 0, 0]), 'red now on the right');
    assert.ok(near(await pixel(out.data, 10, 18), [0, 255, 0]), 'green band now at the bottom');
  });

  // libvips' greyscale is Rec. 709 luminance in linear light, gamma-encoded again: pure red 127,
  // green 220, blue 76 (Pillow's convert("L") weighs the encoded values: 76, 150, 29). docs/functions.md.
  it('bw gives one channel of luminance: green lightest, then red, then blue', async () => {
    const out = await run('bw', await marked(), { quality: 100 });
    assert.equal(out.channels, 1);
    const [green] = await pixel(out.data, 10, 1);
    const [red] = await pixel(out.data, 5, 15);
    const [blue] = await pixel(out.data, 34, 15);
    for (const [got, want] of [[green, 220], [red, 127], [blue, 76]] as const) assert.ok(Math.abs(got! - want) < 12, `got ${got}, want ≈ ${want}`);
  });

  it('?mode=RGB keeps draft in colour; ?mode=L makes thumbnail grey', async () => {
    const input = await jpeg(800, 400);
    assert.equal((await run('draft', input, { mode: 'RGB' })).channels, 3);
    assert.equal((await run('thumbnail', input, { mode: 'L' })).channels, 1);
    assert.equal((await run('thumbnail', input)).channels, 3);
    const grey = await jpeg(300, 200, 1);
    for (const op of ['thumbnail', 'transpose'] as const) assert.equal((await run(op, grey)).channels, 1, `${op} keeps a grey picture grey`);
  });

  it('refuses what is not an image', async () => {
    await assert.rejects(async () => (await imagePipeline('bw', Buffer.from('not a picture'))).toBuffer(), /unsupported image format/);
    const truncated = (await jpeg(300, 300)).subarray(0, 400);
    await assert.rejects(async () => (await imagePipeline('transpose', truncated)).toBuffer());
  });
});

describe('image functions: the query string', () => {
  const bad = (op: ImageOp, query: Record<string, string | string[]>, message: RegExp): void =>
    assert.throws(() => imageOptions(op, query), (err: unknown) => err instanceof BadImageRequest && message.test(err.message));

  it('reads size, mode (any case) and quality', () => {
    assert.deepEqual(imageOptions('draft', { size: '200', mode: 'rgb', quality: '90' }), { size: 200, mode: 'RGB', quality: 90 });
    assert.deepEqual(imageOptions('bw', {}), {});
    assert.deepEqual(imageOptions('bw', { other: 'ignored' }), {});
  });

  it('names the parameter that is wrong', () => {
    bad('thumbnail', { size: '0' }, /size must be a whole number from 1 to 10000 \(got "0"\)/);
    bad('thumbnail', { size: '1e3' }, /size must be a whole number/);
    bad('thumbnail', { size: '10001' }, /size must be/);
    bad('transpose', { size: '100' }, /size applies to draft and thumbnail, not transpose/);
    bad('bw', { mode: 'CMYK' }, /mode must be one of L, RGB \(got "CMYK"\)/);
    bad('bw', { quality: '101' }, /quality must be a whole number from 1 to 100/);
    bad('draft', { size: ['1', '2'] }, /size is given 2 times/);
  });
});
