import type { Consumer, ConsumerMessages, JsMsg } from '@nats-io/jetstream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DeadLetterStream } from './jetstream-dead.js';
import { createDelivery } from './jetstream-delivery.js';
import { Lease } from './jetstream-lease.js';
import { runHandler } from './consumer.js';
import type { Delivery, Subscription } from './types.js';

/**
 * How long one pull request waits on an empty queue. Only idle consumers notice it (one request per
 * expiry); a stop() cancels the waiting ones at once.
 */
const PULL_EXPIRES_MS = 30_000;
/** After a failed pull or setup (server away, consumer deleted): wait, doubling up to the max. */
const RETRY_MIN_MS = 250;
const RETRY_MAX_MS = 10_000;

/** The durable consumer a subscription pulls from, once JetStreamQueue has made sure it exists. */
export interface ConsumerSetup {
  readonly consumer: Consumer;
  /** The durable's ack_wait: how long the server keeps a delivery before giving it to another node. */
  readonly ackWaitMs: number;
}

export interface SubscriptionOptions {
  readonly queue: string;
  readonly concurrency: number;
  readonly leaseMs: number;
  readonly dead: DeadLetterStream;
  readonly onError: (err: unknown) => void;
}

/**
 * One consumer of a named queue. Pulls only what it can start now: every message requested or
 * running takes one of `concurrency` slots, so nothing waits in a client buffer while its lease runs
 * out (nats.js's `consume()` would keep a buffer full). A freed slot pulls again.
 */
export class JetStreamSubscription implements Subscription {
  readonly #opts: SubscriptionOptions;
  readonly #handler: (delivery: Delivery) => Promise<void>;
  readonly #running = new Set<Promise<void>>();
  readonly #batches = new Set<ConsumerMessages>();
  readonly #stopping = new AbortController();
  readonly #prepare: () => Promise<ConsumerSetup>;
  /** Undefined until prepared, and again after a failed pull (the consumer may have been deleted). */
  #setup: ConsumerSetup | undefined;
  #preparing: Promise<void> | undefined;
  /** Messages asked for and not arrived yet. */
  #requested = 0;
  #stopped = false;
  #retryMs = RETRY_MIN_MS;

  constructor(opts: SubscriptionOptions, prepare: () => Promise<ConsumerSetup>, handler: (delivery: Delivery) => Promise<void>) {
    this.#opts = opts;
    this.#prepare = prepare;
    this.#handler = handler;
    this.#fill();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#stopping.abort();
    await this.#preparing;
    for (const batch of this.#batches) batch.stop();
    await Promise.all(this.#running);
  }

  // --- internal ---

  #fill(): void {
    const setup = this.#setup;
    if (this.#stopped) return;
    if (!setup) {
      this.#preparing ??= this.#connect();
      return;
    }
    const room = this.#opts.concurrency - this.#running.size - this.#requested;
    if (room > 0) void this.#pull(setup, room);
  }

  /** Makes sure the durable consumer exists (retrying until it does, or stop()), then pulls. */
  async #connect(): Promise<void> {
    while (!this.#stopped && !this.#setup) {
      try {
        this.#setup = await this.#prepare();
      } catch (err) {
        this.#opts.onError(err);
        await this.#backOff();
      }
    }
    this.#preparing = undefined;
    this.#fill();
  }

  async #pull(setup: ConsumerSetup, count: number): Promise<void> {
    this.#requested += count;
    let arrived = 0;
    let batch: ConsumerMessages | undefined;
    try {
      batch = await setup.consumer.fetch({ max_messages: count, expires: PULL_EXPIRES_MS });
      this.#batches.add(batch);
      if (this.#stopped) batch.stop();
      for await (const msg of batch) {
        arrived++;
        this.#requested--;
        this.#begin(setup, msg);
      }
      this.#retryMs = RETRY_MIN_MS;
    } catch (err) {
      this.#opts.onError(err);
      await this.#backOff();
      this.#setup = undefined;
    } finally {
      if (batch) this.#batches.delete(batch);
      this.#requested -= count - arrived;
      this.#fill();
    }
  }

  /** Runs the handler for one message, in one of the slots. */
  #begin(setup: ConsumerSetup, msg: JsMsg): void {
    if (this.#stopped) {
      // Arrived after stop() (it was on the wire): hand it back now rather than hold it a lease long.
      msg.nak();
      return;
    }
    const lease = new Lease(this.#opts.leaseMs, setup.ackWaitMs, { refresh: () => msg.working(), expire: () => msg.nak() });
    const delivery = createDelivery(msg, this.#opts.queue, lease, this.#opts.dead);
    // Counted as running before the handler starts, so a stop() from inside it waits for it.
    const run = Promise.resolve(delivery)
      .then((d) => this.#run(d))
      .finally(() => {
        lease.end();
        this.#running.delete(run);
        this.#fill();
      });
    this.#running.add(run);
  }

  #run(delivery: Delivery): Promise<void> {
    return runHandler(this.#handler, delivery, this.#opts.onError);
  }

  async #backOff(): Promise<void> {
    const delay = this.#retryMs;
    this.#retryMs = Math.min(delay * 2, RETRY_MAX_MS);
    await sleep(delay, undefined, { signal: this.#stopping.signal }).catch(() => {});
  }
}
