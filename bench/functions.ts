/**
 * `npm run bench:functions` (issue 5): the shipped functions through the gateway (`sluice serve
 * --stack functions/stack.yml`, one replica each) against the same code called in this process, one
 * request at a time over a keep-alive connection:
 *   - pi (functions/pi) for N = 5,000 / 50,000 / 200,000 digits, against `piDigits(N)`;
 *   - each image op (functions/image) on earth.jpg (2048×1024) and on a 4000×2000 JPEG made from it,
 *     against `imagePipeline(op, bytes).toBuffer()` on the same bytes, and against Pillow (Debian's
 *     python3-pil, the article's stack: bench/pillow-ops.py times the op in a loop inside Python);
 *   - sharp's JPEG encode alone (quality 75) with optimiseCoding off, as the function has it, and on.
 * Gateway and in-process runs alternate, so the VM's swings hit both; each cell is the median (p90)
 * of its runs, after WARMUP runs of each. Targets: pi 5,000 ≤ 15 ms and 200,000 ≤ 1 s end to end;
 * every image op through the gateway ≤ 1.25 × in process (+ms: the difference). A miss is printed,
 * not an error (exit 0).
 * Env: BENCH_RUNS, runs per image cell (default 21); pi runs 31 / 9 / 5 times for its three sizes.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';
import sharp from 'sharp';
import { Agent } from 'undici';
import { IMAGE_OPS, imagePipeline, type ImageOp } from '../functions/image/ops.js';
import { piDigits } from '../functions/pi/pi.js';
import { cleanup, ROOT, type SluiceNode } from '../test/harness.js';
import { alternate, cell, kb, ms, WARMUP, type Figures } from './_measure.js';
import { call, loadImages, startStack, type BenchImage } from './_stack.js';

const PYTHON = '/usr/bin/python3';
const imageRuns = Number(process.env['BENCH_RUNS'] ?? 21);
/** Digits, runs, end-to-end target in ms (none for 50,000). */
const PI_CASES: ReadonlyArray<readonly [number, number, number | undefined]> = [[5_000, 31, 15], [50_000, 9, undefined], [200_000, 5, 1_000]];
const IMAGE_RATIO_TARGET = 1.25;

async function benchPi(node: SluiceNode, dispatcher: Agent, misses: string[]): Promise<void> {
  console.log(`\npi (functions/pi), POST N; in process: piDigits(N)`);
  console.log(`${'N'.padStart(9)}  ${'gateway ms (p90)'.padStart(18)}  ${'in-process ms (p90)'.padStart(20)}  ratio  target`);
  for (const [digits, count, target] of PI_CASES) {
    const want = `${digits} ${piDigits(digits)}\n`;
    if ((await call(node, dispatcher, 'pi', String(digits))).toString() !== want) throw new Error(`pi ${digits}: the gateway's answer differs from piDigits`);
    const [gateway, local] = await alternate(count, () => call(node, dispatcher, 'pi', String(digits)), async () => piDigits(digits));
    const verdict = target === undefined ? '—' : `≤ ${target} ms ${gateway.median <= target ? 'PASS' : 'MISS'}`;
    if (target !== undefined && gateway.median > target) misses.push(`pi ${digits}: ${ms(gateway.median)} ms end to end > ${target} ms`);
    console.log(`${digits.toLocaleString('en').padStart(9)}  ${cell(gateway, 18)}  ${cell(local, 20)}  ${(gateway.median / local.median).toFixed(2).padStart(5)}  ${verdict}   (${count} runs)`);
  }
}

