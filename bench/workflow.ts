/**
 * `npm run bench:workflow` (issue 6): the article's chain (transpose, then bw, then thumbnail) on
 * earth.jpg (2048×1024) and on the 4000×2000 JPEG bench:functions makes from it, three ways:
 *   (a) the workflow function transpose-bw-thumbnail, one sync call: the gateway runs the steps,
 *       calling each image function's replica through the provider (its Unix socket, no HTTP hop
 *       through the gateway's own port);
 *   (b) the client piping three sync calls through the gateway, each answer the next call's body, as
 *       `curl … | curl … | curl …` does, but from this process over one keep-alive connection;
 *   (c) `imagePipeline` (functions/image/ops.ts) three times in this process, the same sharp code.
 * The first answers of (a), (b) and (c) must be byte-identical. Then (a), (b) and (c) alternate, so
 * the VM's swings hit all three; each cell is the median (p90) of its runs after WARMUP of each.
 * Targets: a ≤ 1.2 × c (judged as printed, to two decimals) and a < b. A miss is printed, not an
 * error (exit 0).
 * Then a breakdown of (a): a second gateway at log_level=info, whose log gives each step's time as
 * the gateway saw it (the call over the replica's socket) and the image function's own time for the
 * same step (its sharp work); the same ops are timed in process on the same inputs.
 * Then (d), the price of durability: the workflow called async (each step a queued call with its
 * own record, body in the blob store above 512 KiB, result stored) until its result is read back,
 * alternating with (a); printed with d/a and the extra time per step. Informative, no target.
 * Env: BENCH_RUNS, runs per cell (default 21).
 */
import { Agent, request } from 'undici';
import { imagePipeline, type ImageOp } from '../functions/image/ops.js';
import { cleanup, type SluiceNode } from '../test/harness.js';
import { alternate, cell, kb, ms, percentile, WARMUP, type Figures } from './_measure.js';
import { call, loadImages, startStack, type BenchImage } from './_stack.js';

const runs = Number(process.env['BENCH_RUNS'] ?? 21);
/** The workflow's steps (functions/transpose-bw-thumbnail/workflow.yml), in order. */
const CHAIN = ['transpose', 'bw', 'thumbnail'] as const satisfies readonly ImageOp[];
const WORKFLOW = 'transpose-bw-thumbnail';
const STEP_FUNCTIONS = CHAIN.map((op) => `image-${op}`);
const RATIO_TARGET = 1.2;

/** The three ways of running the chain on one picture. */
interface Ways {
  readonly workflow: () => Promise<Buffer>;
  readonly piped: () => Promise<Buffer>;
  readonly inProcess: () => Promise<Buffer>;
}

function waysFor(node: SluiceNode, dispatcher: Agent, input: Buffer): Ways {
  return {
    workflow: () => call(node, dispatcher, WORKFLOW, input),
    piped: async () => {
      let body = input;
      for (const fn of STEP_FUNCTIONS) body = await call(node, dispatcher, fn, body);
      return body;
    },
    inProcess: async () => (await inProcessSteps(input)).at(-1) as Buffer,
  };
}

/** The chain in this process: each step's answer, the last being the chain's. */
async function inProcessSteps(input: Buffer): Promise<Buffer[]> {
  const answers: Buffer[] = [];
  let body = input;
  for (const op of CHAIN) answers.push((body = await (await imagePipeline(op, body)).toBuffer()));
  return answers;
}

async function benchChain(node: SluiceNode, dispatcher: Agent, images: readonly BenchImage[], misses: string[]): Promise<void> {
  console.log(`\n${CHAIN.join(' → ')}, ${runs} runs per cell, (a) (b) (c) alternating`);
  console.log(
    `${'picture'.padEnd(9)}  ${'(a) workflow ms (p90)'.padStart(21)}  ${'(b) piped ms (p90)'.padStart(18)}  ${'(c) in process ms (p90)'.padStart(23)}` +
      `    a/c  ${'a−c ms'.padStart(6)}  ≤ ${RATIO_TARGET}×    a/b  ${'b−a ms'.padStart(6)}  a < b`,
  );
  for (const [label, , input] of images) {
    const ways = waysFor(node, dispatcher, input);
    await checkSameAnswers(label, ways);
    const [a, b, c] = await alternate(runs, ways.workflow, ways.piped, ways.inProcess);
    // Judged as printed, to two decimals: the VM's noise is far larger than the rounding.
    const ac = Number((a.median / c.median).toFixed(2));
    const ab = a.median / b.median;
    if (ac > RATIO_TARGET) misses.push(`${label}: (a) ${ms(a.median)} ms = ${ac.toFixed(2)} × (c) ${ms(c.median)} ms in process, over ${RATIO_TARGET}×`);
    if (a.median >= b.median) misses.push(`${label}: (a) ${ms(a.median)} ms is not below (b) ${ms(b.median)} ms`);
    console.log(
      `${label.padEnd(9)}  ${cell(a, 21)}  ${cell(b, 18)}  ${cell(c, 23)}  ${ac.toFixed(2).padStart(5)}  ${ms(a.median - c.median).padStart(6)}  ${verdict(ac <= RATIO_TARGET).padEnd(5)}` +
        `  ${ab.toFixed(2).padStart(5)}  ${ms(b.median - a.median).padStart(6)}  ${verdict(a.median < b.median)}`,
    );
  }
}

