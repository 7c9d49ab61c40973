import type { Logger } from 'pino';
import type { AsyncConfig } from '../config/index.js';
import type { AsyncBackend, Subscription } from '../queue/index.js';
import type { CallbackMessage } from './callback.js';
import { handleDelivery, type CallContext } from './handle-call.js';
import type { Invoker } from './invoker.js';
import type { AsyncMetrics } from './metrics.js';
import { DEFAULT_QUEUE, WORKFLOW_CONCURRENCY, WORKFLOW_QUEUE } from './queues.js';

/** How often the worker looks for queues named by functions deployed since (a worker of its own process). */
const QUEUES_EVERY_MS = 5000;
/** How often finished calls older than result_ttl are pruned. */
const PRUNE_EVERY_MS = 10 * 60_000;
/** When handling a call fails unexpectedly (its store is down…), it is tried again after this. */
const RETRY_UNEXPECTED_MS = 1000;

export interface WorkerOptions {
  readonly invoker: Invoker;
  readonly backend: AsyncBackend;
  readonly config: AsyncConfig;
  readonly logger: Logger;
  postCallback(msg: CallbackMessage): Promise<number>;
  /** Told each time a call finished (its outcome is stored): workflow calls waiting for it go on at once. */
  finished?(callId: string): void;
  /** Where finished calls and callback deliveries are counted. */
  readonly metrics?: AsyncMetrics;
}

/**
 * The queue worker inside a node: one consumer per named queue, each running up to `max_inflight`
 * calls at once, so a slow function on its own queue cannot hold up the others.
 */
export class Worker {
  readonly #subscriptions = new Map<string, Subscription>();
  readonly #ctx: CallContext;
  readonly #opts: WorkerOptions;
  #pruner: NodeJS.Timeout | undefined;
  #watcher: NodeJS.Timeout | undefined;
  #stopping = false;

  constructor(opts: WorkerOptions) {
    this.#opts = opts;
    let serial = 0;
    this.#ctx = { ...opts, nextSerial: () => ++serial, stopping: () => this.#stopping };
  }

  /**
   * Consumes the default queue, the workflows' queue and every queue a deployed function names, now
   * and as functions are deployed; prunes old calls.
   */
  start(): void {
    this.ensureQueue(DEFAULT_QUEUE);
    this.ensureQueue(WORKFLOW_QUEUE);
    const watch = (): void => {
      this.#opts.invoker.queues().then(
        (queues) => queues.forEach((queue) => this.ensureQueue(queue)),
        (err: unknown) => this.#opts.logger.warn({ err }, 'could not list the functions\' queues; trying again in 5s'),
      );
    };
    watch();
    this.#watcher = setInterval(watch, QUEUES_EVERY_MS).unref();
    const prune = (): void => {
      this.#opts.backend.calls.prune(Date.now() - this.#opts.config.resultTtlMs).catch((err: unknown) => this.#opts.logger.warn({ err }, 'pruning old calls failed'));
    };
    prune();
    this.#pruner = setInterval(prune, PRUNE_EVERY_MS).unref();
  }

  /** Starts consuming `queue` if this worker does not yet (a call was accepted for a new queue). */
  ensureQueue(queue: string): void {
    if (this.#stopping || this.#subscriptions.has(queue)) return;
    const { backend, config, logger } = this.#opts;
    const concurrency = queue === WORKFLOW_QUEUE ? Math.max(WORKFLOW_CONCURRENCY, config.concurrency) : config.concurrency;
    const subscription = backend.queue.consume(queue, { concurrency, leaseMs: config.ackWaitMs }, (delivery) =>
      handleDelivery(this.#ctx, delivery).catch(async (err: unknown) => {
        logger.error({ err, messageId: delivery.id, queue }, 'handling an async call failed; it will be delivered again in 1s');
        await delivery.nack(RETRY_UNEXPECTED_MS).catch(() => {});
      }),
    );
    this.#subscriptions.set(queue, subscription);
  }

  /**
   * Takes no more calls, and waits up to `graceMs` for the running ones. Calls still running after
   * that are cut short by the node's shutdown and run again after the restart (their leases lapse).
   */
  async stop(graceMs: number): Promise<void> {
    this.#stopping = true;
    clearInterval(this.#pruner);
    clearInterval(this.#watcher);
    const stopped = Promise.all([...this.#subscriptions.values()].map((s) => s.stop()));
    await Promise.race([stopped, new Promise((resolve) => setTimeout(resolve, graceMs).unref())]);
  }
}