async function benchImages(node: SluiceNode, dispatcher: Agent, images: readonly BenchImage[], withPillow: boolean, misses: string[]): Promise<void> {
  console.log(`\nimage ops (functions/image), POST the picture, ${imageRuns} runs per cell; in process: imagePipeline(op, bytes).toBuffer()`);
  console.log(`${'op'.padEnd(9)}  ${'image'.padEnd(9)}  ${'gateway ms (p90)'.padStart(18)}  ${'in-process ms (p90)'.padStart(20)}  ratio  ${'+ms'.padStart(5)}  ≤ ${IMAGE_RATIO_TARGET}×  ${'Pillow ms (p90)'.padStart(17)}  speedup (Pillow ÷ gateway)`);
  for (const [label, file, input] of images) {
    for (const op of IMAGE_OPS) {
      const local = async (): Promise<Buffer> => (await imagePipeline(op, input)).toBuffer();
      const first = await call(node, dispatcher, `image-${op}`, input);
      if (!first.equals(await local())) console.log(`  (warning: image-${op} on ${label} answered other bytes than the pipeline in process)`);
      const [gateway, inProcess] = await alternate(imageRuns, () => call(node, dispatcher, `image-${op}`, input), local);
      // Judged as printed, to two decimals: the VM's noise is far larger than the rounding.
      const ratio = Number((gateway.median / inProcess.median).toFixed(2));
      if (ratio > IMAGE_RATIO_TARGET) misses.push(`image-${op} on ${label}: ${ms(gateway.median)} ms through the gateway = ${ratio.toFixed(2)} × ${ms(inProcess.median)} ms in process`);
      const pil = withPillow ? pillow(file, op) : undefined;
      const versus = pil ? `${(pil.median / gateway.median).toFixed(2)}×` : '—';
      console.log(`${op.padEnd(9)}  ${label.padEnd(9)}  ${cell(gateway, 18)}  ${cell(inProcess, 20)}  ${ratio.toFixed(2).padStart(5)}  ${ms(gateway.median - inProcess.median).padStart(5)}  ${(ratio <= IMAGE_RATIO_TARGET ? 'PASS' : 'MISS').padEnd(6)}  ${pil ? cell(pil, 17) : '—'.padStart(17)}  ${versus.padStart(8)}`);
    }
  }
}

/** Pillow doing `op` on `file`: one python process, timed inside Python (bench/pillow-ops.py). */
function pillow(file: string, op: ImageOp): Figures {
  const out = execFileSync(PYTHON, [path.join(ROOT, 'bench', 'pillow-ops.py'), file, op, String(imageRuns), String(WARMUP)], { encoding: 'utf8' });
  const { median_ms: median, p90_ms: p90 } = JSON.parse(out) as { median_ms: number; p90_ms: number };
  return { median, p90 };
}

/** sharp's JPEG encode alone, of the decoded pixels: optimiseCoding false (the function's) against true. */
async function benchEncode(images: readonly BenchImage[]): Promise<void> {
  console.log(`\nsharp JPEG encode alone (quality 75, from decoded pixels), ${imageRuns} runs each, alternating`);
  for (const [label, , input] of images) {
    const { data, info } = await sharp(input).raw().toBuffer({ resolveWithObject: true });
    const encode = (optimiseCoding: boolean): Promise<Buffer> =>
      sharp(data, { raw: { width: info.width, height: info.height, channels: info.channels } }).jpeg({ quality: 75, optimiseCoding }).toBuffer();
    const [plain, optimised] = await alternate(imageRuns, () => encode(false), () => encode(true));
    const [plainBytes, optimisedBytes] = [(await encode(false)).length, (await encode(true)).length];
    console.log(
      `${label.padEnd(9)}  optimiseCoding false ${cell(plain, 14)} ms, ${kb(plainBytes)}   true ${cell(optimised, 14)} ms, ${kb(optimisedBytes)}` +
        `   time ×${(optimised.median / plain.median).toFixed(2)}, size ${(100 * (optimisedBytes / plainBytes - 1)).toFixed(1)} %`,
    );
  }
}

// --- run ---

const withPillow = spawnSync(PYTHON, ['-c', 'import PIL'], { stdio: 'ignore' }).status === 0;
console.log(`functions benchmark: one call at a time, keep-alive; gateway and in-process runs alternate; ${WARMUP} warm-up runs of each, then median (p90)`);
if (!withPillow) console.log('Pillow: not installed (apt install python3-pil)');
const images = await loadImages();
const node = await startStack(['pi', ...IMAGE_OPS.map((op) => `image-${op}`)]);
const dispatcher = new Agent({ connections: 1 });
const misses: string[] = [];
await benchPi(node, dispatcher, misses);
await benchImages(node, dispatcher, images, withPillow, misses);
await dispatcher.close();
await node.stop();
await cleanup();
await benchEncode(images);
console.log(misses.length === 0 ? '\nall targets met' : `\n${misses.length} target(s) missed:\n${misses.map((m) => `  MISS ${m}`).join('\n')}`);
