import sharp, { type Sharp } from 'sharp';

/** The article's four image functions, as operations of one pipeline. */
export const IMAGE_OPS = ['draft', 'thumbnail', 'transpose', 'bw'] as const;
export type ImageOp = (typeof IMAGE_OPS)[number];

/** Pillow's mode names: L is 8-bit greyscale, RGB is colour. */
export const IMAGE_MODES = ['L', 'RGB'] as const;
export type ImageMode = (typeof IMAGE_MODES)[number];

/** What a caller may change with the query string. */
export interface ImageOptions {
  /** draft and thumbnail: the box, in pixels, the result is sized against. @default 100 */
  size?: number;
  /** The result's mode; without it draft and bw give L and the others keep the input's (L stays L). */
  mode?: ImageMode;
  /** JPEG quality, 1–100. @default 75 (Pillow's, so sizes match the article's) */
  quality?: number;
}

/** The default box of draft and thumbnail: the article's `(100, 100)`. */
export const DEFAULT_SIZE = 100;
export const DEFAULT_QUALITY = 75;

/** Ops whose result is greyscale unless ?mode=RGB asks otherwise. */
const GREY_BY_DEFAULT: ReadonlySet<ImageOp> = new Set(['draft', 'bw']);

// Each call brings a new image: libvips' operation cache would only hold memory, never hit.
sharp.cache(false);

/**
 * The sharp pipeline of one operation on one image, ending in JPEG. The function runs exactly this,
 * and so does the in-process side of `npm run bench:functions`.
 * @example const jpeg = await (await imagePipeline('thumbnail', input)).toBuffer()
 */
export async function imagePipeline(op: ImageOp, input: Buffer, opts: ImageOptions = {}): Promise<Sharp> {
  let image = sharp(input, { failOn: 'error' });
  // The header alone (no decode): the size for draft, and whether the input is grey already.
  const { width, height, channels } = await image.metadata();
  const size = opts.size ?? DEFAULT_SIZE;
  if (op === 'draft') {
    const scale = draftScale(width, height, size);
    // Exact divisions of the JPEG's size let libjpeg's shrink-on-load do all the work, as Pillow's draft does.
    if (scale > 1) image = image.resize(Math.ceil(width / scale), Math.ceil(height / scale), { fit: 'fill', fastShrinkOnLoad: true });
  } else if (op === 'thumbnail') {
    image = image.resize(size, size, { fit: 'inside', withoutEnlargement: true });
  } else if (op === 'transpose') {
    image = image.rotate(180);
  }
  // sharp writes sRGB unless told otherwise; Pillow keeps an L picture L, and so do we.
  const mode = opts.mode ?? (GREY_BY_DEFAULT.has(op) || channels < 3 ? 'L' : undefined);
  if (mode === 'L') image = image.toColourspace('b-w');
  else if (mode === 'RGB') image = image.toColourspace('srgb');
  // Huffman optimisation (sharp's default) makes the encode 2.1–2.4× slower for files 1.6–4.7%
  // smaller: docs/benchmarks.md, "Functions (issue 5)".
  return image.jpeg({ quality: opts.quality ?? DEFAULT_QUALITY, optimiseCoding: false });
}

/**
 * Pillow's `draft(mode, (size, size))` scale: the largest of 8, 4, 2, 1 that keeps both sides at
 * least `size` pixels (JpegImagePlugin.draft).
 */
export function draftScale(width: number, height: number, size: number): number {
  const scale = Math.min(Math.floor(width / size), Math.floor(height / size));
  return [8, 4, 2].find((s) => scale >= s) ?? 1;
}
