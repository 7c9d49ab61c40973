import { IMAGE_OPS, imagePipeline, type ImageOp } from './ops.js';
import { BadImageRequest, imageOptions } from './query.js';
import type { FunctionContext, FunctionEvent } from './types.js';

/** Set per function in stack.yml (image-draft, image-bw, …); unset, the path names the op. */
const FIXED_OP = readFixedOp(process.env['IMAGE_OP']);

/**
 * The article's image functions: a JPEG (or PNG, WebP, …) in the body, a JPEG out.
 * Try: curl --data-binary @/usr/share/xplanet/images/earth.jpg http://127.0.0.1:8080/function/image-thumbnail -o thumb.jpg
 *      curl --data-binary @earth.jpg 'http://127.0.0.1:8080/function/image/draft?size=200&mode=RGB' -o draft.jpg
 */
export default async function image(event: FunctionEvent, context: FunctionContext): Promise<Buffer | string> {
  const started = performance.now();
  let jpeg: { data: Buffer; info: { width: number; height: number; channels: number } };
  let op: ImageOp;
  try {
    op = FIXED_OP ?? opFromPath(event.path);
    const opts = imageOptions(op, event.query);
    const input = Buffer.isBuffer(event.body) ? event.body : Buffer.alloc(0);
    if (input.length === 0) throw new BadImageRequest('cannot process input file: the body is empty (send an image: curl --data-binary @map.jpg …)');
    jpeg = await (await imagePipeline(op, input, opts)).toBuffer({ resolveWithObject: true });
  } catch (err) {
    context.status(400).headers({ 'content-type': 'text/plain; charset=utf-8' });
    // sharp's reason, without the stack: "Input buffer contains unsupported image format".
    return err instanceof BadImageRequest ? `${err.message}\n` : `cannot process input file: ${(err as Error).message}\n`;
  }
  const { width, height, channels } = jpeg.info;
  const mode = channels === 1 ? 'L' : 'RGB';
  console.log(`${op}: ${mode} ${width}x${height}, ${jpeg.data.length} bytes in ${(performance.now() - started).toFixed(1)} ms`);
  context.headers({ 'content-type': 'image/jpeg', 'x-image-width': width, 'x-image-height': height, 'x-image-mode': mode });
  return jpeg.data;
}

function opFromPath(path: string): ImageOp {
  const name = path.replace(/^\/+|\/+$/g, '');
  if (IMAGE_OPS.includes(name as ImageOp)) return name as ImageOp;
  const hint = `choose one in the path: ${IMAGE_OPS.map((o) => `/function/image/${o}`).join(', ')}`;
  throw new BadImageRequest(name === '' ? `no operation given; ${hint}` : `unknown operation "${name}"; ${hint}`);
}

function readFixedOp(value: string | undefined): ImageOp | undefined {
  if (value === undefined || value === '') return undefined;
  if (IMAGE_OPS.includes(value as ImageOp)) return value as ImageOp;
  // A typo in stack.yml must stop the replica at start, where `sluice logs` shows it, not answer 400s.
  throw new Error(`IMAGE_OP must be one of ${IMAGE_OPS.join(', ')} (got "${value}")`);
}