/** (a), (b) and (c) must give the same JPEG, byte for byte: otherwise they do not do the same work. */
async function checkSameAnswers(label: string, ways: Ways): Promise<void> {
  const [a, b, c] = [await ways.workflow(), await ways.piped(), await ways.inProcess()];
  if (!a.equals(c) || !b.equals(c)) throw new Error(`${label}: the answers differ: (a) ${a.length} bytes, (b) ${b.length}, (c) ${c.length}`);
  console.log(`  ${label}: (a), (b) and (c) answer the same JPEG, ${c.length} bytes`);
}

/** (d): POST /async-function, wait for the record to finish, read the result; vs (a) alternating. */
async function benchAsync(node: SluiceNode, dispatcher: Agent, images: readonly BenchImage[]): Promise<void> {
  console.log(`\n(d) the workflow async, each step a queued call, until its result is read; ${runs} runs alternating with (a)`);
  console.log(`${'picture'.padEnd(9)}  ${'(a) sync ms (p90)'.padStart(18)}  ${'(d) async ms (p90)'.padStart(18)}    d/a  ${'per step ms'.padStart(11)}`);
  for (const [label, , input] of images) {
    const asyncCall = async (): Promise<Buffer> => {
      const accepted = await request(`${node.url}/async-function/${WORKFLOW}`, { method: 'POST', body: input, dispatcher });
      await accepted.body.dump();
      const callId = accepted.headers['x-call-id'] as string;
      const record = await request(`${node.url}/system/calls/${callId}?wait=60s`, { dispatcher });
      if (((await record.body.json()) as { status: string }).status !== 'succeeded') throw new Error(`${label}: async call ${callId} did not succeed`);
      const result = await request(`${node.url}/system/calls/${callId}/result`, { dispatcher });
      return Buffer.from(await result.body.arrayBuffer());
    };
    const [a, d] = await alternate(runs, () => call(node, dispatcher, WORKFLOW, input), asyncCall);
    const perStep = (d.median - a.median) / CHAIN.length;
    console.log(`${label.padEnd(9)}  ${cell(a, 18)}  ${cell(d, 18)}  ${(d.median / a.median).toFixed(2).padStart(5)}  ${ms(perStep).padStart(11)}`);
  }
}

/**
 * Where (a)'s time goes beyond (c), per step and per call: the gateway's time for each step (its
 * log), the image function's own sharp time for it (its log), the same op in process, and what the
 * client waited outside the steps (its upload, the answer, the workflow's own work).
 */
