/** Shared bits of the benchmarks: load generation and process memory. */
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
