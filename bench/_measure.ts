/** Shared bits of the benchmarks: load generation, process memory, and timing one call at a time. */
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';

export interface LoadResult {
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly errors: number;
  readonly non2xx: number;
}

/** Runs autocannon against `url` with a POST of `body` and returns the figures we print. */
export async function load(url: string, opts: { connections: number; seconds: number; body: Buffer }): Promise<LoadResult> {
  const result = await autocannon({
    url,
    method: 'POST',
    body: opts.body,
    headers: { 'content-type': 'application/octet-stream' },
    connections: opts.connections,
    duration: opts.seconds,
  });
  return {
    requestsPerSecond: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
}

/** Resident memory of a process in MB, from /proc. */
export function rssMb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'));
  return Number(line?.replace(/\D+/g, '') ?? 0) / 1024;
}

export function row(label: string, r: LoadResult): string {
  return `${label.padEnd(34)} ${r.requestsPerSecond.toFixed(0).padStart(8)} req/s   p50 ${String(r.p50Ms).padStart(4)} ms   p99 ${String(r.p99Ms).padStart(4)} ms   errors ${r.errors + r.non2xx}`;
}

/** The run with the median throughput (its latencies come with it, unmixed). */
export function median(results: LoadResult[]): LoadResult {
  const sorted = [...results].sort((x, y) => x.requestsPerSecond - y.requestsPerSecond);
  return sorted[Math.floor(sorted.length / 2)] as LoadResult;
}

/** The value below which a fraction `p` of `xs` lies (0.5: the median of an odd count). */
export function percentile(xs: readonly number[], p: number): number {
  return [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))] as number;
}

/** Warm-up runs of each side, before the timed ones of `alternate`. */
export const WARMUP = 3;

/** A cell of a benchmark's table, in ms. */
export interface Figures {
  readonly median: number;
  readonly p90: number;
}

/**
 * Runs each of `fns` `count` times (after WARMUP runs of each), one at a time, rotating which goes
 * first (ab, ba… or abc, bca, cab…) so the VM's swings hit all of them. Resolves with their figures.
 */
export async function alternate<const T extends ReadonlyArray<() => Promise<unknown>>>(count: number, ...fns: T): Promise<{ -readonly [K in keyof T]: Figures }> {
  const times = fns.map((): number[] => []);
  for (let i = -WARMUP; i < count; i++) {
    for (let k = 0; k < fns.length; k++) {
      const j = (((i + k) % fns.length) + fns.length) % fns.length;
      const took = await timed(fns[j] as () => Promise<unknown>);
      if (i >= 0) times[j]?.push(took);
    }
  }
  return times.map((xs) => ({ median: percentile(xs, 0.5), p90: percentile(xs, 0.9) })) as { -readonly [K in keyof T]: Figures };
}

/** ms to three significant figures or so: 5.66, 33.5, 901. */
export const ms = (x: number): string => (x < 10 ? x.toFixed(2) : x < 100 ? x.toFixed(1) : x.toFixed(0));
/** A table cell: "median (p90)", right-aligned in `width`. */
export const cell = (f: Figures, width: number): string => `${ms(f.median)} (${ms(f.p90)})`.padStart(width);
export const kb = (bytes: number): string => `${(bytes / 1024).toFixed(0)} KB`;

// --- internal ---

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await fn();
  return performance.now() - started;
}