async function benchBreakdown(images: readonly BenchImage[]): Promise<void> {
  console.log(`\nbreakdown of (a): a gateway at log_level=info; ${runs} workflow calls alternating with each op in process; medians in ms, of each call's figures`);
  console.log(`${'picture'.padEnd(9)}  ${'step'.padEnd(9)}  ${'body in → out'.padStart(17)}  ${'in process'.padStart(10)}  ${'replica sharp'.padStart(13)}  ${'gateway step'.padStart(12)}  ${'step − sharp'.padStart(12)}`);
  const node = await startStack([...STEP_FUNCTIONS, WORKFLOW], { log_level: 'info' });
  const dispatcher = new Agent({ connections: 1 });
  for (const [label, , input] of images) {
    const inputs = [input, ...(await inProcessSteps(input))];
    const stepOps = CHAIN.map((op, i) => async () => (await imagePipeline(op, inputs[i] as Buffer)).toBuffer());
    const totals: number[] = [];
    const workflowCall = async (): Promise<void> => {
      const started = performance.now();
      await call(node, dispatcher, WORKFLOW, input);
      totals.push(performance.now() - started);
    };
    const from = node.output().length;
    const [, ...local] = await alternate(runs, workflowCall, ...stepOps);
    await new Promise((resolve) => setTimeout(resolve, 300)); // the replicas' last log lines
    const calls = loggedCalls(node.output().slice(from), totals.slice(-runs));
    for (const [i, op] of CHAIN.entries()) {
      const sizes = `${kb((inputs[i] as Buffer).length)} → ${kb((inputs[i + 1] as Buffer).length)}`;
      const [sharp, gateway] = [medianOf(calls.map((c) => c.sharp[i] as number)), medianOf(calls.map((c) => c.gateway[i] as number))];
      const hop = medianOf(calls.map((c) => (c.gateway[i] as number) - (c.sharp[i] as number)));
      console.log(`${label.padEnd(9)}  ${op.padEnd(9)}  ${sizes.padStart(17)}  ${ms((local[i] as Figures).median).padStart(10)}  ${ms(sharp).padStart(13)}  ${ms(gateway).padStart(12)}  ${ms(hop).padStart(12)}`);
    }
    const whole = (f: (c: LoggedCall) => number): string => ms(medianOf(calls.map(f)));
    const sumLocal = ms(sum(local.map((f) => f.median)));
    console.log(
      `${label.padEnd(9)}  ${'3 steps'.padEnd(9)}  ${''.padStart(17)}  ${sumLocal.padStart(10)}  ${whole((c) => sum(c.sharp)).padStart(13)}  ${whole((c) => sum(c.gateway)).padStart(12)}` +
        `  ${whole((c) => sum(c.gateway) - sum(c.sharp)).padStart(12)}`,
    );
    console.log(`${label.padEnd(9)}  (a) call: ${whole((c) => c.total)} ms at the client, of which outside the steps ${whole((c) => c.total - sum(c.gateway))} (${kb(input.length)} up, the answer down, the workflow's own work)`);
  }
  await dispatcher.close();
  await node.stop();
}

/** One workflow call of the breakdown: its time at the client, and per step the gateway's and the function's own. */
interface LoggedCall {
  readonly total: number;
  readonly gateway: readonly number[];
  readonly sharp: readonly number[];
}

/**
 * The calls timed at the client (`totals`, in order), with their steps' times from the gateway's log:
 * as the workflow saw each step ("[0] transpose … - 0.031000s") and as the image function timed its
 * own work ("transpose: RGB 2048x1024, … in 29.8 ms"). Calls are sequential, so the last lines of
 * each kind are theirs, in the same order (the warm-up calls' come first).
 */
function loggedCalls(output: string, totals: readonly number[]): LoggedCall[] {
  const gateway = CHAIN.map((): number[] => []);
  const sharp = CHAIN.map((): number[] => []);
  for (const line of output.split('\n')) {
    if (!line.startsWith('{')) continue;
    const { function: fn, msg = '' } = JSON.parse(line) as { function?: string; msg?: string };
    const step = fn === WORKFLOW ? /^\[(\d+)\] \S+ \d+ byte\(s\) HTTP: 200 - ([\d.]+)s$/.exec(msg) : null;
    if (step) gateway[Number(step[1])]?.push(Number(step[2]) * 1000);
    const own = fn !== undefined && STEP_FUNCTIONS.includes(fn) ? / in ([\d.]+) ms$/.exec(msg) : null;
    if (own) sharp[STEP_FUNCTIONS.indexOf(fn as string)]?.push(Number(own[1]));
  }
  for (const [i, op] of CHAIN.entries()) {
    const [g, s] = [gateway[i] as number[], sharp[i] as number[]];
    if (g.length < totals.length || s.length < totals.length) throw new Error(`${op}: ${g.length} step and ${s.length} function log lines, expected ${totals.length} or more`);
  }
  return totals.map((total, k) => ({
    total,
    gateway: gateway.map((xs) => xs.at(k - totals.length) as number),
    sharp: sharp.map((xs) => xs.at(k - totals.length) as number),
  }));
}

// --- internal ---

const verdict = (met: boolean): string => (met ? 'PASS' : 'MISS');
const medianOf = (xs: readonly number[]): number => percentile(xs, 0.5);
const sum = (xs: readonly number[]): number => xs.reduce((total, x) => total + x, 0);

// --- run ---

console.log(`workflow benchmark: one call at a time, keep-alive; ${WARMUP} warm-up runs of each, then median (p90)`);
const images = await loadImages();
const node = await startStack([...STEP_FUNCTIONS, WORKFLOW]);
const dispatcher = new Agent({ connections: 1 });
const misses: string[] = [];
await benchChain(node, dispatcher, images, misses);
await benchAsync(node, dispatcher, images);
await dispatcher.close();
await node.stop();
await benchBreakdown(images);
await cleanup();
console.log(misses.length === 0 ? '\nall targets met' : `\n${misses.length} target(s) missed:\n${misses.map((m) => `  MISS ${m}`).join('\n')}`);
