import { Counter, Gauge, type Registry } from 'prom-client';
import { DEFAULT_NAMESPACE, SluiceError } from '../api/index.js';
import { ClientGone } from '../watchdog/index.js';

/** How OpenFaaS names a function in its metrics' `function_name` label: `<name>.<namespace>`. */
export function metricName(name: string): string {
  return `${name}.${DEFAULT_NAMESPACE}`;
}

/** The `code` of a call that failed before the function answered: its error's status (499: the client went away). */
export function failureCode(err: unknown): number {
  if (err instanceof ClientGone) return 499;
  return err instanceof SluiceError ? err.status : 502;
}

/** Prometheus' (and Go's, so OpenFaaS's) default histogram buckets, in seconds. */
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** One function's calls that ended with one code. */
interface CodeSeries {
  count: number;
  sum: number;
  /** Calls per bucket (not cumulative); the last is +Inf. */
  readonly buckets: number[];
}

interface FunctionSeries {
  started: number;
  count: number;
  readonly byCode: Map<number, CodeSeries>;
}

/**
 * The gateway's function metrics of OpenFaaS (reference §6), counted where every call of a function
 * goes through, sync, queued or a workflow's step, as OpenFaaS counts the queue worker's and a
 * workflow runner's calls to the gateway: `gateway_function_invocation_started`,
 * `gateway_function_invocation_total` and `gateway_functions_seconds` (by `code`), and
 * `gateway_service_count` (desired replicas, read when scraped). Also Sluice's
 * `sluice_replica_restarts_total`. `invocationCount` of `/system/functions` is read from here too.
 *
 * The three call metrics are plain numbers rendered by `text()`: prom-client hashes the labels on
 * every inc/observe, which cost ~10 % of the gateway's sync throughput (bench:sync).
 */
export class FunctionMetrics {
  readonly #series = new Map<string, FunctionSeries>();
  readonly #restarts: Counter<'function'>;

  /** `desired` lists the deployed functions with their desired replicas, for `gateway_service_count`. */
  constructor(registry: Registry, desired: () => Iterable<readonly [name: string, replicas: number]>) {
    const registers = [registry];
    this.#restarts = new Counter({ name: 'sluice_replica_restarts_total', help: 'Replicas restarted after their process exited', labelNames: ['function'], registers });
    new Gauge({
      name: 'gateway_service_count',
      help: 'Desired replicas of each function',
      labelNames: ['function_name'],
      registers,
      collect() {
        this.reset();
        for (const [name, replicas] of desired()) this.set({ function_name: metricName(name) }, replicas);
      },
    });
  }

  started(name: string): void {
    this.#of(name).started++;
  }

  /** A call of `name` ended with `code` (the function's status, or the gateway's error status). */
  finished(name: string, code: number, seconds: number): void {
    const series = this.#of(name);
    series.count++;
    let byCode = series.byCode.get(code);
    if (!byCode) series.byCode.set(code, (byCode = { count: 0, sum: 0, buckets: new Array<number>(BUCKETS.length + 1).fill(0) }));
    byCode.count++;
    byCode.sum += seconds;
    let at = 0;
    while (at < BUCKETS.length && seconds > (BUCKETS[at] as number)) at++;
    byCode.buckets[at] = (byCode.buckets[at] as number) + 1;
  }

  /** Completed calls of `name` since the gateway started: `invocationCount`. */
  invocations(name: string): number {
    return this.#series.get(name)?.count ?? 0;
  }

  /**
   * Each function's count of calls that ended with `code` since the gateway started: the autoscaler
   * reads the 200s once a second, so the call path counts nothing more for it.
   */
  *answered(code: number): Generator<[name: string, count: number]> {
    for (const [name, series] of this.#series) yield [name, series.byCode.get(code)?.count ?? 0];
  }

  replicaRestarted(name: string): void {
    this.#restarts.inc({ function: metricName(name) });
  }

  /** The call metrics in Prometheus' text format, to follow the registry's. */
  text(): string {
    const started: string[] = [];
    const total: string[] = [];
    const seconds: string[] = [];
    // Names are DNS-1123 labels and codes numbers: no label value needs escaping.
    for (const [name, series] of this.#series) {
      const fn = `function_name="${metricName(name)}"`;
      started.push(`gateway_function_invocation_started{${fn}} ${series.started}`);
      for (const [code, s] of series.byCode) {
        const labels = `${fn},code="${code}"`;
        total.push(`gateway_function_invocation_total{${labels}} ${s.count}`);
        let cumulative = 0;
        s.buckets.forEach((n, i) => {
          cumulative += n;
          seconds.push(`gateway_functions_seconds_bucket{le="${i < BUCKETS.length ? BUCKETS[i] : '+Inf'}",${labels}} ${cumulative}`);
        });
        seconds.push(`gateway_functions_seconds_sum{${labels}} ${s.sum}`, `gateway_functions_seconds_count{${labels}} ${s.count}`);
      }
    }
    return [
      family('gateway_function_invocation_started', 'counter', 'Function calls started', started),
      family('gateway_function_invocation_total', 'counter', 'Function calls completed, by status code', total),
      family('gateway_functions_seconds', 'histogram', 'Seconds a function call took, by status code', seconds),
    ].join('');
  }

  #of(name: string): FunctionSeries {
    let series = this.#series.get(name);
    if (!series) this.#series.set(name, (series = { started: 0, count: 0, byCode: new Map() }));
    return series;
  }
}

function family(name: string, type: string, help: string, samples: string[]): string {
  return `# HELP ${name} ${help}\n# TYPE ${name} ${type}\n${samples.map((s) => `${s}\n`).join('')}`;
}
