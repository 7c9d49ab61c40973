import { IMAGE_MODES, type ImageMode, type ImageOp, type ImageOptions } from './ops.js';

/** Largest `?size=`: more than any screen, small enough that a typo cannot ask for gigapixels. */
const MAX_SIZE = 10_000;

/** A problem with the request, answered with 400 and this message. */
export class BadImageRequest extends Error {}

/**
 * Reads `?size=`, `?mode=` and `?quality=` for `op`. Anything present but unusable is refused with a
 * message naming the parameter: a silently ignored typo would hand back the wrong picture.
 */
export function imageOptions(op: ImageOp, query: Record<string, string | string[]>): ImageOptions {
  const opts: ImageOptions = {};
  const size = single(query, 'size');
  if (size !== undefined) {
    if (op !== 'draft' && op !== 'thumbnail') throw new BadImageRequest(`size applies to draft and thumbnail, not ${op}`);
    opts.size = integer('size', size, 1, MAX_SIZE);
  }
  const mode = single(query, 'mode');
  if (mode !== undefined) {
    const upper = mode.toUpperCase();
    if (!IMAGE_MODES.includes(upper as ImageMode)) throw new BadImageRequest(`mode must be one of ${IMAGE_MODES.join(', ')} (got "${mode}")`);
    opts.mode = upper as ImageMode;
  }
  const quality = single(query, 'quality');
  if (quality !== undefined) opts.quality = integer('quality', quality, 1, 100);
  return opts;
}

// --- internal ---

function single(query: Record<string, string | string[]>, key: string): string | undefined {
  const value = query[key];
  if (Array.isArray(value)) throw new BadImageRequest(`${key} is given ${value.length} times; give it once`);
  return value;
}

function integer(key: string, value: string, min: number, max: number): number {
  const n = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!(n >= min && n <= max)) throw new BadImageRequest(`${key} must be a whole number from ${min} to ${max} (got "${value}")`);
  return n;
}
