/**
 * The shipped functions (functions/stack.yml) under a benchmark: a gateway serving them, one call
 * through it, and the test pictures. Shared by bench:functions and bench:workflow.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { request, type Agent } from 'undici';
import { ROOT, startSluice, tempDir, waitAvailable, type SluiceNode } from '../test/harness.js';
import { kb } from './_measure.js';

/** The article's picture (Debian's xplanet-data): 2048×1024, 260 KB. */
export const EARTH = '/usr/share/xplanet/images/earth.jpg';

/** A picture to run the image functions on: its label, a file holding it, its bytes. */
export type BenchImage = readonly [label: string, file: string, bytes: Buffer];

/**
 * `sluice serve --stack functions/stack.yml` (one replica per function) on a free port in a temp data
 * dir, resolved once each of `functions` has a replica ready. `env` is the gateway's (log_level…).
 */
export async function startStack(functions: readonly string[], env: Record<string, string> = {}): Promise<SluiceNode> {
  const node = await startSluice({ args: ['--stack', path.join(ROOT, 'functions', 'stack.yml')], env });
  for (const name of functions) await waitAvailable(node, name);
  return node;
}

/** One sequential call to a function through the gateway; the whole answer read. */
export async function call(node: SluiceNode, dispatcher: Agent, fn: string, body: string | Buffer): Promise<Buffer> {
  const contentType = typeof body === 'string' ? 'text/plain' : 'application/octet-stream';
  const res = await request(`${node.url}/function/${fn}`, { method: 'POST', body, dispatcher, headers: { 'content-type': contentType } });
  const answer = Buffer.from(await res.body.arrayBuffer());
  if (res.statusCode !== 200) throw new Error(`${fn}: ${res.statusCode} ${answer.toString().slice(0, 200)}`);
  return answer;
}

/** earth.jpg, and the 4000×2000 picture made from it (photo-like, not noise), written to a temp file for Pillow to read. */
export async function loadImages(): Promise<BenchImage[]> {
  const earth = await readFile(EARTH);
  const large = await sharp(earth).resize(4000, 2000).jpeg({ quality: 90 }).toBuffer();
  const largeFile = path.join(await tempDir('sluice-bench-image-'), 'earth-4000x2000.jpg');
  await writeFile(largeFile, large);
  console.log(`images: earth.jpg 2048×1024 ${kb(earth.length)}; 4000×2000 (earth.jpg resized, quality 90) ${kb(large.length)}`);
  return [['earth', EARTH, earth], ['4000x2000', largeFile, large]];
}
