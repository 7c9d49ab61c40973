import { Counter, Gauge, type Registry } from 'prom-client';
import type { CallStatus } from '../api/index.js';
import { metricName } from '../provider/index.js';
import type { AsyncQueue } from '../queue/index.js';
import { DEFAULT_QUEUE, WORKFLOW_QUEUE } from './queues.js';

/**
 * Sluice's async metrics: `sluice_queue_depth{queue}` (messages waiting or running, read from the
 * queue when scraped), `sluice_async_calls_total{function,status}` (calls that finished: succeeded,
 * failed, dead or cancelled) and `sluice_callback_deliveries_total{code}` (each POST to an
 * X-Callback-Url, by the status it got; `error` when no answer came).
 */
export class AsyncMetrics {
  readonly #calls: Counter<'function' | 'status'>;
  readonly #callbacks: Counter<'code'>;

  /** `queues` names the queues the deployed functions use; the default and workflow queues are always shown. */
  constructor(registry: Registry, queue: AsyncQueue, queues: () => Promise<readonly string[]>) {
    const registers = [registry];
    this.#calls = new Counter({ name: 'sluice_async_calls_total', help: 'Async calls finished, by function and final status', labelNames: ['function', 'status'], registers });
    this.#callbacks = new Counter({ name: 'sluice_callback_deliveries_total', help: 'Callback POSTs, by the status code they got (error: none)', labelNames: ['code'], registers });
    new Gauge({
      name: 'sluice_queue_depth',
      help: 'Async calls waiting or running, by queue',
      labelNames: ['queue'],
      registers,
      async collect() {
        const names = new Set([DEFAULT_QUEUE, WORKFLOW_QUEUE, ...(await queues())]);
        const depths = await Promise.all([...names].map(async (name) => [name, await queue.depth(name)] as const));
        this.reset();
        for (const [name, depth] of depths) this.set({ queue: name }, depth);
      },
    });
  }

  /** `name` as a call record names the function (no namespace). */
  callFinished(name: string, status: CallStatus): void {
    this.#calls.inc({ function: metricName(name), status });
  }

  callbackPosted(code: number | undefined): void {
    this.#callbacks.inc({ code: code === undefined ? 'error' : String(code) });
  }
}
